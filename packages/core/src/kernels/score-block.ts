/**
 * The blocked full-ranking kernel (`wasm/score-block.wat`) and its TypeScript twin: query quads ×
 * item panels, biases added, and each row's top k kept in a heap in the same memory (items masked
 * by a per-row bitset), then sorted in place. See the .wat file for the memory layout; both
 * versions round exactly like {@link dotScoreRow} (sequential float32 accumulation) and keep
 * exactly the same heaps.
 */
import { SCORE_BLOCK_WASM_PLAIN, SCORE_BLOCK_WASM_SHARED } from './wasm/score-block-module.js'

/** Items per panel (two f32x4 lanes). */
export const PANEL = 8
/** Query rows per quad. */
export const QUAD = 4

/**
 * Scores and ranks a block (byte offsets into the kernel's memory): `rows` query rows (a multiple
 * of 4) against panels [p0, p1) into the rows' heaps of capacity `kk`, items masked by the
 * bitsets at `X` (`xw` words a row), with room for 64 records of 40 bytes at `R`; returns the
 * (row, panel) pairs offered to a heap.
 */
export type ScoreTopKFn = (
  U: number,
  rows: number,
  UB: number,
  T: number,
  Q: number,
  B: number,
  dim: number,
  p0: number,
  p1: number,
  HZ: number,
  HS: number,
  HI: number,
  kk: number,
  X: number,
  xw: number,
  R: number,
) => number

/** Sorts the heaps of rows [0, rows) in place, best first (byte offsets as in {@link ScoreTopKFn}). */
export type SortTopKFn = (rows: number, HZ: number, HS: number, HI: number, kk: number) => void

/** The kernel's two entry points over one memory. */
export interface ScoreBlockKernel {
  scoreTopK: ScoreTopKFn
  sortTopK: SortTopKFn
}

function decode(base64: string): Uint8Array<ArrayBuffer> {
  const s = atob(base64)
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

let supported: boolean | null = null
const compiled: { plain: WebAssembly.Module | null; shared: WebAssembly.Module | null } = { plain: null, shared: null }

/** True when this engine runs the WebAssembly SIMD kernel (validated once, cached). */
export function scoreBlockWasmSupported(): boolean {
  if (supported === null) {
    try {
      supported = typeof WebAssembly === 'object' && WebAssembly.validate(decode(SCORE_BLOCK_WASM_PLAIN))
    } catch {
      supported = false
    }
  }
  return supported
}

/** Instantiates the kernel over `memory` (plain or shared); synchronous, the module is ~1.5 KB. */
export function instantiateScoreBlock(memory: WebAssembly.Memory): ScoreBlockKernel {
  const shared = !(memory.buffer instanceof ArrayBuffer)
  const key = shared ? 'shared' : 'plain'
  const mod = (compiled[key] ??= new WebAssembly.Module(decode(shared ? SCORE_BLOCK_WASM_SHARED : SCORE_BLOCK_WASM_PLAIN)))
  const inst = new WebAssembly.Instance(mod, { env: { memory } })
  return { scoreTopK: inst.exports.scoreTopK as ScoreTopKFn, sortTopK: inst.exports.sortTopK as SortTopKFn }
}

/** The TypeScript twin of the kernel over a memory's buffer: same heaps, same return values. */
export function scoreBlockJs(buffer: ArrayBufferLike): ScoreBlockKernel {
  const f32 = new Float32Array(buffer)
  const i32 = new Int32Array(buffer)
  return {
    scoreTopK: (U, rows, UB, T, Q, B, dim, p0, p1, HZ, HS, HI, kk, X, xw) =>
      scoreTopKJs(f32, i32, U, rows, UB, T, Q, B, dim, p0, p1, HZ, HS, HI, kk, X, xw),
    sortTopK: (rows, HZ, HS, HI, kk) => sortTopKJs(f32, i32, rows, HZ, HS, HI, kk),
  }
}

/** (sa, ia) ranks below (sb, ib): a lower score, or an equal one and a higher item id (selectTopK's rule). */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib)
}

/** Places (s, it) at the root of the heap at float index hs / int index hi of `size` entries and sifts it down. */
function siftDown(f32: Float32Array, i32: Int32Array, hs: number, hi: number, size: number, s: number, it: number): void {
  let c = 0
  for (;;) {
    const l = 2 * c + 1
    if (l >= size) break
    let m = l
    if (l + 1 < size && worse(f32[hs + l + 1], i32[hi + l + 1], f32[hs + l], i32[hi + l])) m = l + 1
    if (worse(s, it, f32[hs + m], i32[hi + m])) break
    f32[hs + c] = f32[hs + m]
    i32[hi + c] = i32[hi + m]
    c = m
  }
  f32[hs + c] = s
  i32[hi + c] = it
}

/**
 * The TypeScript twin of `scoreTopK` (byte offsets as there): identical heaps, thresholds and
 * return value, offering lane by lane in the same order, straight to the heaps (no records: a
 * row's threshold only moves with its own offers, at most one record per row and panel). Used
 * where WebAssembly SIMD is missing and as the tests' reference.
 * @remarks O((p1 − p0) · rows · dim · 8) plus the heap work; allocates a 32-float accumulator per call.
 */
export function scoreTopKJs(
  f32: Float32Array,
  i32: Int32Array,
  U: number,
  rows: number,
  UB: number,
  T: number,
  Q: number,
  B: number,
  dim: number,
  p0: number,
  p1: number,
  HZ: number,
  HS: number,
  HI: number,
  kk: number,
  X: number,
  xw: number,
): number {
  const acc = new Float32Array(QUAD * PANEL)
  const fr = Math.fround
  const u0 = U >> 2
  const t0 = T >> 2
  const z0 = HZ >> 2
  const x0 = X >> 2
  let taken = 0
  for (let p = p0; p < p1; p++) {
    const qb = (Q >> 2) + p * dim * PANEL
    const bb = (B >> 2) + p * PANEL
    for (let g = 0; g < rows; g += QUAD) {
      const ub = u0 + g * dim
      acc.fill(0)
      for (let f = 0; f < dim; f++) {
        const qo = qb + f * PANEL
        const uo = ub + f * QUAD
        for (let r = 0; r < QUAD; r++) {
          const s = f32[uo + r]
          for (let l = 0; l < PANEL; l++) acc[r * PANEL + l] = fr(acc[r * PANEL + l] + fr(s * f32[qo + l]))
        }
      }
      for (let r = 0; r < QUAD; r++) {
        const row = g + r
        const qbias = f32[(UB >> 2) + row]
        let any = false
        for (let l = 0; l < PANEL; l++) {
          const v = fr(fr(acc[r * PANEL + l] + f32[bb + l]) + qbias)
          acc[r * PANEL + l] = v
          if (v > f32[t0 + row]) any = true
        }
        if (!any) continue
        taken++
        const hs = (HS >> 2) + row * kk
        const hi = (HI >> 2) + row * kk
        for (let l = 0; l < PANEL; l++) {
          const s = acc[r * PANEL + l]
          const it = p * PANEL + l
          if (!(s > f32[t0 + row])) continue
          if ((i32[x0 + row * xw + (it >>> 5)] & (1 << (it & 31))) !== 0) continue
          const size = i32[z0 + row]
          if (size < kk) {
            let c = size
            while (c > 0) {
              const pa = (c - 1) >> 1
              if (worse(f32[hs + pa], i32[hi + pa], s, it)) break
              f32[hs + c] = f32[hs + pa]
              i32[hi + c] = i32[hi + pa]
              c = pa
            }
            f32[hs + c] = s
            i32[hi + c] = it
            i32[z0 + row] = size + 1
            if (size + 1 === kk) f32[t0 + row] = f32[hs]
          } else {
            siftDown(f32, i32, hs, hi, size, s, it)
            f32[t0 + row] = f32[hs]
          }
        }
      }
    }
  }
  return taken
}

/** The TypeScript twin of `sortTopK`. */
export function sortTopKJs(f32: Float32Array, i32: Int32Array, rows: number, HZ: number, HS: number, HI: number, kk: number): void {
  for (let r = 0; r < rows; r++) {
    const hs = (HS >> 2) + r * kk
    const hi = (HI >> 2) + r * kk
    for (let end = i32[(HZ >> 2) + r] - 1; end > 0; end--) {
      const ts = f32[hs]
      const ti = i32[hi]
      siftDown(f32, i32, hs, hi, end, f32[hs + end], i32[hi + end])
      f32[hs + end] = ts
      i32[hi + end] = ti
    }
  }
}
