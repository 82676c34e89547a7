/**
 * Ranking-metric kernels: plain functions over typed arrays and offsets, computing Precision,
 * Recall, NDCG, HR, MRR and MAP at several cut-offs K in one pass over a ranked list.
 *
 * Conventions (binary relevance; T = number of relevant items of the user, h(K) = hits in the top
 * K, rank r is 0-based):
 * - `precision@K` = h(K) / K — the list is charged for all K slots even when it is shorter (padding
 *   counts as a miss). Same as RecBole's `Precision`. implicit's `precision_at_k` instead divides by
 *   min(K, T) (and micro-averages over users), which makes it a recall-like quantity.
 * - `recall@K` = h(K) / T — the denominator is the user's full test set |test|, not min(K, T), so
 *   recall@K stays below 1 when T > K. Same as RecBole's `Recall`. Some papers (Liang et al. 2018,
 *   VAE-CF) divide by min(K, T) instead; Decoy does not.
 * - `ndcg@K` = DCG / IDCG with DCG = Σ_{r<K, hit} 1/log2(r+2) and IDCG = Σ_{r<min(T,K)} 1/log2(r+2)
 *   (the ideal list puts all relevant items first). Same as RecBole's and implicit's `NDCG`.
 * - `hr@K` = 1 if h(K) > 0 else 0 (hit rate / "HR" of NCF; RecBole's `Hit`).
 * - `mrr@K` = 1/(r₁+1) for the first hit r₁ < K, else 0 (RecBole's `MRR`).
 * - `map@K` = (Σ_{r<K, hit} h(r+1)/(r+1)) / min(T, K) — average precision normalised by min(T, K),
 *   as in RecBole's `MAP` and implicit's `mean_average_precision_at_k`.
 *
 * A user with T = 0 gets 0 for every metric (evaluation skips such users; the kernel never divides
 * by zero).
 *
 * @see Järvelin & Kekäläinen, "Cumulated gain-based evaluation of IR techniques", TOIS 2002 (NDCG).
 * @see Zhao et al., "RecBole: Towards a unified, comprehensive and efficient framework for
 *   recommendation algorithms", CIKM 2021 (metric definitions followed here).
 */
import { containsSorted } from '@decoy/core/kernels'

/** Index of precision in a per-K metric block. */
export const PRECISION = 0
/** Index of recall in a per-K metric block. */
export const RECALL = 1
/** Index of NDCG in a per-K metric block. */
export const NDCG = 2
/** Index of hit rate in a per-K metric block. */
export const HR = 3
/** Index of MRR in a per-K metric block. */
export const MRR = 4
/** Index of MAP in a per-K metric block. */
export const MAP = 5
/** Metrics per K block: `out[outOffset + j * NUM_RANK_METRICS + m]` holds metric m at `ks[j]`. */
export const NUM_RANK_METRICS = 6
/** Metric names in block order, as used in result keys (`ndcg@10`). */
export const RANK_METRIC_NAMES: readonly string[] = ['precision', 'recall', 'ndcg', 'hr', 'mrr', 'map']

/**
 * Scores one ranked list against a user's relevant items at every cut-off in `ks`, in one pass.
 *
 * The list is `ranked[rankedOffset .. rankedOffset + ks[numK-1])`, best first; entries of -1 are
 * padding and never hit. Relevant items are the ascending, duplicate-free run
 * `relevant[relStart..relEnd)` (a CSR row), tested by binary search. Results are written (not
 * accumulated) as `numK` blocks of {@link NUM_RANK_METRICS} values in the order of
 * {@link RANK_METRIC_NAMES}; see the module comment for each definition.
 *
 * @param ranked - recommended item ids, best first (no duplicates).
 * @param rankedOffset - start of this user's list in `ranked`.
 * @param relevant - relevant (test) item ids; the run must be sorted ascending.
 * @param relStart - start of the user's run in `relevant`.
 * @param relEnd - end (exclusive) of the run.
 * @param ks - cut-offs, strictly ascending, each ≥ 1; the list must hold at least `ks[numK-1]` slots.
 * @param numK - number of cut-offs used from `ks`.
 * @param out - destination of `numK * NUM_RANK_METRICS` values.
 * @param outOffset - where the first block starts in `out`.
 * @returns the number of hits within the largest cut-off.
 * @example
 * ```ts
 * const out = new Float64Array(6)
 * // list [5, 2, 9], relevant {2, 7}: one hit at rank 1
 * rankingMetrics(new Int32Array([5, 2, 9]), 0, new Int32Array([2, 7]), 0, 2, new Int32Array([3]), 1, out, 0)
 * out[RECALL] // 0.5
 * ```
 * @remarks O(K · log T) for K = `ks[numK-1]`; allocates nothing.
 */
export function rankingMetrics(
  ranked: Int32Array,
  rankedOffset: number,
  relevant: Int32Array,
  relStart: number,
  relEnd: number,
  ks: Int32Array,
  numK: number,
  out: Float64Array,
  outOffset: number,
): number {
  const t = relEnd - relStart
  const maxK = ks[numK - 1]
  let hits = 0
  let dcg = 0
  let idcg = 0
  let apSum = 0
  let rr = 0
  let j = 0
  for (let r = 0; r < maxK; r++) {
    const disc = 1 / Math.log2(r + 2)
    // The ideal list has all t relevant items first, so IDCG grows only over the first t ranks.
    if (r < t) idcg += disc
    const item = ranked[rankedOffset + r]
    if (item >= 0 && containsSorted(relevant, relStart, relEnd, item)) {
      hits++
      dcg += disc
      apSum += hits / (r + 1)
      if (rr === 0) rr = 1 / (r + 1)
    }
    if (r + 1 === ks[j]) {
      const k = r + 1
      const o = outOffset + j * NUM_RANK_METRICS
      if (t === 0) {
        for (let m = 0; m < NUM_RANK_METRICS; m++) out[o + m] = 0
      } else {
        out[o + PRECISION] = hits / k
        out[o + RECALL] = hits / t
        out[o + NDCG] = dcg / idcg
        out[o + HR] = hits > 0 ? 1 : 0
        out[o + MRR] = rr
        out[o + MAP] = apSum / (t < k ? t : k)
      }
      j++
    }
  }
  return hits
}

/**
 * Adds the metrics of a candidate list holding exactly one relevant item, ranked at 0-based
 * `rank`, to `out` (sampled evaluation: one test positive among its sampled negatives).
 *
 * With T = 1 the definitions of {@link rankingMetrics} reduce to: precision = hit/K, recall = hr =
 * hit, ndcg = 1/log2(rank+2), mrr = map = 1/(rank+1), each 0 when rank ≥ K. Values are
 * accumulated so the caller can average over a user's positives.
 *
 * @param rank - 0-based rank of the relevant item among the candidates.
 * @param ks - cut-offs, strictly ascending.
 * @param numK - number of cut-offs used.
 * @param out - accumulator of `numK * NUM_RANK_METRICS` values.
 * @param outOffset - where the first block starts in `out`.
 * @example
 * ```ts
 * const acc = new Float64Array(6)
 * singleRelevantMetrics(1, new Int32Array([5]), 1, acc, 0)
 * acc[NDCG] // 1 / log2(3)
 * ```
 * @remarks O(numK); allocates nothing.
 */
export function singleRelevantMetrics(rank: number, ks: Int32Array, numK: number, out: Float64Array, outOffset: number): void {
  const disc = 1 / Math.log2(rank + 2)
  const rr = 1 / (rank + 1)
  for (let j = 0; j < numK; j++) {
    const k = ks[j]
    if (rank >= k) continue
    const o = outOffset + j * NUM_RANK_METRICS
    out[o + PRECISION] += 1 / k
    out[o + RECALL] += 1
    out[o + NDCG] += disc
    out[o + HR] += 1
    out[o + MRR] += rr
    out[o + MAP] += rr
  }
}
