/**
 * Successive sampling without replacement ∝ exp(log-weights) (the Plackett–Luce order): the law of
 * the Gumbel top-k order of keys `lw + G`, drawn with one uniform per pick instead of two
 * logarithms per candidate.
 */
import { prngNext } from '@decoy/core/kernels'

/** Converts a uniform 32-bit word to [0, 1). */
const INV_2_32 = 2.3283064365386963e-10

/** Below this the remaining weights are renormalised to the largest remaining (no underflow). */
const TINY = 1e-280

/**
 * Writes into `order[0..count)` `count` distinct indices of `[0, n)` drawn one after another, each
 * with probability `exp(lw[i]) / Σ (those not yet drawn)`: the same law, order included, as the top
 * `count` of `lw[i] + Gumbel` in descending key. Entries of weight 0 (`lw` −∞ or NaN) come after
 * every other one, in ascending index (as −∞ keys tie towards the lower index). Weights are taken
 * relative to the largest remaining one, and renormalised when what remains would underflow, so
 * any spread of `lw` is exact (e.g. scores / τ at a tiny τ). Consumes one word of `state`
 * (xoshiro128+) per pick with positive mass left.
 * @param lw - log-weights (NaN weighs 0, as −∞); overwritten (the caller's scratch).
 * @param w - scratch of length ≥ n.
 * @remarks O(count · n) and n exponentials (more only when renormalising); allocates nothing.
 */
export function successiveSample(lw: Float64Array, n: number, count: number, order: Int32Array, w: Float64Array, state: Uint32Array): void {
  for (let i = 0; i < n; i++) if (!(lw[i] > -Infinity)) lw[i] = -Infinity // NaN weighs 0; NaN marks drawn below
  let total = reweigh(lw, w, n)
  for (let d = 0; d < count; d++) {
    let pick = -1
    if (total > 0) {
      const t = prngNext(state) * INV_2_32 * total
      let acc = 0
      for (let i = 0; i < n; i++) {
        const x = w[i]
        if (!(x > 0)) continue
        pick = i // the last positive one if rounding leaves t beyond the sum
        acc += x
        if (t < acc) break
      }
      const left = total - w[pick]
      w[pick] = -1
      lw[pick] = Number.NaN
      // Subtracting less than half keeps the running total accurate to a few ulps; else re-add,
      // and renormalise when what remains is near underflow.
      if (left >= 0.5 * total) total = left
      else {
        total = 0
        for (let i = 0; i < n; i++) if (w[i] > 0) total += w[i]
        if (total < TINY) total = reweigh(lw, w, n)
      }
    } else {
      for (let i = 0; i < n; i++) {
        if (w[i] === 0) {
          pick = i
          break
        }
      }
      w[pick] = -1
      lw[pick] = Number.NaN
    }
    order[d] = pick
  }
}

/**
 * `w[i] = exp(lw[i] − max lw)` for the entries not yet drawn (0 for −∞; drawn ones, NaN, keep −1);
 * returns their sum (0 when none has a finite log-weight).
 */
function reweigh(lw: Float64Array, w: Float64Array, n: number): number {
  let m = -Infinity
  for (let i = 0; i < n; i++) if (lw[i] > m) m = lw[i]
  let total = 0
  for (let i = 0; i < n; i++) {
    if (Number.isNaN(lw[i])) continue
    const x = lw[i] > -Infinity ? Math.exp(lw[i] - m) : 0
    w[i] = x
    total += x
  }
  return m > -Infinity ? total : 0
}
