/**
 * Exact exclusion of a user's training positives, shared by every strategy.
 *
 * A candidate j is tested against the user's sorted CSR row by binary search, or against a
 * per-user bitset for heavy users (long rows, where rejections are also most frequent). A sampler
 * retries a bounded number of times, then falls back to an exact draw over the complement
 * I \ I_u⁺ ({@link nthNonPositive}, {@link weightedNonPositive}). Because the law of an accepted
 * rejection-sampling draw and the law of the fallback are both the target law restricted to the
 * complement, the mixture is exact: no positive is ever returned and no bias is introduced.
 */
import type { Interactions } from '@decoy/core'

/** Options of {@link buildExclusion}. */
export interface ExclusionOptions {
  /**
   * When a user has no admissible negative (every item is a training positive, or every
   * non-positive has zero mass), mask that user's draws as -1 instead of throwing at prepare.
   * Default false.
   */
  allowMasked?: boolean
  /** Rows at least this long get a bitset (default 16). */
  bitsetMinRow?: number
  /** Upper bound on bitset memory in 32-bit words (default 8,388,608 = 32 MiB); longest rows first. */
  bitsetBudgetWords?: number
}

/** Per-user positive lookup built once in `prepare`. Plain typed arrays, read by kernels. */
export interface Exclusion {
  /** Users in the id space. */
  readonly numUsers: number
  /** Items in the id space. */
  readonly numItems: number
  /** The training CSR row pointers (shared, not copied). */
  readonly indptr: Int32Array
  /** The training CSR items, sorted within each row (shared, not copied). */
  readonly items: Int32Array
  /** Word offset of user u's bitset in `bits`, or -1 when u is searched by binary search. */
  readonly bitOffset: Int32Array
  /** Concatenated bitsets, `ceil(numItems / 32)` words per heavy user. */
  readonly bits: Uint32Array
  /** Users whose every item is a training positive. */
  readonly saturatedUsers: number
  /** Whether saturated users are masked as -1 (else `buildExclusion` threw). */
  readonly allowMasked: boolean
}

/** Default bounded retry count of rejection sampling before the exact complement fallback. */
export const DEFAULT_MAX_TRIALS = 32

/**
 * Builds the exclusion index of `train`: bitsets for the heaviest rows, binary search for the rest.
 *
 * @param train - training interactions (the only exclusion set: never test positives).
 * @param sampler - sampler name for error messages.
 * @param opts - see {@link ExclusionOptions}.
 * @returns an {@link Exclusion} sharing `train.indptr`/`train.items`.
 * @throws when a user has every item as a training positive and `allowMasked` is not set.
 * @remarks O(numUsers + nnz(heavy rows)); allocates `numUsers` ints plus the bitsets.
 */
export function buildExclusion(train: Interactions, sampler: string, opts: ExclusionOptions = {}): Exclusion {
  const numUsers = train.numUsers
  const numItems = train.numItems
  const indptr = train.indptr
  const minRow = opts.bitsetMinRow ?? 16
  const budget = opts.bitsetBudgetWords ?? 8_388_608
  const allowMasked = opts.allowMasked === true
  if (!(numItems > 0)) throw new Error(`${sampler} sampler: the training data has no items`)
  const words = (numItems + 31) >>> 5
  let saturated = 0
  let firstSaturated = -1
  let heavy = 0
  for (let u = 0; u < numUsers; u++) {
    const len = indptr[u + 1] - indptr[u]
    if (len >= numItems) {
      saturated++
      if (firstSaturated < 0) firstSaturated = u
    }
    if (len >= minRow) heavy++
  }
  if (saturated > 0 && !allowMasked) {
    throw new Error(
      `${sampler} sampler: user ${String(train.userIds.size > firstSaturated ? train.userIds.external(firstSaturated) : firstSaturated)} ` +
        `(internal ${firstSaturated}) has all ${numItems} items as training positives, so no negative exists ` +
        `(${saturated} such user(s)); set "allowMasked": true to mask their draws as -1`,
    )
  }
  const bitOffset = new Int32Array(numUsers).fill(-1)
  // Longest rows first, until the word budget is spent.
  const heavyUsers = new Int32Array(heavy)
  for (let u = 0, h = 0; u < numUsers; u++) if (indptr[u + 1] - indptr[u] >= minRow) heavyUsers[h++] = u
  heavyUsers.sort((a, b) => indptr[b + 1] - indptr[b] - (indptr[a + 1] - indptr[a]) || a - b)
  const kept = Math.min(heavy, Math.floor(budget / words))
  const bits = new Uint32Array(kept * words)
  const rows = train.items
  for (let h = 0; h < kept; h++) {
    const u = heavyUsers[h]
    const off = h * words
    bitOffset[u] = off
    for (let p = indptr[u], e = indptr[u + 1]; p < e; p++) {
      const j = rows[p]
      bits[off + (j >>> 5)] |= 1 << (j & 31)
    }
  }
  return { numUsers, numItems, indptr, items: rows, bitOffset, bits, saturatedUsers: saturated, allowMasked }
}

/**
 * True when `item` is a training positive of `user`: one bitset load for heavy users, else a
 * binary search of the sorted CSR row.
 * @remarks O(1) or O(log |I_u⁺|); allocates nothing.
 */
export function isPositive(
  indptr: Int32Array,
  items: Int32Array,
  bitOffset: Int32Array,
  bits: Uint32Array,
  user: number,
  item: number,
): boolean {
  const off = bitOffset[user]
  if (off >= 0) return ((bits[off + (item >>> 5)] >>> (item & 31)) & 1) === 1
  let lo = indptr[user]
  let hi = indptr[user + 1] - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = items[mid]
    if (v < item) lo = mid + 1
    else if (v > item) hi = mid - 1
    else return true
  }
  return false
}

/**
 * The r-th (0-based) item of the complement I \ I_u⁺ in ascending id order, i.e. an exact uniform
 * draw over the complement when r ~ U[0, |I| − |I_u⁺|).
 *
 * With the row sorted, `row[k] − k` counts the non-positives below `row[k]` and is non-decreasing;
 * the answer is `r + #{k : row[k] − k ≤ r}`, found by binary search.
 * @param r - rank in `[0, numItems − rowLength)`.
 * @remarks O(log |I_u⁺|); allocates nothing.
 */
export function nthNonPositive(indptr: Int32Array, items: Int32Array, user: number, r: number): number {
  const start = indptr[user]
  let lo = 0
  let hi = indptr[user + 1] - start
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (items[start + mid] - mid <= r) lo = mid + 1
    else hi = mid
  }
  return r + lo
}

/**
 * Exact weighted draw over the complement: the item j ∉ I_u⁺ at which the cumulative weight of
 * non-positives first exceeds `t`, with `cum` the prefix sums of the weights
 * (`cum[j] = Σ_{i<j} w_i`, length numItems + 1).
 *
 * Walks the gaps between consecutive positives, then binary-searches inside the gap holding `t`.
 * Zero-weight items are never returned.
 * @param t - in `[0, total − excludedMass(user))`.
 * @returns the item, or -1 when `t` lies beyond the complement's mass (float rounding; redraw).
 * @remarks O(|I_u⁺| + log |I|); allocates nothing.
 */
export function weightedNonPositive(
  indptr: Int32Array,
  items: Int32Array,
  user: number,
  cum: Float64Array,
  numItems: number,
  t: number,
): number {
  let lo = 0
  const end = indptr[user + 1]
  for (let p = indptr[user]; p <= end; p++) {
    const hiItem = p < end ? items[p] : numItems
    const mass = cum[hiItem] - cum[lo]
    if (t < mass) {
      // smallest j in [lo, hiItem) with cum[j + 1] > cum[lo] + t
      const target = cum[lo] + t
      let a = lo
      let b = hiItem - 1
      while (a < b) {
        const mid = (a + b) >>> 1
        if (cum[mid + 1] > target) b = mid
        else a = mid + 1
      }
      return cum[a + 1] > target && cum[a + 1] > cum[a] ? a : -1
    }
    t -= mass
    lo = hiItem + 1
  }
  return -1
}

/**
 * Prefix sums of `w[0..n)`: `cum[j] = Σ_{i<j} w[i]`, length n + 1.
 * @remarks O(n); allocates the output.
 */
export function cumulative(w: Float64Array, n: number): Float64Array {
  const cum = new Float64Array(n + 1)
  for (let j = 0; j < n; j++) cum[j + 1] = cum[j] + w[j]
  return cum
}

/**
 * Per-user weight of the training positives, `Σ_{j ∈ I_u⁺} w_j`, for the renormalisation
 * q(j | u) = P(j) / (1 − P(I_u⁺)).
 * @remarks O(nnz); allocates the output.
 */
export function positiveMass(train: Interactions, w: Float64Array): Float64Array {
  const out = new Float64Array(train.numUsers)
  const indptr = train.indptr
  const items = train.items
  for (let u = 0; u < train.numUsers; u++) {
    let s = 0
    for (let p = indptr[u], e = indptr[u + 1]; p < e; p++) s += w[items[p]]
    out[u] = s
  }
  return out
}
