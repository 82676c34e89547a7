import type { Interactions } from './contracts.js'
import { IdMap } from './id-map.js'

/** What to do when a (user, item) pair occurs more than once. */
export type DuplicatePolicy = 'last' | 'first' | 'sum' | 'max'

/** Columns of an interaction log with internal ids already assigned. */
export interface InteractionColumns {
  /** Internal user id per row. */
  users: Int32Array
  /** Internal item id per row. */
  items: Int32Array
  /** Optional weight per row. */
  weights?: Float32Array
  /** Optional time per row. */
  times?: Float64Array
  /** Live rows (default: `users.length`). */
  length?: number
}

/** Options of {@link buildInteractions}. */
export interface BuildOptions {
  /** Users in the id space (default: max user + 1, or `userIds.size`). */
  numUsers?: number
  /** Items in the id space (default: max item + 1, or `itemIds.size`). */
  numItems?: number
  /** External user ids (default: identity map over `0..numUsers-1`). */
  userIds?: IdMap
  /** External item ids (default: identity map). */
  itemIds?: IdMap
  /**
   * Duplicate (user, item) pairs: keep the `last` (default; by time when times exist, else by row
   * order), the `first`, `sum` the weights, or keep the `max` weight. Times follow the kept row
   * (the latest time for `sum`).
   */
  duplicates?: DuplicatePolicy
}

/**
 * Builds a user-major CSR from row columns by a two-pass counting sort on users, then a sort of
 * each row by item, then duplicate folding.
 *
 * @returns an {@link Interactions} whose rows are sorted and unique.
 * @remarks O(nnz + numUsers + Σ row·log row); allocates the output arrays plus one permutation.
 */
export function buildInteractions(cols: InteractionColumns, opts: BuildOptions = {}): Interactions {
  const n = cols.length ?? cols.users.length
  if (cols.items.length < n) throw new Error(`buildInteractions: items column has ${cols.items.length} rows, expected ${n}`)
  if (cols.weights && cols.weights.length < n) throw new Error('buildInteractions: weights column is shorter than users')
  if (cols.times && cols.times.length < n) throw new Error('buildInteractions: times column is shorter than users')
  const users = cols.users
  const items = cols.items
  let maxU = -1
  let maxI = -1
  for (let r = 0; r < n; r++) {
    const u = users[r]
    const i = items[r]
    if (u < 0 || i < 0) throw new Error(`buildInteractions: negative id at row ${r} (user ${u}, item ${i})`)
    if (u > maxU) maxU = u
    if (i > maxI) maxI = i
  }
  const numUsers = opts.numUsers ?? opts.userIds?.size ?? maxU + 1
  const numItems = opts.numItems ?? opts.itemIds?.size ?? maxI + 1
  if (maxU >= numUsers) throw new Error(`buildInteractions: user id ${maxU} >= numUsers ${numUsers}`)
  if (maxI >= numItems) throw new Error(`buildInteractions: item id ${maxI} >= numItems ${numItems}`)
  const policy = opts.duplicates ?? 'last'

  // Pass 1: counts per user. Pass 2: stable scatter of row indices (keeps file order per user).
  const counts = new Int32Array(numUsers + 1)
  for (let r = 0; r < n; r++) counts[users[r] + 1]++
  for (let u = 0; u < numUsers; u++) counts[u + 1] += counts[u]
  const perm = new Int32Array(n)
  const fill = counts.slice(0, numUsers)
  for (let r = 0; r < n; r++) perm[fill[users[r]]++] = r

  // Sort each row by (item, order) where order is time then row index, so "last" is well defined.
  const times = cols.times
  const w = cols.weights
  const cmp = (a: number, b: number): number => {
    const d = items[a] - items[b]
    if (d !== 0) return d
    if (times) {
      const dt = times[a] - times[b]
      if (dt !== 0) return dt
    }
    return a - b
  }
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    if (e - s > 1) {
      let sorted = true
      for (let j = s + 1; j < e; j++) {
        if (cmp(perm[j - 1], perm[j]) > 0) {
          sorted = false
          break
        }
      }
      if (!sorted) perm.subarray(s, e).sort(cmp)
    }
  }

  // Fold duplicates.
  const indptr = new Int32Array(numUsers + 1)
  const outItems = new Int32Array(n)
  const outW = w ? new Float32Array(n) : undefined
  const outT = times ? new Float64Array(n) : undefined
  let nnz = 0
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    for (let j = s; j < e; j++) {
      const r = perm[j]
      const it = items[r]
      if (nnz > indptr[u] && outItems[nnz - 1] === it) {
        const o = nnz - 1
        if (policy === 'last') {
          if (outW) outW[o] = w![r]
          if (outT) outT[o] = times![r]
        } else if (policy === 'sum') {
          if (outW) outW[o] += w![r]
          if (outT && times![r] > outT[o]) outT[o] = times![r]
        } else if (policy === 'max') {
          if (outW && w![r] > outW[o]) {
            outW[o] = w![r]
            if (outT) outT[o] = times![r]
          }
        }
        continue
      }
      outItems[nnz] = it
      if (outW) outW[nnz] = w![r]
      if (outT) outT[nnz] = times![r]
      nnz++
    }
    indptr[u + 1] = nnz
  }
  return {
    numUsers,
    numItems,
    indptr,
    items: nnz === n ? outItems : outItems.slice(0, nnz),
    weights: outW ? (nnz === n ? outW : outW.slice(0, nnz)) : undefined,
    times: outT ? (nnz === n ? outT : outT.slice(0, nnz)) : undefined,
    userIds: opts.userIds ?? identityIds(numUsers),
    itemIds: opts.itemIds ?? identityIds(numItems),
  }
}

/** An integer IdMap mapping i ⇄ i for `0..n-1`. */
export function identityIds(n: number): IdMap {
  const m = new IdMap('int')
  for (let i = 0; i < n; i++) m.intern(i)
  return m
}

/** Interaction count per item, `Int32Array[numItems]`. */
export function itemCounts(x: Interactions): Int32Array {
  const c = new Int32Array(x.numItems)
  const items = x.items
  for (let j = 0; j < items.length; j++) c[items[j]]++
  return c
}

/** Interaction count per user, `Int32Array[numUsers]`. */
export function userCounts(x: Interactions): Int32Array {
  const c = new Int32Array(x.numUsers)
  for (let u = 0; u < x.numUsers; u++) c[u] = x.indptr[u + 1] - x.indptr[u]
  return c
}

/** Number of stored interactions. */
export function nnz(x: Interactions): number {
  return x.indptr[x.numUsers]
}

/**
 * Expands the CSR back to one user id per interaction, aligned with `x.items` (COO rows).
 * @remarks O(nnz); allocates the output.
 */
export function userOfInteraction(x: Interactions): Int32Array {
  const out = new Int32Array(nnz(x))
  for (let u = 0; u < x.numUsers; u++) out.fill(u, x.indptr[u], x.indptr[u + 1])
  return out
}
