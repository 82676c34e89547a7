/**
 * The blocked scoring kernel of full ranking (`wasm/score-block.wat`) and its TypeScript twin:
 * query quads × item panels, biases added, and a record written for each (row, panel) whose 8
 * scores hold one above the row's threshold. See the .wat file for the memory layout; both
 * versions round exactly like {@link dotScoreRow} (sequential float32 accumulation).
 */
import { SCORE_BLOCK_WASM_PLAIN, SCORE_BLOCK_WASM_SHARED } from './wasm/score-block-module.js'

/** Items per panel (two f32x4 lanes). */
export const PANEL = 8
/** Query rows per quad. */
export const QUAD = 4
/** Bytes of one output record: i32 row, i32 panel, 8 × f32 scores. */
export const RECORD_BYTES = 40

/** The kernel's signature (byte offsets into its memory; returns records written). */
export type ScoreBlockFn = (
  U: number,
  rows: number,
  UB: number,
  T: number,
  Q: number,
  B: number,
  dim: number,
  p0: number,
  p1: number,
  out: number,
) => number

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

/** Instantiates the kernel over `memory` (plain or shared); synchronous, the module is ~1 KB. */
export function instantiateScoreBlock(memory: WebAssembly.Memory): ScoreBlockFn {
  const shared = !(memory.buffer instanceof ArrayBuffer)
  const key = shared ? 'shared' : 'plain'
  const mod = (compiled[key] ??= new WebAssembly.Module(decode(shared ? SCORE_BLOCK_WASM_SHARED : SCORE_BLOCK_WASM_PLAIN)))
  const inst = new WebAssembly.Instance(mod, { env: { memory } })
  return inst.exports.scoreBlock as ScoreBlockFn
}

/**
 * The TypeScript twin of the WebAssembly kernel over the same memory (`f32`/`i32` views of it):
 * identical records, used where WebAssembly SIMD is missing and as the tests' reference.
 * @remarks O((p1 − p0) · rows · dim · 8); allocates a 32-float accumulator once per call.
 */
export function scoreBlockJs(
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
  out: number,
): number {
  const acc = new Float32Array(QUAD * PANEL)
  const fr = Math.fround
  const u0 = U >> 2
  const q0 = Q >> 2
  let o = out >> 2
  for (let p = p0; p < p1; p++) {
    const qb = q0 + p * dim * PANEL
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
        const t = f32[(T >> 2) + row]
        let any = false
        for (let l = 0; l < PANEL; l++) {
          const v = fr(fr(acc[r * PANEL + l] + f32[bb + l]) + qbias)
          acc[r * PANEL + l] = v
          if (v > t) any = true
        }
        if (any) {
          i32[o] = row
          i32[o + 1] = p
          for (let l = 0; l < PANEL; l++) f32[o + 2 + l] = acc[r * PANEL + l]
          o += RECORD_BYTES >> 2
        }
      }
    }
  }
  return (o - (out >> 2)) / (RECORD_BYTES >> 2)
}
