import { describe, expect, it } from 'vitest'
import type { FactorView, Interactions, NegativeSampler, SamplerConfig } from '@decoy/core'
import { generateSynthetic } from '@decoy/datasets'
import { createSampler, uniformSampler } from '@decoy/samplers'
import { plantedSplit, recallAt } from '@decoy/testkit'
import { FmFeatureBuilder, deserializeModel, factorizationMachine, type FactorizationMachine } from '@decoy/models'
import { fmRowSum } from '@decoy/models/kernels'

/** A planted split plus cluster labels from a synthetic set, used as an item feature that many item rows share. */
function clustered(seed: number) {
  const { train, test } = plantedSplit(seed)
  const data = generateSynthetic({ users: 300, items: 240, clusters: 6, interactionsPerUser: 30, affinity: 0.9, seed })
  return { train, test, data }
}

function clusterFeatures(train: Interactions, itemCluster: ArrayLike<number>, numItems: number) {
  const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
  const items = ['movieId,cluster']
  for (let i = 0; i < numItems; i++) items.push(`${train.itemIds.external(i)},c${itemCluster[i] ?? 0}`)
  fb.addFeatureFile('item', items.join('\n'), { source: 'items.csv' })
  return fb.build()
}

describe('factorization machine, WebAssembly kernel', () => {
  it("kernel 'wasm' learns as well as 'js' on the planted dataset (softmax + Adagrad default, BPR + SGD)", async () => {
    const { train, test } = plantedSplit(3)
    for (const extra of [{}, { loss: 'bpr' as const, optimizer: 'sgd' as const, learningRate: 0.05 }]) {
      const opts = { negatives: 4, epochs: 15, seed: 5, ...extra }
      const js = factorizationMachine({ dim: 16 })
      const rj = await js.fit(train, { ...opts, sampler: uniformSampler(), kernel: 'js' })
      const wa = factorizationMachine({ dim: 16 })
      const rw = await wa.fit(train, { ...opts, sampler: uniformSampler(), kernel: 'wasm' })
      expect(rj.kernel).toBe('js')
      expect(rw.kernel).toBe('wasm')
      expect(rw.config.kernel).toBe('wasm')
      const recJ = recallAt(js, train, test, 10)
      const recW = recallAt(wa, train, test, 10)
      expect(recJ).toBeGreaterThan(0.2)
      expect(Math.abs(recW - recJ) / recJ).toBeLessThan(0.1)
    }
  })

  it("'auto' runs wasm when covered and js otherwise; 'wasm' on an uncovered configuration throws", async () => {
    const { train } = plantedSplit(4)
    const a = await factorizationMachine({ dim: 8 }).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, negatives: 2 })
    expect(a.kernel).toBe('wasm')
    const b = await factorizationMachine({ dim: 6 }).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, negatives: 2 })
    expect(b.kernel).toBe('js')
    await expect(
      factorizationMachine({ dim: 8 }).fit(train, {
        seed: 1,
        sampler: uniformSampler(),
        epochs: 1,
        negatives: 2,
        loss: 'warp',
        kernel: 'wasm',
      }),
    ).rejects.toThrow(/kernel 'wasm' needs/)
    await expect(
      factorizationMachine({ dim: 8 }).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, kernel: 'simd' as never }),
    ).rejects.toThrow(/kernel must be/)
  })

  it('with item features, workers 1 is bit-identical across runs and save/load round-trips exactly', async () => {
    const { train, data } = clustered(7)
    const features = clusterFeatures(train, data.itemCluster, train.numItems)
    const fit = async (): Promise<FactorizationMachine> => {
      const fm = factorizationMachine({ dim: 8 })
      const r = await fm.fit(train, { seed: 4, sampler: uniformSampler(), epochs: 2, negatives: 4, features, kernel: 'wasm' })
      expect(r.kernel).toBe('wasm')
      return fm
    }
    const fm = await fit()
    const again = await fit()
    expect(again.V).toEqual(fm.V)
    expect(again.w).toEqual(fm.w)
    const back = deserializeModel(fm.serialize(), 'fm.arrow') as FactorizationMachine
    const a = new Float32Array(fm.numItems)
    const b = new Float32Array(back.numItems)
    fm.scoreAll(9, a)
    back.scoreAll(9, b)
    expect(b).toEqual(a)
    expect(back.V).toEqual(fm.V)
  })

  it('trains with 2 Hogwild workers over shared memory', async () => {
    const { train, test } = plantedSplit(4)
    const fm = factorizationMachine({ dim: 16 })
    const res = await fm.fit(train, {
      seed: 5,
      sampler: uniformSampler(),
      loss: 'bpr',
      epochs: 10,
      negatives: 4,
      learningRate: 0.05,
      workers: 2,
      kernel: 'wasm',
    })
    expect(res.kernel).toBe('wasm')
    expect(res.updates).toBeGreaterThan(0)
    expect(recallAt(fm, train, test, 10)).toBeGreaterThan(0.2)
    // FM's defaults (softmax + Adagrad): the accumulators live in the shared memory too.
    const ada = factorizationMachine({ dim: 16 })
    const r2 = await ada.fit(train, { seed: 5, sampler: uniformSampler(), epochs: 10, negatives: 8, workers: 2, kernel: 'wasm' })
    expect(r2.kernel).toBe('wasm')
    expect(recallAt(ada, train, test, 10)).toBeGreaterThan(0.2)
  }, 30_000)

  it('AOBPR (live userFactors): the wasm kernel runs slot by slot with exact user rows and learns as js does', async () => {
    const { train, test } = plantedSplit(3)
    const aobpr = (): NegativeSampler => createSampler({ kind: 'adaptive', variant: 'aobpr' } as SamplerConfig)
    const opts = { loss: 'bpr' as const, negatives: 1, epochs: 10, learningRate: 0.05 }
    const wa = factorizationMachine({ dim: 16 })
    // A probe around AOBPR: at every sample call the rows P_u it reads equal s_U of the live parameters.
    const inner = aobpr()
    let view: FactorView | null = null
    let err = 0
    let calls = 0
    const s = new Float64Array(16)
    const probe: NegativeSampler = {
      config: inner.config,
      requires: inner.requires,
      prepare(ctx) {
        inner.prepare(ctx)
        view = ctx.scorer as FactorView
      },
      sample(batch, out) {
        const rows = wa.features!.users
        const P = view!.userFactors
        for (let b = 0; b < batch.size; b++) {
          const u = batch.users[b]
          fmRowSum(wa.w, wa.V, 16, rows.features, rows.values, rows.indptr[u], rows.indptr[u + 1], s, 0)
          for (let f = 0; f < 16; f++) err = Math.max(err, Math.abs(P[u * 16 + f] - s[f]))
        }
        calls++
        inner.sample(batch, out)
      },
      onEpochEnd: (e) => inner.onEpochEnd?.(e),
      stats: () => inner.stats(),
    }
    const res = await wa.fit(train, { seed: 5, ...opts, sampler: probe, kernel: 'wasm' })
    expect(res.kernel).toBe('wasm')
    expect(calls).toBeGreaterThan(100)
    expect(err).toBeLessThan(1e-6)
    const js = factorizationMachine({ dim: 16 })
    await js.fit(train, { seed: 5, ...opts, sampler: aobpr(), kernel: 'js' })
    const rw = recallAt(wa, train, test, 10)
    const rj = recallAt(js, train, test, 10)
    expect(rj).toBeGreaterThan(0.15)
    expect(Math.abs(rw - rj) / rj).toBeLessThan(0.1)
  })
})
