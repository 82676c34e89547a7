import { dotTopK, type DotFactors, type TopK } from '@decoy/core'
import { selectTopK } from '@decoy/core/kernels'
import { checkPositiveInt } from './train/fit.js'

/** From this many users on, `recommend` ranks through the blocked kernel (below, scoring user by user is cheaper). */
export const BATCH_USERS = 16

/** What {@link recommendTopK} reads of a model. */
export interface RankableModel {
  readonly numUsers: number
  readonly numItems: number
  /** Scores of every item for `user`, bit for bit as `factors()` ranks them. */
  scoreAll(user: number, out: Float32Array): void
  /** Factors for the blocked kernel, or null when the scores are not plain dot products. */
  factors(): DotFactors | null
}

/** The training items per user (a CSR), masked with `excludeSeen`. */
export interface SeenRows {
  /** Row pointers, one row per training user. */
  readonly indptr: Int32Array
  /** Item ids per row. */
  readonly items: Int32Array
}

/** Per-model scratch of the user-by-user path: the score row and the k-heap (grown on demand). */
export interface RankScratch {
  scores: Float32Array
  heapItems: Int32Array
  heapScores: Float64Array
}

/**
 * The `recommend` of every model with dot-product factors and stored training rows (MF, FM, ALS,
 * LightGCN): top-k per user, the user's training items masked when `excludeSeen`; many users go
 * through the blocked kernel, a few through `scoreAll` + a heap (same ranking, ties included).
 * @returns one row per user (-1 padded when fewer than k items remain).
 * @throws RangeError for a user outside the model; Error for k not a positive integer.
 */
export function recommendTopK(
  m: RankableModel,
  seenRows: SeenRows,
  users: Int32Array,
  k: number,
  excludeSeen: boolean,
  scratch: RankScratch,
): TopK {
  checkPositiveInt('k', k)
  for (let r = 0; r < users.length; r++) {
    const u = users[r]
    if (!(u >= 0 && u < m.numUsers)) throw new RangeError(`recommend: user ${u} out of range [0, ${m.numUsers})`)
  }
  const { indptr, items } = seenRows
  const seen = { numUsers: indptr.length - 1, indptr, items }
  const f = users.length >= BATCH_USERS ? m.factors() : null
  if (f) return dotTopK(f, users, k, { exclude: excludeSeen ? [seen] : [] })
  const out: TopK = { k, items: new Int32Array(users.length * k), scores: new Float32Array(users.length * k) }
  if (scratch.heapItems.length < k) {
    scratch.heapItems = new Int32Array(k)
    scratch.heapScores = new Float64Array(k)
  }
  const scores = scratch.scores
  for (let r = 0; r < users.length; r++) {
    const u = users[r]
    m.scoreAll(u, scores)
    if (excludeSeen && u + 1 < indptr.length) {
      for (let p = indptr[u]; p < indptr[u + 1]; p++) scores[items[p]] = -Infinity
    }
    selectTopK(scores, m.numItems, k, scratch.heapItems, scratch.heapScores, out.items, out.scores, r * k)
  }
  return out
}
