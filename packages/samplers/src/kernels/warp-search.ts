/**
 * WARP negative search kernels.
 *
 * @see Weston, Bengio, Usunier, "WSABIE: Scaling Up To Large Vocabulary Image Annotation",
 * IJCAI 2011 (WARP loss and its sampling-based rank estimate).
 * @see lyst/lightfm PR #265 (rejected positives must not count as trials).
 */
import type { Scorer } from '@decoy/core'
import { prngNext } from '@decoy/core/kernels'
import { isPositive, nthNonPositive } from '../exclusion.js'

/**
 * Writes `count` uniform candidates for user `u` into `cand[from..from+count)`, each drawn from
 * I \ (I_u⁺ ∪ {positive}) (or I \ {positive} when `exclude` is false). A rejected positive is
 * redrawn and not counted as a candidate; after `maxRetries` rejections in a row the candidate is
 * drawn exactly over the complement by rank.
 *
 * @param positiveIsTrain - whether `positive` is itself in I_u⁺ (it usually is).
 * @param tally - accumulators: `[1] += rejected`, `[3] += fallbacks`.
 * @returns nothing; the caller guarantees the complement is non-empty.
 * @remarks O(count) expected, O(log |I_u⁺|) per membership test; allocates nothing.
 */
export function warpFillCandidates(
  cand: Int32Array,
  from: number,
  count: number,
  u: number,
  positive: number,
  positiveIsTrain: boolean,
  exclude: boolean,
  indptr: Int32Array,
  rows: Int32Array,
  bitOffset: Int32Array,
  bits: Uint32Array,
  numItems: number,
  maxRetries: number,
  state: Uint32Array,
  tally: Float64Array,
): void {
  const len = exclude ? indptr[u + 1] - indptr[u] : 0
  // Size of the complement the fallback ranks over: non-positives minus the slot's positive.
  const extra = exclude ? (positiveIsTrain ? 0 : 1) : 1
  const free = numItems - len - extra
  const scale = numItems * 2.3283064365386963e-10
  for (let c = 0; c < count; c++) {
    let j = -1
    for (let tr = 0; tr < maxRetries; tr++) {
      const x = (prngNext(state) * scale) | 0
      if (x !== positive && (len === 0 || !isPositive(indptr, rows, bitOffset, bits, u, x))) {
        j = x
        break
      }
      tally[1]++
    }
    if (j < 0) {
      const r = (prngNext(state) * 2.3283064365386963e-10 * free) | 0
      if (exclude) {
        j = nthNonPositive(indptr, rows, u, r)
        // The slot's positive is a non-positive of the row only when it is not a training item.
        if (!positiveIsTrain && j >= positive) j = nthNonPositive(indptr, rows, u, r + 1)
      } else {
        j = r >= positive ? r + 1 : r
      }
      tally[3]++
    }
    cand[from + c] = j
  }
}

/**
 * One WARP search for slot (u, positive): draws uniform candidates (see {@link warpFillCandidates})
 * until one violates the margin, x_uj > x_ui − margin, or `maxSampled` candidates were drawn.
 * Candidates are scored in growing chunks (1, 2, 4, …) so an early violator costs few scores and a
 * long search few scorer calls; the law of (violator, trials) is that of the one-at-a-time search.
 *
 * @param positiveScore - x_ui.
 * @param cand - scratch `Int32Array(maxSampled)`.
 * @param scores - scratch `Float32Array(maxSampled)`.
 * @param history - scratch `Float32Array(maxSampled)`: every score of the search, in draw order.
 * @param tally - accumulators: `[0] += candidates drawn`, `[1] += rejected`, `[3] += fallbacks`,
 *   `[4] += hardness percentile`, `[5] += percentiles summed`.
 * @param result - out: `[0]` = the violator or -1, `[1]` = trials (candidates drawn, rejected
 *   positives not counted; `maxSampled` when none was found).
 * @remarks O(trials·cost of a score), allocates nothing.
 */
export function warpSearch(
  scorer: Scorer,
  u: number,
  positive: number,
  positiveIsTrain: boolean,
  positiveScore: number,
  margin: number,
  maxSampled: number,
  exclude: boolean,
  indptr: Int32Array,
  rows: Int32Array,
  bitOffset: Int32Array,
  bits: Uint32Array,
  numItems: number,
  maxRetries: number,
  state: Uint32Array,
  cand: Int32Array,
  scores: Float32Array,
  history: Float32Array,
  tally: Float64Array,
  result: Int32Array,
): void {
  const threshold = positiveScore - margin
  let n = 0
  let chunk = 1
  while (n < maxSampled) {
    const c = chunk < maxSampled - n ? chunk : maxSampled - n
    warpFillCandidates(cand, 0, c, u, positive, positiveIsTrain, exclude, indptr, rows, bitOffset, bits, numItems, maxRetries, state, tally)
    tally[0] += c
    scorer.scoreItems(u, cand, c, scores)
    // Keep the whole search's scores (for the hardness percentile) in `history[0..n+c)`.
    for (let i = 0; i < c; i++) history[n + i] = scores[i]
    for (let i = 0; i < c; i++) {
      const x = scores[i]
      if (x > threshold) {
        result[0] = cand[i]
        result[1] = n + i + 1
        // Hardness: the violator's score percentile among every candidate scored in this search.
        const scored = n + c
        if (scored > 1) {
          let below = 0
          for (let q = 0; q < scored; q++) if (history[q] < x) below++
          tally[4] += below / (scored - 1)
          tally[5]++
        }
        return
      }
    }
    n += c
    chunk *= 2
  }
  result[0] = -1
  result[1] = maxSampled
}
