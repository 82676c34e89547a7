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
