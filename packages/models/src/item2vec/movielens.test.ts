import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { parseCsvRecords, parseInteractions, splitRandom } from '@decoy/core'
import { evaluate, popularityRecommender } from '@decoy/eval'
import { createSampler } from '@decoy/samplers'
import { item2vec } from '@decoy/models'

const dir = process.env.DECOY_DATA_DIR
const ml = dir ? join(dir, 'ml-latest-small') : ''

describe('item2vec on ml-latest-small (random 80/20 per-user split, full ranking)', () => {
  it.skipIf(!dir)('beats popularity on NDCG@10 and finds films related to Toy Story (needs DECOY_DATA_DIR)', async () => {
    const x = parseInteractions(readFileSync(join(ml, 'ratings.csv')), { source: 'ratings.csv' })
    const { train, test } = splitRandom(x, { testFraction: 0.2, seed: 42 })
    const pop = evaluate(popularityRecommender(train), train, test, { k: [10] }).metrics['ndcg@10']
    // Defaults with 5 epochs instead of 20: ~7.7M pairs, about a minute on an idle core.
    const model = item2vec()
    await model.fit(train, { sampler: createSampler({ kind: 'popularity', alpha: 0.75 }), epochs: 5, seed: 42 })
    const ndcg = evaluate(model, train, test, { k: [10] }).metrics['ndcg@10']
    expect(pop).toBeGreaterThan(0.15)
    expect(ndcg).toBeGreaterThan(pop + 0.05)

    // Toy Story (movieId 1): family/animation films are ~10% of the films with ≥ 5 ratings; its
    // neighbours should hold clearly more.
    const genres = new Map<string, string>()
    for (const r of parseCsvRecords(readFileSync(join(ml, 'movies.csv'), 'utf8'), { delimiter: ',', source: 'movies.csv' }).slice(1))
      genres.set(r[0], r[2])
    const top = model.similarItems(Int32Array.of(train.itemIds.get(1)), 10)
    let family = 0
    for (let r = 0; r < 10; r++) {
      const g = genres.get(String(train.itemIds.external(top.items[r]))) ?? ''
      if (/Children|Animation/.test(g)) family++
    }
    expect(family).toBeGreaterThanOrEqual(4)
  })
})
