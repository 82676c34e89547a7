import { describe, expect, it } from 'vitest'
import { allItemsSampler, createSampler, sharedSampler } from '@decoy/samplers'
import { plantedSplit, popularityRecall, recallAt } from '@decoy/testkit'
import { matrixFactorization, type EpochStats } from '@decoy/models'
import { factorizationMachine } from '@decoy/models'

describe('MF with batch-shared negatives', () => {
  const { train, test } = plantedSplit(3)
  const pop = popularityRecall(train, test, 10)

  const cases = [
    { name: 'shared (M 128, uniform) + softmax', sampler: () => sharedSampler({ count: 128 }), model: {} },
    {
      name: 'shared (M 128, popularity^0.5) + softmax',
      sampler: () => sharedSampler({ count: 128, proposal: 'popularity', alpha: 0.5 }),
      model: {},
    },
    { name: 'all items + softmax', sampler: () => allItemsSampler(), model: {} },
    {
      name: 'all items + softmax over normalised embeddings, τ 0.2',
      sampler: () => allItemsSampler(),
      model: { normalize: true, temperature: 0.2 },
    },
    {
      name: 'shared (M 128) + SimpleX CCL',
      sampler: () => sharedSampler({ count: 128 }),
      model: { loss: 'ccl' as const, normalize: true, margin: 0.3, negativeWeight: 10 },
    },
  ]
  for (const c of cases) {
    it(`${c.name}: beats popularity on planted clusters, loss going down`, async () => {
      const m = matrixFactorization({ dim: 16, ...c.model })
      const stats: EpochStats[] = []
      const onEpoch = (s: EpochStats): void => void stats.push(s)
      const res = await m.fit(train, { seed: 1, sampler: c.sampler(), epochs: 8, batchSize: 512, userChunk: 8, l2: 0.01, onEpoch })
      expect(stats[stats.length - 1].loss).toBeLessThan(stats[0].loss)
      expect(res.config.negativesMode).toBe('batch-shared')
      expect(res.updates).toBeGreaterThan(0)
      expect(recallAt(m, train, test, 10)).toBeGreaterThan(pop + 0.05)
    })
  }

  it('is bit-identical for a seed (sampler, order and step), and differs with the seed', async () => {
    const run = async (seed: number): Promise<Float32Array> => {
      const m = matrixFactorization({ dim: 8 })
      await m.fit(train, { seed, sampler: createSampler({ kind: 'shared', count: 64, proposal: 'mixed' }), epochs: 2, batchSize: 256 })
      return m.itemFactors.slice()
    }
    const a = await run(4)
    expect([...(await run(4))]).toEqual([...a])
    expect([...(await run(5))]).not.toEqual([...a])
  })

  it('says clearly what it cannot do: workers, losses without a shared form, models that ignore shared blocks', async () => {
    const m = matrixFactorization({ dim: 8 })
    await expect(m.fit(train, { seed: 1, sampler: allItemsSampler(), workers: 2 })).rejects.toThrow(/one worker/)
    await expect(m.fit(train, { seed: 1, sampler: allItemsSampler(), loss: 'bpr' })).rejects.toThrow(/softmax or ccl/)
    await expect(m.fit(train, { seed: 1, sampler: sharedSampler(), loss: 'ccl' })).rejects.toThrow(/margin below 1/)
    const fm = factorizationMachine({ dim: 8 })
    await expect(fm.fit(train, { seed: 1, sampler: allItemsSampler(), epochs: 1 })).rejects.toThrow(/batch-shared/)
  })
})
