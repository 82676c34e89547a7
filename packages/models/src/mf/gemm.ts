/**
 * The GEMM of batch-shared negatives (source `wasm/gemm.wat`) over an arena of float32 matrices in
 * the module's own memory, with a scalar TypeScript twin: the reference in tests and the fallback
 * on engines without WebAssembly SIMD.
 *
 *   C[i, j] (+)= Σ_f A(i, f) · B[f, j],   A(i, f) at byte A + i·aRow + f·aCol
 *
 * All pointers and strides are in bytes; B and C are row-major; n must be a multiple of 4.
 */
import { GEMM_WASM_PLAIN, GEMM_WASM_SHARED } from './wasm/gemm-module.js'
import { wasmModulePair } from '../wasm/modules.js'

interface GemmExports {
  gemm(
    A: number,
    aRow: number,
    aCol: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    acc: number,
  ): void
  softmaxRow(row: number, lqc: number, n: number, invT: number, out: number): number
  scaleRow(row: number, n: number, s: number): void
}

const modules = wasmModulePair(GEMM_WASM_PLAIN, GEMM_WASM_SHARED)
const PAGE = 65536

/** True when this engine runs the WebAssembly GEMM (128-bit SIMD). Cached. */
export function gemmWasmSupported(): boolean {
  return modules.supported()
}

/**
 * Scalar reference of the kernel over `mem` (a float32 view of the whole memory): the same sums in
 * the same order of f, rounded to float32 at each step as the SIMD lanes are.
 * @remarks O(m·n·k), allocates nothing.
 */
export function gemmRef(
  mem: Float32Array,
  A: number,
  aRow: number,
  aCol: number,
  B: number,
  ldb: number,
  C: number,
  ldc: number,
  m: number,
  n: number,
  k: number,
  acc: number,
): void {
  const fr = Math.fround
  const ar = aRow >> 2
  const ac = aCol >> 2
  const bl = ldb >> 2
  const cl = ldc >> 2
  const a0 = A >> 2
  const b0 = B >> 2
  const c0 = C >> 2
  for (let i = 0; i < m; i++) {
    for (let j = 0; j < n; j++) {
      let s = 0
      for (let f = 0; f < k; f++) s = fr(s + fr(mem[a0 + i * ar + f * ac] * mem[b0 + f * bl + j]))
      const o = c0 + i * cl + j
      mem[o] = acc ? fr(mem[o] + s) : s
    }
  }
}

/**
 * A growable arena of float32 matrices and the GEMM that reads and writes them: the WebAssembly
 * SIMD kernel when the engine supports it (or `useWasm` forces it), else {@link gemmRef}.
 * @example
 * ```ts
 * const g = new GemmArena()
 * const [a, b, c] = g.reserve([4 * 64, 64 * 1024, 4 * 1024])    // float offsets
 * g.f32.set(userRows, a); ...
 * g.gemm(a * 4, 64 * 4, 4, b * 4, 1024 * 4, c * 4, 1024 * 4, 4, 1024, 64, 0)
 * ```
 */
export class GemmArena {
  /** The memory (plain). */
  readonly memory: WebAssembly.Memory
  /** Float32 view of the whole memory; renewed by {@link GemmArena.reserve} when it grows. */
  f32: Float32Array
  /** Whether the WebAssembly kernel runs. */
  readonly wasm: boolean
  private readonly x: GemmExports | null

  /** @param useWasm - force the kernel on (true) or off (false); default: when supported. */
  constructor(useWasm: boolean = gemmWasmSupported()) {
    this.memory = new WebAssembly.Memory({ initial: 1 })
    this.wasm = useWasm
    const instance = useWasm ? new WebAssembly.Instance(modules.module(false), { env: { memory: this.memory } }) : null
    this.x = instance ? (instance.exports as unknown as GemmExports) : null
    this.f32 = new Float32Array(this.memory.buffer)
  }

  /**
   * Lays out matrices of the given float counts (each 16-byte aligned) from offset 0, growing the
   * memory when needed. Earlier reservations are invalidated.
   * @returns each matrix's float offset.
   */
  reserve(sizes: readonly number[]): number[] {
    const out: number[] = []
    let at = 0
    for (const s of sizes) {
      out.push(at)
      at += Math.ceil(s / 4) * 4
    }
    const bytes = at * 4
    const have = this.memory.buffer.byteLength
    if (bytes > have) this.memory.grow(Math.ceil((bytes - have) / PAGE))
    const buf = this.memory.buffer
    if (this.f32.buffer !== buf || this.f32.length * 4 !== buf.byteLength) this.f32 = new Float32Array(buf)
    return out
  }

  /**
   * The softmax pass of one score row (WebAssembly only): `z_j = row_j·invT − lqc_j` in place, then
   * `e^{z_j − max z}`; masked entries must arrive as −∞ (they give 0). Stores max z at float
   * offset `outAt` and returns Σ e. Offsets in floats; n a multiple of 4.
   * @throws Error without the WebAssembly kernel.
   */
  softmaxRow(rowAt: number, lqcAt: number, n: number, invT: number, outAt: number): number {
    if (!this.x) throw new Error('softmaxRow: needs the WebAssembly kernel')
    return this.x.softmaxRow(rowAt * 4, lqcAt * 4, n, invT, outAt * 4)
  }

  /** row[0..n) *= s at float offset `rowAt` (n a multiple of 4). */
  scaleRow(rowAt: number, n: number, s: number): void {
    if (this.x) this.x.scaleRow(rowAt * 4, n, s)
    else for (let j = 0; j < n; j++) this.f32[rowAt + j] = Math.fround(this.f32[rowAt + j] * s)
  }

  /** C (+)= A·B over byte offsets of the arena; see the module comment. */
  gemm(
    A: number,
    aRow: number,
    aCol: number,
    B: number,
    ldb: number,
    C: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    acc: number,
  ): void {
    if (n % 4 !== 0) throw new Error(`gemm: n must be a multiple of 4, got ${n}`)
    if (this.x) this.x.gemm(A, aRow, aCol, B, ldb, C, ldc, m, n, k, acc)
    else gemmRef(this.f32, A, aRow, aCol, B, ldb, C, ldc, m, n, k, acc)
  }
}
