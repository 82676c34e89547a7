import { describe, expect, it } from 'vitest'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { popularitySampler, uniformSampler } from '@decoy/samplers'
import { plantedSplit, popularityRecall, recallAt } from '@decoy/testkit'
import { LightGcn, createModel, lightGcn, matrixFactorization, type EpochStats, type LossName } from '@decoy/models'
import { loadModel } from '@decoy/models/node'

const { train, test } = plantedSplit(3)

describe('lightGcn', () => {
  it('K = 0 trains exactly as MF without biases (same init, order, negatives and update)', async () => {
    const opts = {
      seed: 5,
      epochs: 2,
      negatives: 1,
      batchSize: 1,
      loss: 'bpr' as LossName,
      optimizer: 'sgd' as const,
      learningRate: 0.05,
      l2: 0.01,
    }
    const g = lightGcn({ dim: 8, layers: 0 })
    await g.fit(train, { ...opts, sampler: uniformSampler() })
    const mf = matrixFactorization({ dim: 8, bias: false })
    await mf.fit(train, { ...opts, sampler: uniformSampler(), kernel: 'js' })
    // Float32 gradients here, float64 in MF's fused loop: equal to rounding.
    for (let i = 0; i < mf.userFactors.length; i++) expect(g.userFactors[i]).toBeCloseTo(mf.userFactors[i], 4)
    for (let i = 0; i < mf.itemFactors.length; i++) expect(g.itemFactors[i]).toBeCloseTo(mf.itemFactors[i], 4)
    // On the same parameters the scores are MF's exactly.
    mf.userFactors.set(g.userFactors)
    mf.itemFactors.set(g.itemFactors)
    const a = new Float32Array(train.numItems)
    const b = new Float32Array(train.numItems)
    for (const u of [0, 7, 19]) {
      g.scoreAll(u, a)
      mf.scoreAll(u, b)
      expect(Array.from(a)).toEqual(Array.from(b))
    }
  })

  for (const loss of ['bpr', 'softmax', 'logistic'] as LossName[]) {
    it(`${loss}: loss goes down and recall beats popularity on planted clusters`, async () => {
      const m = lightGcn({ dim: 16, layers: 3, loss })
      const stats: EpochStats[] = []
      await m.fit(train, {
        seed: 1,
        sampler: popularitySampler(),
        epochs: 6,
        negatives: loss === 'bpr' ? 1 : 8,
        batchSize: 64,
        l2: 0.005,
        onEpoch: (s) => void stats.push(s),
      })
      expect(stats[stats.length - 1].loss).toBeLessThan(stats[0].loss)
      expect(recallAt(m, train, test, 10)).toBeGreaterThan(popularityRecall(train, test, 10))
    })
  }

  it('propagateEvery > 1 (cached final embeddings) still learns', async () => {
    const m = lightGcn({ dim: 16, layers: 2, propagateEvery: 4 })
    await m.fit(train, { seed: 1, sampler: uniformSampler(), epochs: 6, negatives: 8, batchSize: 32, l2: 0.005 })
    expect(recallAt(m, train, test, 10)).toBeGreaterThan(popularityRecall(train, test, 10))
  })

  it('layerWeights: a string or an array of K + 1 numbers; wrong counts and options are rejected', () => {
    expect(lightGcn({ layers: 2, layerWeights: '0.5, 0.3,0.2' }).layerWeights()).toEqual(Float64Array.of(0.5, 0.3, 0.2))
    expect(Array.from(lightGcn({ layers: 1 }).layerWeights())).toEqual([0.5, 0.5])
    expect(() => lightGcn({ layers: 2, layerWeights: [1, 2] })).toThrow(/layers \+ 1 = 3/)
    expect(() => lightGcn({ layerWeights: 'a,b,c,d' })).toThrow(/finite/)
    expect(() => createModel({ kind: 'lightgcn', factors: 8 })).toThrow(/unknown option "factors"/)
    expect(() => createModel({ kind: 'lightgcn', layers: -1 })).toThrow(/layers must be >= 0/)
    expect(createModel({ kind: 'lightgcn', layers: 2, dim: 8 })).toBeInstanceOf(LightGcn)
  })

  it('rejects workers ≥ 2 and the wasm kernel with a reason', async () => {
    await expect(lightGcn({ dim: 8 }).fit(train, { seed: 1, sampler: uniformSampler(), workers: 2 })).rejects.toThrow(/one thread/)
    await expect(lightGcn({ dim: 8 }).fit(train, { seed: 1, sampler: uniformSampler(), kernel: 'wasm' })).rejects.toThrow(/TypeScript/)
  })

  it('save → loadModel gives the same recommendations; early stopping restores the best epoch consistently', async () => {
    const m = lightGcn({ dim: 8, layers: 2 })
    const seen: number[] = []
    await m.fit(train, {
      seed: 2,
      sampler: uniformSampler(),
      epochs: 4,
      batchSize: 64,
      negatives: 4,
      validation: test,
      evaluateFn: ({ model }) => {
        const r = recallAt(model, train, test, 10)
        seen.push(r)
        return { 'ndcg@10': r }
      },
      earlyStopping: { patience: 4 },
    })
    // The model holds the best epoch's E⁰ and its propagated embeddings.
    expect(recallAt(m, train, test, 10)).toBeCloseTo(Math.max(...seen), 10)
    const path = join(mkdtempSync(join(tmpdir(), 'lightgcn-')), 'm.arrow')
    await m.save(path)
    const again = loadModel(path)
    expect(again.kind).toBe('lightgcn')
    const users = Int32Array.from({ length: 20 }, (_, u) => u)
    expect(again.recommend(users, 10)).toEqual(m.recommend(users, 10))
    expect(again.similarItems(Int32Array.of(0, 5), 5)).toEqual(m.similarItems(Int32Array.of(0, 5), 5))
  })
})
