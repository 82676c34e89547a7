/**
 * The conformance suite every trainable recommender passes (implicit's test-mixin idea): call
 * `describeRecommender` inside a model's test file. Samplers are injected, so the testkit does not
 * depend on `@decoy/samplers`; the planted data comes from `@decoy/datasets`' generator.
 */
import { describe, expect, it } from 'vitest'
import {
  buildInteractions,
  createBatch,
  createNegativeBuffer,
  createRng,
  itemCounts,
  type Interactions,
  type NegativeSampler,
  type Recommender,
} from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { generateSynthetic } from '@decoy/datasets'

/** A model the suite can train, query and round-trip. */
export interface TrainableRecommender extends Recommender {
  /** Trains on `train` with negatives from `sampler` at the given seed. */
  fit(train: Interactions, opts: { sampler: NegativeSampler; seed: string | number } & Record<string, unknown>): Promise<unknown>
}

/** Options of {@link describeRecommender}. */
export interface RecommenderSuiteOptions<M extends TrainableRecommender> {
  /** Builds an unfitted model. */
  make: () => M
  /** A fresh uniform sampler (e.g. `() => uniformSampler()`). */
  uniform: () => NegativeSampler
  /** A fresh model-aware sampler (e.g. `() => createSampler({ kind: 'hard' })`); its test is skipped when absent. */
  hard?: () => NegativeSampler
  /** Extra options passed to every `fit` (epochs, learning rate, …). */
  fitOptions?: Record<string, unknown>
  /** Model → bytes (e.g. `m => m.serialize()`). */
  serialize: (model: M) => Uint8Array
  /** Bytes → model (e.g. `deserializeModel`). */
  deserialize: (bytes: Uint8Array) => Recommender
}

/** A planted-cluster dataset split per user: 20% of each user's items held out. */
export function plantedSplit(seed: string | number = 7): { train: Interactions; test: Interactions } {
  const { interactions: x } = generateSynthetic({ users: 300, items: 240, clusters: 6, interactionsPerUser: 30, affinity: 0.9, seed })
  const st = createRng(seed).fork('split').state
  const trU: number[] = []
  const trI: number[] = []
  const teU: number[] = []
  const teI: number[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const test = prngFloat(st) < 0.2
      ;(test ? teU : trU).push(u)
      ;(test ? teI : trI).push(x.items[p])
    }
  }
  const opts = { numUsers: x.numUsers, numItems: x.numItems, userIds: x.userIds, itemIds: x.itemIds }
  return {
    train: buildInteractions({ users: Int32Array.from(trU), items: Int32Array.from(trI) }, opts),
    test: buildInteractions({ users: Int32Array.from(teU), items: Int32Array.from(teI) }, opts),
  }
}

/** Mean recall@k over users with test items, training items masked. */
export function recallAt(model: Pick<Recommender, 'recommend'>, train: Interactions, test: Interactions, k: number): number {
  let sum = 0
  let n = 0
  for (let u = 0; u < test.numUsers; u++) {
    const a = test.indptr[u]
    const b = test.indptr[u + 1]
    if (b === a) continue
    const top = model.recommend(Int32Array.of(u), k, { excludeSeen: true })
    const want = new Set(Array.from(test.items.subarray(a, b)))
    let hits = 0
    for (let r = 0; r < k; r++) if (want.has(top.items[r])) hits++
    sum += hits / Math.min(k, b - a)
    n++
  }
  void train
  return n > 0 ? sum / n : 0
}

/** Recall@k of recommending the most popular unseen training items. */
export function popularityRecall(train: Interactions, test: Interactions, k: number): number {
  const counts = itemCounts(train)
  const popular: Recommender = {
    numItems: train.numItems,
    scoreAll: (_u, out) => {
      for (let i = 0; i < train.numItems; i++) out[i] = counts[i]
    },
    recommend: (users, kk) => {
      const u = users[0]
      const seen = new Set(Array.from(train.items.subarray(train.indptr[u], train.indptr[u + 1])))
      const order = Array.from({ length: train.numItems }, (_, i) => i)
        .filter((i) => !seen.has(i))
        .sort((x, y) => counts[y] - counts[x] || x - y)
        .slice(0, kk)
      return { k: kk, items: Int32Array.from(order), scores: new Float32Array(kk) }
    },
    scorer: () => ({ scoreItems: () => undefined }),
  }
  return recallAt(popular, train, test, k)
}

/**
 * Registers the recommender conformance tests for one model family:
 * - on a planted-cluster dataset, recall@10 beats popularity;
 * - `recommend` excludes seen items (and includes them when asked not to);
 * - serialise/deserialise round-trips scores and recommendations exactly;
 * - same seed ⇒ identical model;
 * - `scorer()` is live and agrees with `scoreAll`;
 * - a model-aware sampler fails at `prepare` without a scorer, and works with the model's.
 */
export function describeRecommender<M extends TrainableRecommender>(name: string, opts: RecommenderSuiteOptions<M>): void {
  describe(`recommender conformance: ${name}`, () => {
    const { train, test } = plantedSplit()
    let fitted: M | null = null
    const fitted1 = async (): Promise<M> => {
      if (fitted) return fitted
      const m = opts.make()
      await m.fit(train, { ...opts.fitOptions, sampler: opts.uniform(), seed: 11 })
      fitted = m
      return m
    }

    it('recall@10 on planted clusters beats popularity', async () => {
      const m = await fitted1()
      const model = recallAt(m, train, test, 10)
      const pop = popularityRecall(train, test, 10)
      expect(model).toBeGreaterThan(pop * 1.2)
    })

    it('recommend excludes seen items, and includes them with excludeSeen: false', async () => {
      const m = await fitted1()
      const users = Int32Array.from({ length: train.numUsers }, (_, u) => u)
      const top = m.recommend(users, 10)
      let seenWithout = 0
      for (let u = 0; u < train.numUsers; u++) {
        const row = new Set(Array.from(train.items.subarray(train.indptr[u], train.indptr[u + 1])))
        for (let r = 0; r < 10; r++) {
          const item = top.items[u * 10 + r]
          expect(item).toBeGreaterThanOrEqual(0)
          expect(row.has(item)).toBe(false)
        }
        const all = m.recommend(Int32Array.of(u), 10, { excludeSeen: false })
        for (let r = 0; r < 10; r++) if (row.has(all.items[r])) seenWithout++
      }
      expect(seenWithout).toBeGreaterThan(0)
    })

    it('serialise → deserialise round-trips scores and recommendations exactly', async () => {
      const m = await fitted1()
      const back = opts.deserialize(opts.serialize(m))
      expect(back.numItems).toBe(m.numItems)
      const a = new Float32Array(m.numItems)
      const b = new Float32Array(m.numItems)
      for (let u = 0; u < train.numUsers; u += 7) {
        m.scoreAll(u, a)
        back.scoreAll(u, b)
        expect(b).toEqual(a)
      }
      const users = Int32Array.of(0, 5, 17)
      expect(back.recommend(users, 10)).toEqual(m.recommend(users, 10))
    })

    it('the same seed gives an identical model', async () => {
      const m = await fitted1()
      const again = opts.make()
      await again.fit(train, { ...opts.fitOptions, sampler: opts.uniform(), seed: 11 })
      const a = new Float32Array(m.numItems)
      const b = new Float32Array(m.numItems)
      for (let u = 0; u < train.numUsers; u += 13) {
        m.scoreAll(u, a)
        again.scoreAll(u, b)
        expect(b).toEqual(a)
      }
    })

    it('scorer() is a live view agreeing with scoreAll', async () => {
      const m = await fitted1()
      const s = m.scorer()
      const items = Int32Array.of(0, 3, 9, 100)
      const out = new Float32Array(4)
      const all = new Float32Array(m.numItems)
      s.scoreItems(4, items, 4, out)
      m.scoreAll(4, all)
      for (let c = 0; c < 4; c++) expect(out[c]).toBeCloseTo(all[items[c]], 4)
    })

    it.skipIf(!opts.hard)("a model-aware sampler fails at prepare without a scorer, and trains with the model's", async () => {
      const hard = opts.hard!
      const rng = createRng(3).fork('sampler')
      expect(() => hard().prepare({ train, rng, scorer: null })).toThrow()
      const m = await fitted1()
      const s = hard()
      s.prepare({ train, rng, scorer: m.scorer() })
      const batch = createBatch(4)
      const negs = createNegativeBuffer(4, 2)
      batch.size = 4
      for (let r = 0; r < 4; r++) {
        batch.users[r] = r
        batch.positives[r] = train.items[train.indptr[r]]
      }
      s.sample(batch, negs)
      for (let j = 0; j < 8; j++) expect(negs.items[j]).toBeLessThan(train.numItems)
      const fresh = opts.make()
      await fresh.fit(train, { ...opts.fitOptions, sampler: hard(), seed: 5, epochs: 1 })
    })
  })
}
