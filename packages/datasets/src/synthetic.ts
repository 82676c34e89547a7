import { buildInteractions, checkAllocation, createRng, IdMap, shuffleInPlace } from '@decoy/core'
import { aliasBuild, prngBelow, prngFloat } from '@decoy/core/kernels'
import type { Interactions } from '@decoy/core'

/** Options of {@link generateSynthetic}. Every field but `seed` has a default. */
export interface SyntheticOptions {
  /** Number of users (default 1000). External ids are `1..users`. */
  users?: number
  /** Number of items (default 500). External ids are `1..items`. Must be ≥ `clusters`. */
  items?: number
  /** Number of planted clusters shared by users and items (default 8). */
  clusters?: number
  /**
   * Interactions per user: a fixed count (default 30) or an inclusive `[min, max]` range drawn
   * uniformly per user. Capped at `items` (a user interacts with an item at most once).
   */
  interactionsPerUser?: number | readonly [number, number]
  /**
   * Probability that an interaction is drawn from the user's own item cluster (default 0.8);
   * otherwise it is drawn from one of the other clusters chosen uniformly. With one cluster every
   * interaction is in-cluster.
   */
  affinity?: number
  /**
   * Zipf exponent s of item popularity within a cluster (default 1.0): the item of popularity rank
   * r (1-based) in its cluster has weight r^-s. 0 gives uniform popularity.
   */
  popularityExponent?: number
  /**
   * Also emit ratings as weights (default false): half-star values in [0.5, 5], higher on average
   * for in-cluster items (mean 4) than for off-cluster ones (mean 2.5).
   */
  ratings?: boolean
  /** Time (seconds) before which no interaction happens (default 1_000_000_000, Sept 2001). */
  startTime?: number
  /** Required seed: same seed and options ⇒ identical output. */
  seed: string | number
}

/** Output of {@link generateSynthetic}: the log and the planted answer. */
export interface SyntheticData {
  /** The interaction log (times always present, weights when `ratings` is on). */
  interactions: Interactions
  /** Planted cluster of each internal user id. */
  userCluster: Int32Array
  /** Planted cluster of each internal item id. */
  itemCluster: Int32Array
  /**
   * Planted popularity weight of each internal item within its cluster (r^-s, unnormalised), the
   * law the in-cluster draws follow.
   */
  itemWeight: Float64Array
  /** Fraction of the generated interactions whose item is in the user's cluster. */
  inClusterFraction: number
}

function intOpt(name: string, v: number | undefined, dflt: number, min: number): number {
  const x = v === undefined ? dflt : v
  if (!Number.isInteger(x) || x < min) throw new Error(`generateSynthetic: ${name} must be an integer >= ${min}, got ${String(v)}`)
  return x
}

/**
 * Generates an interaction log with a known planted structure, for tests and offline demos.
 *
 * Users and items are split into `clusters` balanced groups (membership shuffled by the seed).
 * Each user draws `interactionsPerUser` distinct items: with probability `affinity` from their own
 * cluster, else from another cluster chosen uniformly; within a cluster, items follow a Zipf law
 * of exponent `popularityExponent`. A user's interactions get strictly increasing timestamps in
 * draw order (gaps of 1 s to 1 day). A model that recovers the clusters beats popularity on it;
 * `inClusterFraction` ≈ `affinity` is the structure a test can check.
 *
 * @param opts - sizes, knobs and the required seed.
 * @returns the log plus `userCluster`/`itemCluster` (by internal id) and the planted item weights.
 * @example
 * ```ts
 * const { interactions, userCluster } = generateSynthetic({ users: 200, items: 100, seed: 42 })
 * interactions.numUsers // 200
 * ```
 * @remarks O(users · interactionsPerUser + items) time; allocates the output columns, one alias
 * table per cluster and one item stamp array. Randomness comes from `createRng(seed).fork('synthetic')`.
 */
export function generateSynthetic(opts: SyntheticOptions): SyntheticData {
  if (opts === undefined || opts.seed === undefined || opts.seed === null) throw new Error('generateSynthetic: a seed is required')
  const numUsers = intOpt('users', opts.users, 1000, 1)
  const numItems = intOpt('items', opts.items, 500, 1)
  const numClusters = intOpt('clusters', opts.clusters, 8, 1)
  if (numClusters > numItems) throw new Error(`generateSynthetic: clusters (${numClusters}) must be <= items (${numItems})`)
  const per = opts.interactionsPerUser ?? 30
  let minPer: number
  let maxPer: number
  if (typeof per === 'number') {
    minPer = per
    maxPer = per
  } else {
    if (!Array.isArray(per) || per.length !== 2) throw new Error('generateSynthetic: interactionsPerUser must be a number or [min, max]')
    minPer = per[0]
    maxPer = per[1]
  }
  if (!Number.isInteger(minPer) || !Number.isInteger(maxPer) || minPer < 1 || maxPer < minPer) {
    throw new Error(`generateSynthetic: interactionsPerUser must be integers with 1 <= min <= max, got ${JSON.stringify(per)}`)
  }
  const affinity = opts.affinity ?? 0.8
  if (!(affinity >= 0 && affinity <= 1)) throw new Error(`generateSynthetic: affinity must be in [0, 1], got ${affinity}`)
  const s = opts.popularityExponent ?? 1.0
  if (!(s >= 0) || !Number.isFinite(s)) throw new Error(`generateSynthetic: popularityExponent must be finite and >= 0, got ${s}`)
  const startTime = opts.startTime ?? 1_000_000_000
  if (!Number.isFinite(startTime)) throw new Error(`generateSynthetic: startTime must be finite, got ${startTime}`)
  const withRatings = opts.ratings === true
  // The log (ids, times, ratings) and its CSR copy, before anything is allocated.
  checkAllocation(
    `synthetic data of ${numUsers} users × up to ${maxPer} interactions`,
    [
      { what: 'the interactions and their CSR copy', elements: numUsers * maxPer, bytesPer: 2 * (4 + 4 + 8 + (withRatings ? 4 : 0)) },
      { what: 'users and items', elements: numUsers + numItems, bytesPer: 16 },
    ],
    'lower users or interactionsPerUser',
  )

  const root = createRng(opts.seed).fork('synthetic')
  const st = root.fork('clusters').state

  // Balanced cluster membership (i mod C), shuffled so ids carry no cluster information.
  const userCluster = new Int32Array(numUsers)
  for (let u = 0; u < numUsers; u++) userCluster[u] = u % numClusters
  shuffleInPlace(userCluster, numUsers, st)
  const itemCluster = new Int32Array(numItems)
  for (let i = 0; i < numItems; i++) itemCluster[i] = i % numClusters
  shuffleInPlace(itemCluster, numItems, st)

  // Items grouped by cluster: members[start[c] .. start[c+1]) in shuffled order = popularity rank.
  const start = new Int32Array(numClusters + 1)
  for (let i = 0; i < numItems; i++) start[itemCluster[i] + 1]++
  for (let c = 0; c < numClusters; c++) start[c + 1] += start[c]
  const members = new Int32Array(numItems)
  const fill = start.slice(0, numClusters)
  for (let i = 0; i < numItems; i++) members[fill[itemCluster[i]]++] = i
  const itemWeight = new Float64Array(numItems)
  const prob = new Float64Array(numItems)
  const alias = new Int32Array(numItems)
  const work = new Int32Array(numItems)
  const w = new Float64Array(numItems)
  for (let c = 0; c < numClusters; c++) {
    const a = start[c]
    const n = start[c + 1] - a
    shuffleInPlace(members.subarray(a, a + n), n, st)
    for (let r = 0; r < n; r++) {
      const x = Math.pow(r + 1, -s)
      w[r] = x
      itemWeight[members[a + r]] = x
    }
    aliasBuild(w, n, prob.subarray(a, a + n), alias.subarray(a, a + n), work)
  }

  // Per-user counts first, so the output columns are allocated once.
  const counts = new Int32Array(numUsers)
  const cst = root.fork('counts').state
  let total = 0
  for (let u = 0; u < numUsers; u++) {
    let k = minPer === maxPer ? minPer : minPer + prngBelow(cst, maxPer - minPer + 1)
    if (k > numItems) k = numItems
    counts[u] = k
    total += k
  }
  const users = new Int32Array(total)
  const items = new Int32Array(total)
  const times = new Float64Array(total)
  const weights = withRatings ? new Float32Array(total) : undefined
  const stamp = new Int32Array(numItems) // stamp[i] = u + 1 when user u already has item i
  const ist = root.fork('interactions').state
  let row = 0
  let inCluster = 0
  for (let u = 0; u < numUsers; u++) {
    const home = userCluster[u]
    const k = counts[u]
    let t = startTime + prngBelow(ist, 86_400 * 365)
    for (let j = 0; j < k; j++) {
      // The cluster is chosen once per interaction, so the in-cluster share stays `affinity` even
      // when a small cluster fills up; rejection (seen items) redraws only the item.
      let c = home
      if (numClusters > 1 && prngFloat(ist) >= affinity) {
        c = prngBelow(ist, numClusters - 1)
        if (c >= home) c++
      }
      const a = start[c]
      const n = start[c + 1] - a
      let item = -1
      for (let attempt = 0; attempt < 64; attempt++) {
        // Alias draw over the cluster's slice (aliasDraw's law, inlined with an offset so the
        // loop allocates no subarray views).
        const col = a + prngBelow(ist, n)
        const cand = members[prngFloat(ist) < prob[col] ? col : a + alias[col]]
        if (stamp[cand] !== u + 1) {
          item = cand
          break
        }
      }
      if (item < 0) {
        // Many misses: the first unseen member after a random start, else (cluster exhausted)
        // the first unseen item overall; k ≤ numItems guarantees one exists.
        const r0 = prngBelow(ist, n)
        for (let r = 0; r < n && item < 0; r++) {
          const cand = members[a + ((r0 + r) % n)]
          if (stamp[cand] !== u + 1) item = cand
        }
        if (item < 0) {
          let i = prngBelow(ist, numItems)
          while (stamp[i] === u + 1) i = i + 1 === numItems ? 0 : i + 1
          item = i
        }
      }
      stamp[item] = u + 1
      t += 1 + prngBelow(ist, 86_400)
      users[row] = u
      items[row] = item
      times[row] = t
      const same = itemCluster[item] === home
      if (same) inCluster++
      if (weights) {
        // Half-star rating around 4 (in cluster) or 2.5 (off cluster), ±1.5, clamped to [0.5, 5].
        const base = same ? 4 : 2.5
        let r = Math.round((base + (prngFloat(ist) * 3 - 1.5)) * 2) / 2
        if (r < 0.5) r = 0.5
        if (r > 5) r = 5
        weights[row] = r
      }
      row++
    }
  }

  const userIdList = new Array<number>(numUsers)
  for (let u = 0; u < numUsers; u++) userIdList[u] = u + 1
  const itemIdList = new Array<number>(numItems)
  for (let i = 0; i < numItems; i++) itemIdList[i] = i + 1
  const interactions = buildInteractions(
    { users, items, times, weights },
    { numUsers, numItems, userIds: IdMap.from(userIdList, 'int'), itemIds: IdMap.from(itemIdList, 'int') },
  )
  return { interactions, userCluster, itemCluster, itemWeight, inClusterFraction: total === 0 ? 0 : inCluster / total }
}
