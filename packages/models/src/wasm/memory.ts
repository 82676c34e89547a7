/**
 * The memory layout of the WebAssembly kernels: a bump allocator over byte offsets (16-byte
 * aligned, so every row starts on a v128 boundary) and the imported memory itself, plain or shared
 * across worker threads. Each family's layout (`createFmWasmLayout`, `createSgnsLayout`, …) lays its
 * arrays out with it.
 */

/** Bytes of a WebAssembly page. */
export const WASM_PAGE = 65536
/** Pages of a 32-bit memory (4 GiB). */
export const MAX_WASM_PAGES = 65536

/** `n` rounded up to a multiple of 16. */
export function align16(n: number): number {
  return Math.ceil(n / 16) * 16
}

/** A bump allocator of byte offsets in a memory being laid out. */
export interface Arena {
  /** Reserves `bytes` and returns their offset; the next block starts 16-byte aligned. */
  take(bytes: number): number
  /** Moves the next offset up to a multiple of `bytes` (e.g. 64 for whole cache lines). */
  alignTo(bytes: number): void
  /** Bytes laid out so far. */
  readonly size: number
}

/** A fresh {@link Arena} at offset 0. */
export function createArena(): Arena {
  let at = 0
  return {
    take(bytes: number): number {
      const o = at
      at = align16(at + bytes)
      return o
    },
    alignTo(bytes: number): void {
      at = Math.ceil(at / bytes) * bytes
    },
    get size(): number {
      return at
    },
  }
}

/**
 * The memory for an arena of `bytes`: fixed-size and shared when worker threads train in it.
 * @returns null when it would exceed 4 GiB or the engine will not reserve it.
 */
export function createWasmMemory(bytes: number, shared: boolean): WebAssembly.Memory | null {
  const pages = Math.max(1, Math.ceil(bytes / WASM_PAGE))
  if (pages > MAX_WASM_PAGES) return null
  try {
    return new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages })
  } catch {
    return null
  }
}
