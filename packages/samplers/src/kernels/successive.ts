/**
 * Successive sampling without replacement ∝ exp(log-weights) (the Plackett–Luce order): the law of
 * the Gumbel top-k order of keys `lw + G`, drawn with a few uniforms per pick instead of two
 * logarithms per candidate.
 */
import { prngNext } from '@decoy/core/kernels'

/** Converts a uniform 32-bit word to [0, 1). */
const INV_2_32 = 2.3283064365386963e-10

/** Proposals of the rejection fast path per pick before the exact scan. */
const TRIES = 8

/**
 * Writes into `order[0..count)` `count` distinct indices of `[0, n)` drawn one after another, each
 * with probability `exp(lw[i]) / Σ (those not yet drawn)`: the same law, order included, as the top
 * `count` of `lw[i] + Gumbel` in descending key. Entries of weight 0 (`lw` −∞ or NaN) come after
 * every other one, in ascending index (as −∞ keys tie towards the lower index).
 *
 * Each pick first tries rejection from a uniform proposal over the n entries, accepting i with
 * probability exp(lw[i] − m), m ≥ every remaining log-weight (drawn entries never); it takes O(1)
 * tries when the weights are comparable, and the test rarely needs the exponential: it is squeezed
 * between 1 + d ≤ e^d ≤ 1 / (1 − d) (d ≤ 0). After {@link TRIES} refusals the pick is drawn by the
 * cumulative sum of the weights relative to the largest remaining one, so any spread of `lw` is
 * exact (e.g. scores / τ at a tiny τ). Both paths give the target law and the refusals do not
 * depend on which entry would be drawn, so the mixture is exact. Consumes a variable number of
 * words of `state` (xoshiro128+).
 * @param lw - log-weights (NaN weighs 0, as −∞); overwritten (the caller's scratch).
 * @param w - scratch of length ≥ n.
 * @remarks O(count · n) worst case, O(n + count) expected for comparable weights; allocates nothing.
 */
export function successiveSample(lw: Float64Array, n: number, count: number, order: Int32Array, w: Float64Array, state: Uint32Array): void {
  let m = -Infinity
  for (let i = 0; i < n; i++) {
    const x = lw[i]
    if (x > m) m = x
    else if (!(x > -Infinity)) lw[i] = -Infinity // NaN weighs 0, as −∞; NaN marks drawn below
  }
  for (let d = 0; d < count; d++) {
    let pick = -1
    for (let t = 0; t < TRIES; t++) {
      const i = (prngNext(state) * INV_2_32 * n) | 0
      const u = prngNext(state) * INV_2_32
      const e = lw[i] - m // ≤ 0; −∞ for weight 0, NaN once drawn: never accepted
      if (u < 1 + e || (u * (1 - e) < 1 && u < Math.exp(e))) {
        pick = i
        break
      }
    }
    if (pick < 0) {
      pick = scanPick(lw, w, n, state)
      m = -Infinity
      for (let i = 0; i < n; i++) if (i !== pick && lw[i] > m) m = lw[i]
    }
    lw[pick] = Number.NaN
    order[d] = pick
  }
}

/**
 * One exact draw ∝ exp(lw) over the entries not yet drawn (lw not NaN), by the cumulative sum of
 * the weights relative to the largest; with no mass left, the lowest-index −∞ entry.
 */
function scanPick(lw: Float64Array, w: Float64Array, n: number, state: Uint32Array): number {
  let m = -Infinity
  for (let i = 0; i < n; i++) if (lw[i] > m) m = lw[i]
  if (m === -Infinity) {
    for (let i = 0; i < n; i++) if (lw[i] === -Infinity) return i
    return -1
  }
  let total = 0
  for (let i = 0; i < n; i++) {
    const x = lw[i] > -Infinity ? Math.exp(lw[i] - m) : 0
    w[i] = x
    total += x
  }
  const t = prngNext(state) * INV_2_32 * total
  let acc = 0
  let pick = -1
  for (let i = 0; i < n; i++) {
    const x = w[i]
    if (!(x > 0)) continue
    pick = i // the last positive one if rounding leaves t beyond the sum
    acc += x
    if (t < acc) break
  }
  return pick
}
