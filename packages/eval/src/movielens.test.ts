import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { createRng, parseInteractions, splitRandom } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { evaluate, pairedComparison, popularityRecommender, type EvaluableModel } from '@decoy/eval'

const dir = process.env.DECOY_DATA_DIR

describe('evaluate on ml-latest-small', () => {
  it.skipIf(!dir)(
    'popularity: sane, deterministic, and beats random scores (set DECOY_DATA_DIR to the folder holding ml-latest-small/ to run)',
    () => {
      const path = join(dir as string, 'ml-latest-small', 'ratings.csv')
      const x = parseInteractions(readFileSync(path), { source: path })
      expect(x.numUsers).toBe(610)
      const { train, test } = splitRandom(x, { testFraction: 0.2, seed: 42 })
      const pop = popularityRecommender(train)
      const res = evaluate(pop, train, test, { k: [10, 20] })
      expect(res.numUsers).toBe(610)
      expect(res.unseenTestItems).toBeGreaterThan(0) // long-tail movies rated once land only in test
      expect(res.maskedTestItems).toBe(0)
      for (const key of ['ndcg@10', 'recall@20', 'precision@10', 'hr@10', 'mrr@10', 'map@10']) {
        expect(res.metrics[key]).toBeGreaterThan(0)
        expect(res.metrics[key]).toBeLessThan(1)
      }
      expect(res.metrics['recall@20']).toBeGreaterThan(res.metrics['recall@10'])
      expect(res.metrics['hr@20']).toBeGreaterThanOrEqual(res.metrics['hr@10'])
      // Same scores for everyone: only seen-item masking varies the lists, so coverage stays tiny.
      expect(res.metrics['coverage@10']).toBeLessThan(0.02)
      expect(evaluate(pop, train, test, { k: [10, 20] }).metrics).toEqual(res.metrics)

      // A seeded random scorer is far worse; the paired test must say so.
      const state = createRng('ml-noise').state
      const rnd: EvaluableModel = {
        numItems: train.numItems,
        scoreAll(_u, out) {
          for (let i = 0; i < out.length; i++) out[i] = prngFloat(state)
        },
      }
      const worse = evaluate(rnd, train, test, { k: [10] })
      const cmp = pairedComparison(res, worse, 'ndcg@10')
      expect(cmp.n).toBe(610)
      expect(cmp.meanDiff).toBeGreaterThan(0)
      expect(cmp.ci[0]).toBeGreaterThan(0)
      expect(cmp.pValue).toBeLessThan(1e-6)
      console.log(JSON.stringify({ pop: res.metrics, cmp }))
    },
  )
})
