import type { Interactions, Recommender, TopK } from './contracts.js'
import { selectTopK } from './kernels/topk.js'

/** The part of a {@link Recommender} that full ranking needs: a catalogue size and `scoreAll`. */
export type FullScorer = Pick<Recommender, 'numItems' | 'scoreAll'>

/**
 * Generic `recommend` for any model that can score the whole catalogue: score all items, mask the
 * user's training items with -Infinity when `excludeSeen`, and keep the k best by partial selection.
 *
 * Models reuse it for their `Recommender.recommend`, so every model ranks, masks and breaks ties the
 * same way (ties go to the lower item id, as in {@link selectTopK}). Rows with fewer than k
 * eligible items are padded with item -1 and score -Infinity. A user id ≥ `train.numUsers` has no
 * training row, so nothing is masked for it (a cold user); the model must still accept the id.
 *
 * @param model - scores the catalogue; `scoreAll(user, out)` must write `out[0..numItems)`.
 * @param train - training interactions whose rows are masked when `excludeSeen`.
 * @param users - internal user ids, one output row each.
 * @param k - items per row (integer ≥ 1).
 * @param excludeSeen - mask the user's training items.
 * @returns a {@link TopK} with `users.length` rows of `k` items in descending score order.
 * @example
 * ```ts
 * const top = recommendTopK(model, train, new Int32Array([0, 1]), 10, true)
 * top.items.subarray(0, 10) // user 0's ten best unseen items
 * ```
 * @remarks O(|users| · (cost of scoreAll + numItems + |train row|) ); allocates the output plus one
 * `Float32Array[numItems]` of scores and a k-sized heap, once per call.
 */
export function recommendTopK(model: FullScorer, train: Interactions, users: Int32Array, k: number, excludeSeen: boolean): TopK {
  if (!Number.isInteger(k) || k < 1) throw new Error(`recommendTopK: k must be an integer >= 1, got ${k}`)
  const numItems = model.numItems
  const rows = users.length
  const items = new Int32Array(rows * k)
  const outScores = new Float32Array(rows * k)
  const scores = new Float32Array(numItems)
  const heapItems = new Int32Array(k)
  const heapScores = new Float64Array(k)
  const indptr = train.indptr
  const trainItems = train.items
  const trainUsers = train.numUsers
  for (let r = 0; r < rows; r++) {
    const u = users[r]
    if (u < 0 || !Number.isInteger(u)) throw new Error(`recommendTopK: users[${r}] = ${u} is not a valid user id`)
    model.scoreAll(u, scores)
    if (excludeSeen && u < trainUsers) {
      const end = indptr[u + 1]
      for (let j = indptr[u]; j < end; j++) {
        const it = trainItems[j]
        // Train may know more items than the model scores; those cannot be recommended anyway.
        if (it < numItems) scores[it] = -Infinity
      }
    }
    selectTopK(scores, numItems, k, heapItems, heapScores, items, outScores, r * k)
  }
  return { k, items, scores: outScores }
}
