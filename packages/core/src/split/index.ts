import type { Interactions } from '../contracts.js'
import { prngBelow } from '../kernels/prng.js'
import { createRng } from '../rng.js'

/** A train/test split over one id space: both sides share `userIds`, `itemIds`, `numUsers`, `numItems`. */
export interface Split {
  /** Training interactions. */
  train: Interactions
  /** Held-out interactions; no (user, item) pair is also in `train`. */
  test: Interactions
  /** {@link splitTemporal} only: users whose every interaction fell after the cut, dropped from test (`coldUsers: 'drop'`). */
  droppedColdUsers?: number
}

/** Options of {@link splitRandom}. */
export interface RandomSplitOptions {
  /** Share of each user's interactions held out, in (0, 1). */
  testFraction: number
  /** Seed of the split (`createRng(seed).fork('split')`). Required: no default seed. */
  seed: string | number
  /** Users with fewer interactions stay fully in train (default 2, the least that can be split). */
  minInteractions?: number
}

/**
 * Per-user random holdout: each user with at least `minInteractions` interactions gets
 * `round(n · testFraction)` of them (at least 1, at most n − 1) drawn uniformly into test.
 *
 * @param x - the interactions (one entry per pair, as built by `buildInteractions`).
 * @param opts - fraction, seed, minimum interactions.
 * @returns train and test over the same id space; weights and times follow their rows.
 * @example
 * ```ts
 * const { train, test } = splitRandom(x, { testFraction: 0.2, seed: 42 })
 * ```
 * @remarks O(nnz); draws from `createRng(seed).fork('split')`, so the same seed gives the same
 * split; allocates a mask and the two CSRs.
 */
export function splitRandom(x: Interactions, opts: RandomSplitOptions): Split {
  const f = opts.testFraction
  if (!(f > 0 && f < 1)) throw new Error(`splitRandom: testFraction must be in (0, 1), got ${f}`)
  if (opts.seed === undefined || opts.seed === null) throw new Error('splitRandom: a seed is required')
  const minN = checkMin(opts.minInteractions ?? 2, 'splitRandom')
  const state = createRng(opts.seed).fork('split').state
  const indptr = x.indptr
  const mask = new Uint8Array(indptr[x.numUsers])
  let maxRow = 0
  for (let u = 0; u < x.numUsers; u++) if (indptr[u + 1] - indptr[u] > maxRow) maxRow = indptr[u + 1] - indptr[u]
  const idx = new Int32Array(maxRow)
  for (let u = 0; u < x.numUsers; u++) {
    const s = indptr[u]
    const n = indptr[u + 1] - s
    if (n < minN || n < 2) continue
    let nTest = Math.round(n * f)
    if (nTest < 1) nTest = 1
    if (nTest > n - 1) nTest = n - 1
    for (let j = 0; j < n; j++) idx[j] = j
    // Partial Fisher–Yates: the first nTest slots are a uniform sample without replacement.
    for (let j = 0; j < nTest; j++) {
      const k = j + prngBelow(state, n - j)
      const t = idx[j]
      idx[j] = idx[k]
      idx[k] = t
      mask[s + idx[j]] = 1
    }
  }
  return partition(x, mask)
}

/** Options of {@link splitLeaveLast}. */
export interface LeaveLastOptions {
  /** Interactions held out per user (default 1). */
  k?: number
  /** Users with fewer interactions stay fully in train (default k + 1). */
  minInteractions?: number
}

/**
 * Leave-last-k-out: each user's k most recent interactions (by time; equal times ordered by item
 * id, the larger id counting as later) go to test.
 *
 * @param x - interactions with `times`.
 * @param opts - k and the minimum interactions for a user to be split.
 * @returns train and test over the same id space.
 * @throws Error when `x` has no times.
 * @example
 * ```ts
 * const { train, test } = splitLeaveLast(x, { k: 1 })
 * ```
 * @remarks O(nnz · k) by repeated selection for k ≤ 16, else a sort per user; deterministic, no
 * randomness.
 */
export function splitLeaveLast(x: Interactions, opts: LeaveLastOptions = {}): Split {
  const k = opts.k ?? 1
  if (!Number.isInteger(k) || k < 1) throw new Error(`splitLeaveLast: k must be a positive integer, got ${k}`)
  const minN = checkMin(opts.minInteractions ?? k + 1, 'splitLeaveLast')
  const times = x.times
  if (!times) throw new Error('splitLeaveLast: the interactions have no times (read a timestamp column)')
  const indptr = x.indptr
  const mask = new Uint8Array(indptr[x.numUsers])
  let maxRow = 0
  for (let u = 0; u < x.numUsers; u++) if (indptr[u + 1] - indptr[u] > maxRow) maxRow = indptr[u + 1] - indptr[u]
  const order = new Int32Array(maxRow)
  let base = 0
  // Positions within a row are in item order, so (time, position) is (time, item id).
  const cmp = (a: number, b: number): number => times[base + a] - times[base + b] || a - b
  for (let u = 0; u < x.numUsers; u++) {
    const s = indptr[u]
    const n = indptr[u + 1] - s
    if (n < minN || n <= k) continue
    if (k <= 16) {
      for (let pick = 0; pick < k; pick++) {
        let best = -1
        for (let j = 0; j < n; j++) {
          if (mask[s + j] === 1) continue
          if (best < 0 || times[s + j] >= times[s + best]) best = j
        }
        mask[s + best] = 1
      }
    } else {
      base = s
      const view = order.subarray(0, n)
      for (let j = 0; j < n; j++) view[j] = j
      view.sort(cmp)
      for (let j = n - k; j < n; j++) mask[s + view[j]] = 1
    }
  }
  return partition(x, mask)
}

/** Options of {@link splitTemporal}. */
export interface TemporalSplitOptions {
  /** Interactions at or after this time go to test. */
  cutTime?: number
  /** Alternative to `cutTime`: the cut is the (1 − testFraction) quantile of all times. */
  testFraction?: number
  /** Users with fewer interactions stay fully in train (default 1: everyone is split). */
  minInteractions?: number
  /**
   * Users with no interaction before the cut: `'drop'` (default) removes them from test, since
   * no model trained on `train` knows them (and a test file with unknown users is rejected when
   * read back); `'keep'` leaves them in test.
   */
  coldUsers?: 'drop' | 'keep'
}

/**
 * Global temporal split: every interaction at or after the cut time goes to test.
 *
 * @param x - interactions with `times`.
 * @param opts - `cutTime`, or `testFraction` to cut at the quantile of times.
 * @returns train and test over the same id space, and how many cold users were dropped.
 * @throws Error when `x` has no times or neither/both of `cutTime` and `testFraction` are given.
 * @example
 * ```ts
 * const { train, test } = splitTemporal(x, { testFraction: 0.1 })
 * ```
 * @remarks O(nnz log nnz) with `testFraction` (a sorted copy of the times), else O(nnz).
 */
export function splitTemporal(x: Interactions, opts: TemporalSplitOptions): Split {
  const times = x.times
  if (!times) throw new Error('splitTemporal: the interactions have no times (read a timestamp column)')
  const minN = checkMin(opts.minInteractions ?? 1, 'splitTemporal')
  const nnz = x.indptr[x.numUsers]
  let cut: number
  if (opts.cutTime !== undefined) {
    if (opts.testFraction !== undefined) throw new Error('splitTemporal: give cutTime or testFraction, not both')
    if (!Number.isFinite(opts.cutTime)) throw new Error(`splitTemporal: cutTime must be finite, got ${opts.cutTime}`)
    cut = opts.cutTime
  } else if (opts.testFraction !== undefined) {
    const f = opts.testFraction
    if (!(f > 0 && f < 1)) throw new Error(`splitTemporal: testFraction must be in (0, 1), got ${f}`)
    if (nnz === 0) throw new Error('splitTemporal: no interactions')
    const sorted = Float64Array.from(times.subarray(0, nnz)).sort()
    cut = sorted[Math.min(nnz - 1, Math.floor(nnz * (1 - f)))]
  } else {
    throw new Error('splitTemporal: give cutTime or testFraction')
  }
  const keepCold = opts.coldUsers === 'keep'
  const indptr = x.indptr
  const mask = new Uint8Array(nnz)
  let dropped = 0
  for (let u = 0; u < x.numUsers; u++) {
    const s = indptr[u]
    const e = indptr[u + 1]
    if (e - s < minN) continue
    let nTest = 0
    for (let j = s; j < e; j++) {
      if (times[j] >= cut) {
        mask[j] = 1
        nTest++
      }
    }
    if (nTest === e - s && nTest > 0 && !keepCold) {
      // 2 = neither side.
      for (let j = s; j < e; j++) mask[j] = 2
      dropped++
    }
  }
  const out = partition(x, mask)
  out.droppedColdUsers = dropped
  return out
}

function checkMin(m: number, fn: string): number {
  if (!Number.isInteger(m) || m < 0) throw new Error(`${fn}: minInteractions must be a non-negative integer, got ${m}`)
  return m
}

/** Splits rows by mask: 0 → train, 1 → test, 2 → dropped. Rows stay sorted by item. */
function partition(x: Interactions, mask: Uint8Array): Split {
  const numUsers = x.numUsers
  const indptr = x.indptr
  let nTest = 0
  let nTrain = 0
  const nnz = indptr[numUsers]
  for (let j = 0; j < nnz; j++) {
    if (mask[j] === 0) nTrain++
    else if (mask[j] === 1) nTest++
  }
  const tr = alloc(x, nTrain)
  const te = alloc(x, nTest)
  const w = x.weights
  const t = x.times
  let a = 0
  let b = 0
  for (let u = 0; u < numUsers; u++) {
    for (let j = indptr[u]; j < indptr[u + 1]; j++) {
      const m = mask[j]
      if (m === 0) {
        tr.items[a] = x.items[j]
        if (w) tr.weights![a] = w[j]
        if (t) tr.times![a] = t[j]
        a++
      } else if (m === 1) {
        te.items[b] = x.items[j]
        if (w) te.weights![b] = w[j]
        if (t) te.times![b] = t[j]
        b++
      }
    }
    tr.indptr[u + 1] = a
    te.indptr[u + 1] = b
  }
  const make = (c: ReturnType<typeof alloc>): Interactions => ({
    numUsers,
    numItems: x.numItems,
    indptr: c.indptr,
    items: c.items,
    weights: c.weights,
    times: c.times,
    userIds: x.userIds,
    itemIds: x.itemIds,
  })
  return { train: make(tr), test: make(te) }
}

function alloc(x: Interactions, n: number): { indptr: Int32Array; items: Int32Array; weights?: Float32Array; times?: Float64Array } {
  return {
    indptr: new Int32Array(x.numUsers + 1),
    items: new Int32Array(n),
    weights: x.weights ? new Float32Array(n) : undefined,
    times: x.times ? new Float64Array(n) : undefined,
  }
}
