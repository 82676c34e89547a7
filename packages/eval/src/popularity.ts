import type { Interactions, Recommender, Scorer, TopK } from '@decoy/core'
import { itemCounts, recommendTopK } from '@decoy/core'

/** A most-popular baseline: every user gets the same scores, the items' training counts. */
export interface PopularityRecommender extends Recommender {
  /** Training interactions per item, `Int32Array[numItems]` (the scores). */
  readonly counts: Int32Array
}

/**
 * The popularity baseline: scores every item by its number of training interactions, the same for
 * every user. The first model of the end-to-end path, and the bar any personalised model must
 * clear.
 *
 * `recommend` masks the user's training items by default (`excludeSeen: true`) and uses
 * {@link recommendTopK} (partial selection; ties to the lower item id). `similarItems` is not
 * provided: popularity has no notion of item similarity.
 *
 * @param train - training interactions.
 * @returns a {@link PopularityRecommender} over `train.numItems` items.
 * @example
 * ```ts
 * const pop = popularityRecommender(train)
 * const top = pop.recommend(new Int32Array([0]), 10) // user 0's 10 most popular unseen items
 * evaluate(pop, train, test, { k: [10] }).metrics['ndcg@10']
 * ```
 * @remarks Builds counts in O(nnz); `scoreAll` is an O(numItems) copy; allocates the count and
 * score tables once.
 */
export function popularityRecommender(train: Interactions): PopularityRecommender {
  const counts = itemCounts(train)
  const numItems = train.numItems
  const table = Float32Array.from(counts)
  const scorer: Scorer = {
    scoreItems(_user: number, items: Int32Array, count: number, out: Float32Array): void {
      for (let j = 0; j < count; j++) {
        const it = items[j]
        out[j] = it >= 0 && it < numItems ? table[it] : -Infinity
      }
    },
  }
  const model: PopularityRecommender = {
    numItems,
    counts,
    scoreAll(_user: number, out: Float32Array): void {
      out.set(table)
    },
    recommend(users: Int32Array, k: number, opts?: { excludeSeen?: boolean }): TopK {
      return recommendTopK(model, train, users, k, opts?.excludeSeen ?? true)
    },
    scorer(): Scorer {
      return scorer
    },
  }
  return model
}
