/**
 * Successive sampling without replacement ∝ exp(log-weights) (the Plackett–Luce order): the law of
 * the Gumbel top-k order of keys `lw + G`, drawn with a few uniforms per pick instead of two
 * logarithms per candidate.
 */
import { prngNext } from '@decoy/core/kernels'

/** Converts a uniform 32-bit word to [0, 1). */
const INV_2_32 = 2.3283064365386963e-10

/** Below this the remaining weights are renormalised to the largest remaining (no underflow). */
const TINY = 1e-280

/** Proposals of the rejection fast path per pick before the exact scan. */
const TRIES = 8

/**
 * Writes into `order[0..count)` `count` distinct indices of `[0, n)` drawn one after another, each
 * with probability `exp(lw[i]) / Σ (those not yet drawn)`: the same law, order included, as the top
 * `count` of `lw[i] + Gumbel` in descending key. Entries of weight 0 (`lw` −∞ or NaN) come after
 * every other one, in ascending index (as −∞ keys tie towards the lower index).
 *
 * Each pick first tries rejection from a uniform proposal over the n entries, accepting i with
 * probability w_i / max w (drawn entries never), which takes O(1) tries when the weights are
 * comparable; after {@link TRIES} refusals it draws by the cumulative sum. Both give the target law
 * and the refusals do not depend on which entry would be drawn, so the mixture is exact. Weights
 * are taken relative to the largest, and renormalised when what remains would underflow, so any
 * spread of `lw` is exact (e.g. scores / τ at a tiny τ). Consumes a variable number of words of
 * `state` (xoshiro128+).
 * @param lw - log-weights (NaN weighs 0, as −∞); overwritten (the caller's scratch).
 * @param w - scratch of length ≥ n.
 * @remarks O(count · n) worst case, O(n + count) expected for comparable weights, and at most n
 * exponentials, each computed when its entry is first proposed (more only when renormalising);
 * allocates nothing.
 */
export function successiveSample(lw: Float64Array, n: number, count: number, order: Int32Array, w: Float64Array, state: Uint32Array): void {
  // Weights exp(lw − max lw) ≤ 1, computed when first needed (NaN: not yet); NaN lw marks drawn.
  let m = -Infinity
  for (let i = 0; i < n; i++) {
    const x = lw[i]
    if (x > -Infinity) {
      w[i] = Number.NaN
      if (x > m) m = x
    } else {
      lw[i] = -Infinity // NaN weighs 0, as −∞
      w[i] = 0
    }
  }
  for (let d = 0; d < count; d++) {
    let pick = -1
    for (let t = 0; t < TRIES; t++) {
      const i = (prngNext(state) * INV_2_32 * n) | 0
      let x = w[i]
      if (x !== x) {
        x = Math.exp(lw[i] - m)
        w[i] = x
      }
      // Drawn entries weigh −1: never accepted.
      if (prngNext(state) * INV_2_32 < x) {
        pick = i
        break
      }
    }
    if (pick < 0) pick = scanPick(lw, w, n, m, state)
    w[pick] = -1
    lw[pick] = Number.NaN
    order[d] = pick
  }
}

/**
 * One exact draw ∝ the remaining weights by their cumulative sum (renormalised first when near
 * underflow); with no mass left, the lowest-index zero-weight entry.
 */
function scanPick(lw: Float64Array, w: Float64Array, n: number, m: number, state: Uint32Array): number {
  let total = 0
  for (let i = 0; i < n; i++) {
    if (w[i] !== w[i]) w[i] = Math.exp(lw[i] - m)
    if (w[i] > 0) total += w[i]
  }
  if (total < TINY) total = reweigh(lw, w, n)
  if (total > 0) {
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
  for (let i = 0; i < n; i++) if (w[i] === 0) return i
  return -1
}

/**
 * Renormalises: `w[i] = exp(lw[i] − max lw)` over the entries not yet drawn (0 for −∞; drawn ones,
 * lw NaN, keep −1); returns their sum (0 when none has a finite log-weight).
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
