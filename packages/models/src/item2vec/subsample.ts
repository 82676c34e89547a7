/**
 * word2vec's frequent-word subsampling, applied to items.
 */

/**
 * Keep probability of every item under word2vec's subsampling rule, with `minCount` pruning.
 *
 * An occurrence of item i (count f_i, total retained count T) is kept with probability
 * `min(1, (sqrt(f_i / (s·T)) + 1) · (s·T / f_i))` — the word2vec.c / gensim variant of Mikolov et
 * al.'s `1 − sqrt(t / f)` discard rule. Items with count below `minCount` get probability 0 and do
 * not count towards T. `sample = 0` disables subsampling (every retained item has probability 1).
 * As in gensim, a `sample` ≥ 1 is read as an absolute count threshold `s·T` rather than a fraction.
 *
 * @param counts - occurrences per item (users who have it, for item2vec).
 * @param n - number of items.
 * @param sample - the threshold `s` (word2vec default 1e-3).
 * @param minCount - items seen fewer times are dropped (default 1: keep everything seen).
 * @param out - optional destination of length ≥ n.
 * @returns the keep probabilities (`out` when given).
 * @example
 * ```ts
 * const keep = keepProbabilities(new Int32Array([1000, 10]), 2, 1e-3)
 * // keep[0] ≈ (sqrt(1000 / 1.01) + 1) · (1.01 / 1000) ≈ 0.033, keep[1] = 1
 * ```
 * @see Mikolov et al., "Distributed Representations of Words and Phrases and their Compositionality" (NeurIPS 2013), §2.3.
 * @remarks O(n); allocates only when `out` is omitted.
 */
export function keepProbabilities(
  counts: ArrayLike<number>,
  n: number,
  sample: number,
  minCount = 1,
  out: Float64Array = new Float64Array(n),
): Float64Array {
  if (!(sample >= 0) || !Number.isFinite(sample)) throw new Error(`keepProbabilities: sample must be a finite number >= 0, got ${sample}`)
  if (!(minCount >= 0)) throw new Error(`keepProbabilities: minCount must be >= 0, got ${minCount}`)
  const thr = Math.max(1, minCount)
  let total = 0
  for (let i = 0; i < n; i++) if (counts[i] >= thr) total += counts[i]
  const threshold = sample >= 1 ? sample : sample * total
  for (let i = 0; i < n; i++) {
    const f = counts[i]
    if (!(f >= thr)) out[i] = 0
    else if (sample === 0) out[i] = 1
    else {
      const p = (Math.sqrt(f / threshold) + 1) * (threshold / f)
      out[i] = p < 1 ? p : 1
    }
  }
  return out
}
