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

  it('rejects workers ≥ 2 with the js kernel, and the wasm kernel where it cannot run, with a reason', async () => {
    await expect(lightGcn({ dim: 8 }).fit(train, { seed: 1, sampler: uniformSampler(), workers: 2, kernel: 'js' })).rejects.toThrow(
      /worker threads run the WebAssembly kernel/,
    )
    await expect(lightGcn({ dim: 6 }).fit(train, { seed: 1, sampler: uniformSampler(), kernel: 'wasm' })).rejects.toThrow(
      /dim a multiple of 4 \(got 6\)/,
    )
    const r = await lightGcn({ dim: 6, epochs: 1 }).fit(train, { seed: 1, sampler: uniformSampler() })
    expect(r.kernel).toBe('js')
  })

  for (const [propagateEvery, optimizer] of [
    [1, 'adagrad'],
    [3, 'adagrad'],
    [1, 'sgd'],
    [3, 'sgd'],
  ] as const) {
    it(`propagateEvery ${propagateEvery}, ${optimizer}: the wasm and js kernels train to the same parameters (float32 rounding), each deterministic`, async () => {
      const fit = async (kernel: 'wasm' | 'js') => {
        const m = lightGcn({ dim: 12, layers: 2, propagateEvery, optimizer, epochs: 2, batchSize: 64, negatives: 4, loss: 'softmax' })
        const r = await m.fit(train, { seed: 4, sampler: uniformSampler(), kernel })
        expect(r.kernel).toBe(kernel)
        return m
      }
      const w = await fit('wasm')
      const j = await fit('js')
      expect((await fit('wasm')).embeddings).toEqual(w.embeddings)
      let worst = 0
      for (let i = 0; i < j.embeddings.length; i++) worst = Math.max(worst, Math.abs(w.embeddings[i] - j.embeddings[i]))
      expect(worst).toBeLessThan(1e-4)
      for (let i = 0; i < j.finalEmbeddings.length; i++) expect(w.finalEmbeddings[i]).toBeCloseTo(j.finalEmbeddings[i], 4)
    })
  }

  it('propagateEvery N applies every gradient: one batch per epoch under SGD trains as the exact step', async () => {
    // A step applies w_0·G to the batch's rows at once and Σ_{k≥1} w_k Ã^k G at the next propagation (here the
    // end of the epoch): with one batch per epoch the sum is the exact gradient on the same parameters.
    const fit = async (propagateEvery: number) => {
      const m = lightGcn({ dim: 8, layers: 2, propagateEvery, epochs: 2, batchSize: 100000, negatives: 2, optimizer: 'sgd', l2: 0.01 })
      await m.fit(train, { seed: 3, sampler: uniformSampler(), kernel: 'js', learningRate: 0.05 })
      return m
    }
    const exact = await fit(1)
    const cached = await fit(7)
    for (let i = 0; i < exact.embeddings.length; i++) expect(cached.embeddings[i]).toBeCloseTo(exact.embeddings[i], 5)
    for (let i = 0; i < exact.finalEmbeddings.length; i++) expect(cached.finalEmbeddings[i]).toBeCloseTo(exact.finalEmbeddings[i], 5)
    // …and its final embeddings are those propagated from the E⁰ it holds.
    const { normalizedGraph } = await import('./graph.js')
    const { jsPropagator } = await import('./propagate.js')
    const p = jsPropagator(normalizedGraph(train), 8)
    const want = p.floats()
    p.forward(cached.embeddings, cached.layerWeights(), want, p.floats(), p.floats())
    for (let i = 0; i < want.length; i++) expect(cached.finalEmbeddings[i]).toBeCloseTo(want[i], 6)
    // Not vacuous: E⁰ moved away from a fit of zero epochs' worth.
    expect(exact.embeddings.some((v, i) => Math.abs(v - cached.embeddings[i]) > 0 || v !== 0)).toBe(true)
  })

  it('propagateEvery N: the same trajectory whether or not onEpoch looks at the model (windows close with the epoch)', async () => {
    const fit = async (watch: boolean) => {
      const m = lightGcn({ dim: 8, layers: 2, propagateEvery: 5, epochs: 3, batchSize: 48, negatives: 2 })
      await m.fit(train, { seed: 6, sampler: uniformSampler(), ...(watch ? { onEpoch: () => {} } : {}) })
      return m.embeddings
    }
    expect(await fit(true)).toEqual(await fit(false))
  })

  for (const propagateEvery of [1, 3]) {
    it(`workers 3 (rows of each sparse product split over threads), propagateEvery ${propagateEvery}: bit-identical to one thread`, async () => {
      const fit = async (workers: number) => {
        const m = lightGcn({ dim: 16, layers: 3, propagateEvery, epochs: 2, batchSize: 64, negatives: 4 })
        const r = await m.fit(train, { seed: 8, sampler: uniformSampler(), workers })
        expect(r.kernel).toBe('wasm')
        return m
      }
      const one = await fit(1)
      const three = await fit(3)
      expect(three.embeddings).toEqual(one.embeddings)
      expect(three.finalEmbeddings).toEqual(one.finalEmbeddings)
    })
  }

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
