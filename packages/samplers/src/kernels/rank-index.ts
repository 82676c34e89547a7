/**
 * Bucketed rank index over users' sorted positive rows: the r-th non-positive of a row (the same
 * item as `nthNonPositive`) in O(1) expected instead of a binary search over the whole row.
 *
 * With `row[k] − k` the non-positives below `row[k]` (non-decreasing in k), the answer is
 * `r + #{k : row[k] − k ≤ r}`. The index stores that count at the start of each bucket of
 * 2^shift ranks, with 2^shift ≥ (complement size) / (row length), so a bucket holds about one
 * positive on average and the count inside it is found by a short scan (a binary search when the
 * bucket is crowded). Memory: at most one int per training pair plus two per user.
 */

/** Per-user bucket starts of {@link rankIndexed}; plain typed arrays. */
export interface RankIndex {
  /** User u's buckets are `starts[offsets[u] .. offsets[u + 1])` (the last is a sentinel). */
  readonly offsets: Int32Array
  /** log2 of user u's bucket width in ranks. */
  readonly shifts: Uint8Array
  /** `starts[offsets[u] + b]` = #{k : row[k] − k < b·2^shift}, for b in [0, buckets]. */
  readonly starts: Int32Array
}

/** Ints {@link buildRankIndex} allocates for these rows (for allocation checks). */
export function rankIndexSize(indptr: Int32Array, numItems: number): number {
  const users = indptr.length - 1
  let total = 0
  for (let u = 0; u < users; u++) total += bucketsOf(indptr[u + 1] - indptr[u], numItems).buckets + 1
  return total
}

/** Bucket width (as a shift) and count of a row of length `len` over `numItems` items. */
function bucketsOf(len: number, numItems: number): { shift: number; buckets: number } {
  const m = numItems - len
  if (m <= 0) return { shift: 0, buckets: 0 }
  const q = Math.ceil(m / Math.max(1, len))
  const shift = q <= 1 ? 0 : 32 - Math.clz32(q - 1)
  return { shift, buckets: Math.floor((m - 1) / 2 ** shift) + 1 }
}

/**
 * Builds the rank index of sorted CSR rows (`indptr`, `items`) over `numItems` items.
 * @remarks O(numUsers + nnz); allocates about nnz + 2·numUsers ints.
 */
export function buildRankIndex(indptr: Int32Array, items: Int32Array, numItems: number): RankIndex {
  const users = indptr.length - 1
  const offsets = new Int32Array(users + 1)
  const shifts = new Uint8Array(users)
  for (let u = 0; u < users; u++) {
    const { shift, buckets } = bucketsOf(indptr[u + 1] - indptr[u], numItems)
    shifts[u] = shift
    offsets[u + 1] = offsets[u] + buckets + 1
  }
  const starts = new Int32Array(offsets[users])
  for (let u = 0; u < users; u++) {
    const s = indptr[u]
    const len = indptr[u + 1] - s
    const width = 2 ** shifts[u]
    const nb = offsets[u + 1] - offsets[u]
    let k = 0
    for (let b = 0; b < nb; b++) {
      const lim = b * width
      while (k < len && items[s + k] - k < lim) k++
      starts[offsets[u] + b] = k
    }
  }
  return { offsets, shifts, starts }
}

/**
 * The r-th (0-based) item of I \ I_u⁺ in ascending id order: the same item as
 * `nthNonPositive(indptr, items, user, r)`.
 * @param r - rank in `[0, numItems − rowLength)`.
 * @remarks O(1) expected, O(log row) worst case; allocates nothing.
 */
export function rankIndexed(idx: RankIndex, indptr: Int32Array, items: Int32Array, user: number, r: number): number {
  const start = indptr[user]
  const at = idx.offsets[user] + (r >>> idx.shifts[user])
  let lo = idx.starts[at]
  let hi = idx.starts[at + 1]
  if (hi - lo > 8) {
    while (lo < hi) {
      const mid = (lo + hi) >>> 1
      if (items[start + mid] - mid <= r) lo = mid + 1
      else hi = mid
    }
    return r + lo
  }
  while (lo < hi && items[start + lo] - lo <= r) lo++
  return r + lo
}

/**
 * Writes `count` exact uniform draws from I \ I_u⁺ to `out[at..at+count)`: for each, one word of
 * `state` (xoshiro128+) as a rank r = ⌊U·m⌋ over the m = numItems − |I_u⁺| non-positives, then the
 * r-th non-positive (the same items, from the same words, as `nthNonPositive` would give). The
 * user's bucket table is read once for all `count` draws.
 * @param numItems - |I|; the user must have a non-positive (m > 0).
 * @remarks O(count) expected; allocates nothing.
 */
export function drawNonPositives(
  idx: RankIndex,
  indptr: Int32Array,
  items: Int32Array,
  user: number,
  numItems: number,
  state: Uint32Array,
  out: Int32Array,
  at: number,
  count: number,
): void {
  const start = indptr[user]
  const m = numItems - (indptr[user + 1] - start)
  const base = idx.offsets[user]
  const shift = idx.shifts[user]
  const starts = idx.starts
  // xoshiro128+ (as prngNext) with the state in locals for the loop.
  let s0 = state[0]
  let s1 = state[1]
  let s2 = state[2]
  let s3 = state[3]
  for (let d = 0; d < count; d++) {
    const word = (s0 + s3) >>> 0
    const t2 = s2 ^ s0
    const t3 = s3 ^ s1
    s2 = t2 ^ (s1 << 9)
    s0 ^= t3
    s1 ^= t2
    s3 = (t3 << 11) | (t3 >>> 21)
    const r = (word * 2.3283064365386963e-10 * m) | 0
    const b = base + (r >>> shift)
    let lo = starts[b]
    let hi = starts[b + 1]
    if (hi - lo > 8) {
      while (lo < hi) {
        const mid = (lo + hi) >>> 1
        if (items[start + mid] - mid <= r) lo = mid + 1
        else hi = mid
      }
    } else while (lo < hi && items[start + lo] - lo <= r) lo++
    out[at + d] = r + lo
  }
  state[0] = s0
  state[1] = s1
  state[2] = s2
  state[3] = s3
}
