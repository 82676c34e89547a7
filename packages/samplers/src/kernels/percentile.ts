/**
 * The hardness diagnostic the model-aware samplers report: where a chosen negative's score stands
 * among the scores it was chosen from.
 */

/**
 * Mid-rank percentile of `x` among the ascending scores `sorted[from..to)`: (scores below x +
 * ½ · the other scores equal to x) / (n − 1), so 1 is the hardest candidate and 0 the easiest.
 * `x` must be one of the n ≥ 2 scores (it does not count as its own tie).
 * @remarks O(log n + ties): a binary search for the first score not below x, then the run of ties.
 */
export function sortedPercentile(sorted: Float32Array, from: number, to: number, x: number): number {
  let lo = from
  let hi = to
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (sorted[mid] < x) lo = mid + 1
    else hi = mid
  }
  let end = lo
  while (end < to && sorted[end] === x) end++
  return (lo - from + 0.5 * (end - lo - 1)) / (to - from - 1)
}
