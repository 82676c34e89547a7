/**
 * Streaming item-frequency estimation for in-batch softmax correction.
 *
 * @see Yi, Yang, Hong, Cheng, Heldt, Kumthekar, Zhao, Wei, Chi, "Sampling-Bias-Corrected Neural
 * Modeling for Large Corpus Item Recommendations", RecSys 2019, Algorithms 2 and 3.
 */

/**
 * Bucket of item `y` in hash array `i`: `y` itself when `seeds` is null (a perfect hash, used
 * when H ≥ number of items and m = 1), else a seeded multiply-shift hash into [0, H).
 *
 * @remarks O(1), allocates nothing.
 */
export function freqHash(y: number, i: number, seeds: Uint32Array | null, size: number): number {
  if (seeds === null) return y
  let h = Math.imul((y ^ seeds[i]) >>> 0, 0x9e3779b1) >>> 0
  h ^= h >>> 15
  h = Math.imul(h, 0x85ebca6b) >>> 0
  h ^= h >>> 13
  return Math.floor((h >>> 0) * 2.3283064365386963e-10 * size)
}

/**
 * One step of Algorithm 2 (m = 1) or 3 (m > 1) for the batch's items, at global step `t` (≥ 1):
 * for every occurrence y, in slot order, and every hash array i,
 * `B_i[h_i(y)] ← (1−α)·B_i[h_i(y)] + α·(t − A_i[h_i(y)])`, then `A_i[h_i(y)] ← t`.
 *
 * A bucket seen for the first time (A = 0) takes B = t, the gap since the stream began: the first
 * arrival of a memoryless stream has the gap's law, so this is a one-sample estimate rather than
 * the arbitrary 0 that would make p̂ infinite.
 *
 * @param last - `A`, `[m * size]` last step at which each bucket was seen (0 = never).
 * @param gap - `B`, `[m * size]` running estimate of the steps between occurrences.
 * @remarks O(count·m), allocates nothing.
 */
export function freqStreamUpdate(
  last: Float64Array,
  gap: Float64Array,
  size: number,
  m: number,
  seeds: Uint32Array | null,
  items: Int32Array,
  count: number,
  t: number,
  alpha: number,
): void {
  for (let s = 0; s < count; s++) {
    const y = items[s]
    if (y < 0) continue
    for (let i = 0; i < m; i++) {
      const b = i * size + freqHash(y, i, seeds, size)
      const a = last[b]
      gap[b] = a === 0 ? t : (1 - alpha) * gap[b] + alpha * (t - a)
      last[b] = t
    }
  }
}

/**
 * The estimated gap δ̂(y) = max_i B_i[h_i(y)] (Algorithm 3; Algorithm 2 when m = 1). The item's
 * estimated occurrences per step are p̂ = 1/δ̂. Collisions only shrink a bucket's gap, so the max
 * over arrays is the least-contaminated estimate.
 *
 * @returns δ̂(y), or 0 when y was never seen.
 * @remarks O(m), allocates nothing.
 */
export function freqStreamGap(gap: Float64Array, size: number, m: number, seeds: Uint32Array | null, y: number): number {
  let best = 0
  for (let i = 0; i < m; i++) {
    const g = gap[i * size + freqHash(y, i, seeds, size)]
    if (g > best) best = g
  }
  return best
}
