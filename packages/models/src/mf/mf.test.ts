import { describe, expect, it } from 'vitest'
import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import type { NegativeSampler } from '@decoy/core'
import { popularitySampler, sharedSampler, uniformSampler } from '@decoy/samplers'
import { plantedSplit, popularityRecall, recallAt } from '@decoy/testkit'
import { MatrixFactorization, matrixFactorization, type EpochStats, type LossName } from '@decoy/models'
import { loadModel } from '@decoy/models/node'

const fitOptions = { epochs: 5, negatives: 8, learningRate: 0.05, l2: 0.005 }

describe('matrixFactorization', () => {
  const { train, test } = plantedSplit(3)

  for (const loss of ['bpr', 'logistic', 'softmax', 'warp', 'gbce'] as LossName[]) {
    it(`${loss}: trains above chance on planted clusters, loss going down`, async () => {
      const m = matrixFactorization({ dim: 16, loss })
      const stats: EpochStats[] = []
      const res = await m.fit(train, {
        seed: 1,
        sampler: uniformSampler(),
        ...fitOptions,
        negatives: loss === 'warp' ? 1 : 8,
        optimizer: loss === 'bpr' ? 'sgd' : 'adagrad',
        onEpoch: (s) => void stats.push(s),
      })
      expect(stats.length).toBe(5)
      expect(stats[4].loss).toBeLessThan(stats[0].loss)
      expect(res.updates).toBeGreaterThan(0)
      expect(res.config.loss).toBe(loss)
      // Random ranking would give recall@10 ≈ 10/240.
      expect(recallAt(m, train, test, 10)).toBeGreaterThan(0.15)
    })
  }

  it('adagrad-row (row-wise Adagrad): beats popularity on planted clusters with either kernel, same seed ⇒ identical', async () => {
    const pop = popularityRecall(train, test, 10)
    const fit = async (kernel: 'wasm' | 'js', seed: number) => {
      const m = matrixFactorization({ dim: 16, optimizer: 'adagrad-row' })
      const res = await m.fit(train, { seed, sampler: uniformSampler(), ...fitOptions, learningRate: 0.1, kernel })
      expect(res.config.optimizer).toBe('adagrad-row')
      expect(res.config.schedule).toBe('constant')
      expect(res.kernel).toBe(kernel)
      return m
    }
    for (const kernel of ['wasm', 'js'] as const) {
      const a = await fit(kernel, 1)
      expect(recallAt(a, train, test, 10)).toBeGreaterThan(pop)
      expect(recallAt(a, train, test, 10)).toBeGreaterThan(0.15)
      const b = await fit(kernel, 1)
      expect(b.userFactors).toEqual(a.userFactors)
      expect(b.itemFactors).toEqual(a.itemFactors)
      expect((await fit(kernel, 2)).itemFactors).not.toEqual(a.itemFactors)
    }
  })

  it('adagrad-row trains with batch-shared negatives too', async () => {
    const m = matrixFactorization({ dim: 16, optimizer: 'adagrad-row' })
    await m.fit(train, { seed: 1, sampler: sharedSampler({ count: 64 }), epochs: 5, learningRate: 0.1, l2: 0.005 })
    expect(recallAt(m, train, test, 10)).toBeGreaterThan(popularityRecall(train, test, 10))
  })

  it('rejects an unknown optimizer naming the option and every known name', async () => {
    const m = matrixFactorization({ dim: 8 })
    await expect(m.fit(train, { seed: 1, sampler: uniformSampler(), optimizer: 'adam' as never })).rejects.toThrow(
      'optimizer: unknown optimizer "adam"; expected sgd, adagrad or adagrad-row',
    )
    expect(() => matrixFactorization({ optimizer: 'adam' as never })).toThrow(/optimizer must be one of sgd, adagrad, adagrad-row/)
  })

  it('normalised embeddings with a temperature train too', async () => {
    const m = matrixFactorization({ dim: 16, loss: 'softmax', normalize: true, temperature: 0.2 })
    await m.fit(train, { seed: 1, sampler: uniformSampler(), ...fitOptions })
    expect(recallAt(m, train, test, 10)).toBeGreaterThan(0.15)
  })

  it('is bit-identical across runs at workers: 1 and differs with the seed', async () => {
    const run = async (seed: number) => {
      const m = matrixFactorization({ dim: 8 })
      await m.fit(train, { seed, sampler: popularitySampler(), epochs: 2, negatives: 4 })
      return m.userFactors.slice()
    }
    const a = await run(5)
    expect(await run(5)).toEqual(a)
    expect(await run(6)).not.toEqual(a)
  })

  it("early stopping restores the best epoch's parameters", async () => {
    const m = matrixFactorization({ dim: 8 })
    // A scripted metric: best at epoch 1, then worse, so training stops after `patience` epochs.
    const script = [0.1, 0.5, 0.3, 0.2, 0.1]
    let calls = 0
    let snapshot: Float32Array | null = null
    const res = await m.fit(train, {
      seed: 2,
      sampler: uniformSampler(),
      epochs: 5,
      negatives: 2,
      validation: test,
      evaluateFn: ({ model }) => {
        if (calls === 1) snapshot = (model as MatrixFactorization).itemFactors.slice()
        return { 'ndcg@10': script[calls++] }
      },
      earlyStopping: { patience: 2 },
    })
    expect(res.epochs.length).toBe(4)
    expect(res.bestEpoch).toBe(1)
    expect(res.epochs[1].validation).toEqual({ 'ndcg@10': 0.5 })
    expect(m.itemFactors).toEqual(snapshot)
  })

  it('similarItems excludes the query and sorts by descending cosine', async () => {
    const m = matrixFactorization({ dim: 16 })
    await m.fit(train, { seed: 4, sampler: uniformSampler(), ...fitOptions })
    const top = m.similarItems(Int32Array.of(0, 1), 5)
    expect(Array.from(top.items.subarray(0, 5))).not.toContain(0)
    expect(Array.from(top.items.subarray(5, 10))).not.toContain(1)
    for (let r = 1; r < 5; r++) expect(top.scores[r]).toBeLessThanOrEqual(top.scores[r - 1])
  })

  it('save/loadModel round-trips through a file; truncated files and other kinds are clear errors', async () => {
    const m = matrixFactorization({ dim: 8 })
    await m.fit(train, { seed: 9, sampler: uniformSampler(), epochs: 1, negatives: 2 })
    const dir = mkdtempSync(join(tmpdir(), 'decoy-mf-'))
    const path = join(dir, 'model.arrow')
    await m.save(path)
    const back = loadModel(path) as MatrixFactorization
    expect(back).toBeInstanceOf(MatrixFactorization)
    expect(back.userFactors).toEqual(m.userFactors)
    expect(back.itemBias).toEqual(m.itemBias)
    expect(back.seenItems).toEqual(m.seenItems)
    expect(back.itemIds.toArray()).toEqual(m.itemIds.toArray())
    expect(back.config).toEqual(m.config)
    // Same seed ⇒ byte-identical file.
    const m2 = matrixFactorization({ dim: 8 })
    await m2.fit(train, { seed: 9, sampler: uniformSampler(), epochs: 1, negatives: 2 })
    expect(m2.serialize()).toEqual(m.serialize())

    const bytes = readFileSync(path)
    const cut = join(dir, 'cut.arrow')
    writeFileSync(cut, bytes.subarray(0, Math.floor(bytes.length * 0.6)))
    expect(() => loadModel(cut)).toThrow(/cut\.arrow.*(truncated|not a readable)/)
    const junk = join(dir, 'junk.arrow')
    writeFileSync(junk, 'user,item\n1,2\n')
    expect(() => loadModel(junk)).toThrow(/junk\.arrow/)
    expect(() => MatrixFactorization.deserialize(m.serialize(), 'x.arrow')).not.toThrow()
  })

  it('a file of another model kind is refused by name', async () => {
    const { encodeModel } = await import('@decoy/models')
    const bytes = encodeModel({ kind: 'fm', config: {}, seed: '1', versions: {} }, { w: new Float32Array(3) })
    expect(() => MatrixFactorization.deserialize(bytes, 'fm.arrow')).toThrow(/fm\.arrow: this file holds a "fm" model, not a "mf" model/)
  })

  it('rejects bad options naming them', async () => {
    const m = matrixFactorization({ dim: 4 })
    await expect(m.fit(train, { sampler: uniformSampler(), epochs: 1 })).rejects.toThrow(/seed is required/)
    await expect(m.fit(train, { sampler: uniformSampler(), seed: 1, negatives: 0 })).rejects.toThrow(/negatives must be a positive integer/)
    await expect(m.fit(train, { sampler: uniformSampler(), seed: 1, loss: 'nope' as LossName })).rejects.toThrow(/unknown loss "nope"/)
    await expect(m.fit(train, { sampler: uniformSampler(), seed: 1, validation: test })).rejects.toThrow(/evaluateFn/)
    expect(() => matrixFactorization({ dim: 0 })).toThrow(/dim/)
    expect(() => matrixFactorization().recommend(Int32Array.of(0), 5)).toThrow(/not been fitted/)
  })

  it('hands the sampler a live scorer at prepare', async () => {
    let seen: unknown = null
    const inner = uniformSampler()
    const spy: NegativeSampler = {
      config: inner.config,
      requires: inner.requires,
      prepare: (ctx) => {
        seen = ctx.scorer
        inner.prepare(ctx)
      },
      sample: (b, o) => inner.sample(b, o),
      stats: () => inner.stats(),
    }
    const m = matrixFactorization({ dim: 4 })
    await m.fit(train, { seed: 1, sampler: spy, epochs: 1 })
    expect(seen).not.toBeNull()
    const s = seen as ReturnType<MatrixFactorization['scorer']>
    expect(s.itemFactors).toBe(m.itemFactors)
  })
})
