import { describe, expect, it } from 'vitest'
import {
  IdMap,
  buildInteractions,
  createRng,
  isFactorView,
  type FactorView,
  type Interactions,
  type NegativeSampler,
  type SamplerConfig,
} from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { generateSynthetic } from '@decoy/datasets'
import { createSampler, samplerKinds, uniformSampler } from '@decoy/samplers'
import { describeRecommender, plantedSplit, recallAt } from '@decoy/testkit'
import {
  FmFeatureBuilder,
  deserializeModel,
  factorizationMachine,
  fitClassifier,
  matrixFactorization,
  type FactorizationMachine,
  type FeatureRows,
} from '@decoy/models'
import { fmRowSum } from '@decoy/models/kernels'

const fitOptions = { epochs: 5, negatives: 8, learningRate: 0.05 }

const hard = (samplerKinds as readonly string[]).includes('hard')
  ? (): NegativeSampler => createSampler({ kind: 'hard' } as SamplerConfig)
  : undefined

describeRecommender('fm', {
  make: () => factorizationMachine({ dim: 16 }),
  uniform: () => uniformSampler(),
  hard,
  fitOptions,
  serialize: (m) => m.serialize(),
  deserialize: (b) => deserializeModel(b),
})

/** Planted clusters; items of `coldClusterItems` lose every training interaction. */
function planted(seed: number) {
  const data = generateSynthetic({ users: 300, items: 240, clusters: 6, interactionsPerUser: 30, affinity: 0.9, seed })
  const x = data.interactions
  const st = createRng(seed).fork('split').state
  const cold = new Set<number>()
  for (let i = 0; i < x.numItems; i++) if (i % 12 === 0) cold.add(i)
  const tr: [number[], number[]] = [[], []]
  const te: [number[], number[]] = [[], []]
  for (let u = 0; u < x.numUsers; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
      const it = x.items[p]
      const t = cold.has(it) || prngFloat(st) < 0.2 ? te : tr
      t[0].push(u)
      t[1].push(it)
    }
  }
  const o = { numUsers: x.numUsers, numItems: x.numItems, userIds: x.userIds, itemIds: x.itemIds }
  const train = buildInteractions({ users: Int32Array.from(tr[0]), items: Int32Array.from(tr[1]) }, o)
  const test = buildInteractions({ users: Int32Array.from(te[0]), items: Int32Array.from(te[1]) }, o)
  return { data, train, test, cold }
}

function clusterFeatures(train: Interactions, data: ReturnType<typeof generateSynthetic>, withUsers: boolean) {
  const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
  const items = ['movieId,cluster']
  for (let i = 0; i < train.numItems; i++) items.push(`${train.itemIds.external(i)},c${data.itemCluster[i]}`)
  fb.addFeatureFile('item', items.join('\n'), { source: 'items.csv' })
  if (withUsers) {
    const users = ['userId,segment']
    for (let u = 0; u < train.numUsers; u++) users.push(`${train.userIds.external(u)},c${data.userCluster[u]}`)
    fb.addFeatureFile('user', users.join('\n'), { source: 'users.csv' })
  }
  return fb.build()
}

describe('factorization machine', () => {
  it('with only id features it matches MF on a planted dataset (same sampler, loss, epochs)', async () => {
    const { train, test } = plantedSplit(3)
    const opts = { sampler: uniformSampler(), loss: 'bpr' as const, negatives: 4, epochs: 15, learningRate: 0.05, seed: 5 }
    const fm = factorizationMachine({ dim: 16 })
    await fm.fit(train, { ...opts, sampler: uniformSampler() })
    const mf = matrixFactorization({ dim: 16 })
    await mf.fit(train, { ...opts, sampler: uniformSampler() })
    const rf = recallAt(fm, train, test, 10)
    const rm = recallAt(mf, train, test, 10)
    expect(rm).toBeGreaterThan(0.2)
    expect(Math.abs(rf - rm) / rm).toBeLessThan(0.1)
  })

  it('scoreAll from the item cache equals the live scorer', async () => {
    const { train, data } = planted(4)
    const fm = factorizationMachine({ dim: 8 })
    await fm.fit(train, { seed: 1, sampler: uniformSampler(), epochs: 2, negatives: 4, features: clusterFeatures(train, data, true) })
    const all = new Float32Array(fm.numItems)
    const ids = Int32Array.from({ length: fm.numItems }, (_, i) => i)
    const live = new Float32Array(fm.numItems)
    for (const u of [0, 17, 299]) {
      fm.scoreAll(u, all)
      fm.scorer().scoreItems(u, ids, ids.length, live)
      for (let i = 0; i < fm.numItems; i++) expect(all[i]).toBeCloseTo(live[i], 4)
    }
  })

  it('cold start: items with no training interaction are recommended by their features; users known only by features get their cluster', async () => {
    const { train, test, data, cold } = planted(5)
    const features = clusterFeatures(train, data, true)
    const fm = factorizationMachine({ dim: 16 })
    await fm.fit(train, { seed: 2, sampler: uniformSampler(), loss: 'bpr', epochs: 15, negatives: 4, learningRate: 0.05, features })
    // Cold items' id features were never trained: zero, so only their cluster feature scores them.
    const idField = features.dictionary.fieldId('item')
    const coldItem = [...cold][0]
    const m = features.dictionary.get(idField, String(train.itemIds.external(coldItem)))
    expect(fm.V.subarray(m * 16, m * 16 + 16).every((x) => x === 0)).toBe(true)
    // Recall over the cold items only: far above what a model without features can reach (0).
    const top = fm.recommend(
      Int32Array.from({ length: train.numUsers }, (_, u) => u),
      20,
    )
    let hits = 0
    let total = 0
    for (let u = 0; u < train.numUsers; u++) {
      const rel = new Set<number>()
      for (let p = test.indptr[u]; p < test.indptr[u + 1]; p++) if (cold.has(test.items[p])) rel.add(test.items[p])
      if (rel.size === 0) continue
      total += rel.size
      for (let r = 0; r < 20; r++) if (rel.has(top.items[u * 20 + r])) hits++
    }
    expect(total).toBeGreaterThan(100)
    expect(hits / total).toBeGreaterThan(0.2)
    // A user known only by a feature value: the top items are that cluster's.
    const c = 3
    const rec = fm.recommendForFeatures({ segment: `c${c}` }, 10)
    let inCluster = 0
    for (let r = 0; r < 10; r++) if (data.itemCluster[rec.items[r]] === c) inCluster++
    expect(inCluster).toBeGreaterThanOrEqual(8)
    // Unknown values are ignored (scores then come from item-side terms only); unknown fields are errors.
    expect(fm.recommendForFeatures({ segment: 'never-seen' }, 5).items.length).toBe(5)
    expect(() => fm.recommendForFeatures({ nope: 'x' }, 5)).toThrow(/unknown feature field "nope"/)
    expect(() => fm.recommendForFeatures({ cluster: 'c1' }, 5)).toThrow(/item field/)
  })

  it('itemIdMinCount: items with fewer training interactions keep no trained id feature', async () => {
    const { train, data } = planted(9)
    const features = clusterFeatures(train, data, false)
    const fm = factorizationMachine({ dim: 8, itemIdMinCount: 20 })
    await fm.fit(train, { seed: 3, sampler: uniformSampler(), epochs: 1, negatives: 4, features })
    const counts = new Int32Array(train.numItems)
    for (let j = 0; j < train.items.length; j++) counts[train.items[j]]++
    const idField = features.dictionary.fieldId('item')
    let below = 0
    let above = 0
    for (let i = 0; i < train.numItems; i++) {
      const m = features.dictionary.get(idField, String(train.itemIds.external(i)))
      const zero = fm.V.subarray(m * 8, m * 8 + 8).every((x) => x === 0) && fm.w[m] === 0
      if (counts[i] < 20) {
        expect(zero).toBe(true)
        below++
      } else {
        expect(zero).toBe(false)
        above++
      }
    }
    expect(below).toBeGreaterThan(0)
    expect(above).toBeGreaterThan(0)
  })

  it('items that exist only in the feature file are candidates (item set = feature id map)', async () => {
    const { train, data } = planted(6)
    const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
    const lines = ['movieId,cluster']
    for (let i = 0; i < train.numItems; i++) lines.push(`${train.itemIds.external(i)},c${data.itemCluster[i]}`)
    lines.push('5000,c2', '5001,c2')
    fb.addFeatureFile('item', lines.join('\n'), { unknownIds: 'add' })
    const features = fb.build()
    const fm = factorizationMachine({ dim: 8 })
    await fm.fit(train, { seed: 3, sampler: uniformSampler(), loss: 'bpr', epochs: 8, negatives: 4, learningRate: 0.05, features })
    expect(fm.numItems).toBe(train.numItems + 2)
    const u = data.userCluster.indexOf(2)
    const top = fm.recommend(Int32Array.of(u), 40)
    const ext = Array.from(top.items, (i) => fm.itemIds.external(i))
    expect(ext).toContain(5000)
  })

  it('save/load round-trips scores, dictionary and cold-start queries exactly', async () => {
    const { train, data } = planted(7)
    const fm = factorizationMachine({ dim: 8 })
    await fm.fit(train, { seed: 4, sampler: uniformSampler(), epochs: 2, negatives: 4, features: clusterFeatures(train, data, true) })
    const back = deserializeModel(fm.serialize(), 'fm.arrow') as FactorizationMachine
    expect(back.constructor).toBe(fm.constructor)
    const a = new Float32Array(fm.numItems)
    const b = new Float32Array(back.numItems)
    fm.scoreAll(9, a)
    back.scoreAll(9, b)
    expect(b).toEqual(a)
    expect(back.recommendForFeatures({ segment: 'c1' }, 5)).toEqual(fm.recommendForFeatures({ segment: 'c1' }, 5))
    expect(back.dictionary!.toJSON()).toEqual(fm.dictionary!.toJSON())
    const bytes = fm.serialize()
    expect(() => deserializeModel(bytes.subarray(0, bytes.length - 100), 'cut.arrow')).toThrow(/cut\.arrow/)
    const mf = matrixFactorization({ dim: 4 })
    await mf.fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, negatives: 1 })
    const { FactorizationMachine: FM } = await import('@decoy/models')
    expect(() => FM.deserialize(mf.serialize(), 'mf.arrow')).toThrow(/mf\.arrow/)
  })

  it('workers: 1 is bit-identical across runs; features that do not match the training maps are rejected', async () => {
    const { train, data } = planted(8)
    const features = clusterFeatures(train, data, false)
    const run = async () => {
      const fm = factorizationMachine({ dim: 8 })
      await fm.fit(train, { seed: 9, sampler: uniformSampler(), epochs: 2, negatives: 4, features })
      return fm.V.slice()
    }
    expect(await run()).toEqual(await run())
    const shuffled = new FmFeatureBuilder({ userIds: train.userIds, itemIds: IdMap.from(train.itemIds.toArray().reverse()) }).build()
    await expect(
      factorizationMachine({}).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, features: shuffled }),
    ).rejects.toThrow(/build the features over train\.itemIds/)
  })

  it('trains with 2 Hogwild workers', async () => {
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
    })
    expect(res.updates).toBeGreaterThan(0)
    expect(recallAt(fm, train, test, 10)).toBeGreaterThan(0.2)
  }, 30_000)
})

/** max |P_u − s_U| over `users[0..count)`, s_U from the model's current parameters. */
function userRowError(fm: FactorizationMachine, view: FactorView, rows: FeatureRows, users: Int32Array, count: number): number {
  const dim = fm.dim
  const s = new Float64Array(dim)
  let err = 0
  for (let c = 0; c < count; c++) {
    const u = users[c]
    fmRowSum(fm.w, fm.V, dim, rows.features, rows.values, rows.indptr[u], rows.indptr[u + 1], s, 0)
    for (let f = 0; f < dim; f++) err = Math.max(err, Math.abs(view.userFactors[u * dim + f] - s[f]))
  }
  return err
}

/** Wraps a sampler to measure, at every `sample` call, how far the batch users' factor rows lag the parameters. */
function probeUserRows(
  inner: NegativeSampler,
  fm: () => FactorizationMachine,
): { sampler: NegativeSampler; maxErr: () => number; calls: () => number } {
  let view: FactorView | null = null
  let maxErr = 0
  let calls = 0
  const sampler: NegativeSampler = {
    config: inner.config,
    requires: inner.requires,
    prepare(ctx) {
      inner.prepare(ctx)
      view = ctx.scorer as FactorView
    },
    sample(batch, out) {
      const m = fm()
      maxErr = Math.max(maxErr, userRowError(m, view!, m.features!.users, batch.users, batch.size))
      calls++
      inner.sample(batch, out)
    },
    onEpochEnd: (e) => inner.onEpochEnd?.(e),
    stats: () => inner.stats(),
  }
  return { sampler, maxErr: () => maxErr, calls: () => calls }
}

describe('factorization machine as a FactorView (AOBPR)', () => {
  it('scorer() is a FactorView: ⟨P_u, Q_i⟩ is the score minus w0 + c_U + c_I', async () => {
    const { train, data } = planted(4)
    const features = clusterFeatures(train, data, true)
    const fm = factorizationMachine({ dim: 8 })
    await fm.fit(train, { seed: 1, sampler: uniformSampler(), epochs: 2, negatives: 4, features })
    const view = fm.scorer()
    expect(isFactorView(view)).toBe(true)
    expect(view.dim).toBe(8)
    const P = view.userFactors
    const Q = view.itemFactors
    expect(P.length).toBe(fm.numUsers * 8)
    expect(Q.length).toBe(fm.numItems * 8)
    const su = new Float64Array(8)
    const si = new Float64Array(8)
    const score = new Float32Array(1)
    const { users, items } = features
    let pairs = 0
    for (const u of [0, 17, 150, 299]) {
      const cu = fmRowSum(fm.w, fm.V, 8, users.features, users.values, users.indptr[u], users.indptr[u + 1], su, 0)
      for (let f = 0; f < 8; f++) expect(P[u * 8 + f]).toBeCloseTo(su[f], 5)
      for (const i of [0, 5, 12, 100, 239]) {
        const ci = fmRowSum(fm.w, fm.V, 8, items.features, items.values, items.indptr[i], items.indptr[i + 1], si, 0)
        for (let f = 0; f < 8; f++) expect(Q[i * 8 + f]).toBeCloseTo(si[f], 5)
        view.scoreItems(u, Int32Array.of(i), 1, score)
        let dot = 0
        for (let f = 0; f < 8; f++) dot += P[u * 8 + f] * Q[i * 8 + f]
        expect(Math.abs(dot)).toBeGreaterThan(1e-4)
        expect(dot).toBeCloseTo(score[0] - (fm.w0[0] + cu + ci), 4)
        pairs++
      }
    }
    expect(pairs).toBe(20)
  })

  it('trains with the AOBPR sampler as MF does; with id features the user rows it reads are exact at every call', async () => {
    const { train, test } = plantedSplit(3)
    const opts = { loss: 'bpr' as const, negatives: 1, epochs: 20, learningRate: 0.05, seed: 5 }
    const aobpr = (): NegativeSampler => createSampler({ kind: 'adaptive', variant: 'aobpr' } as SamplerConfig)
    const fm = factorizationMachine({ dim: 16 })
    const probe = probeUserRows(aobpr(), () => fm)
    const res = await fm.fit(train, { ...opts, sampler: probe.sampler })
    expect(probe.calls()).toBeGreaterThan(100)
    expect(probe.maxErr()).toBeLessThan(1e-6)
    // Its orderings were refreshed from the live item rows during training, not only at prepare.
    expect(res.samplerStats.refreshes).toBeGreaterThan(opts.epochs)
    const mf = matrixFactorization({ dim: 16 })
    await mf.fit(train, { ...opts, sampler: aobpr() })
    const rf = recallAt(fm, train, test, 10)
    const rm = recallAt(mf, train, test, 10)
    expect(rm).toBeGreaterThan(0.2)
    expect(Math.abs(rf - rm) / rm).toBeLessThan(0.1)
  })

  it('with shared user features the rows lag by at most |users| slots; AOBPR trains FM with features on 2 workers', async () => {
    const { train, test, data } = planted(6)
    const features = clusterFeatures(train, data, true)
    // One thread, one epoch in batches of |users| slots: every sample call follows a full refresh of P.
    const aobpr = (): NegativeSampler => createSampler({ kind: 'adaptive', variant: 'aobpr' } as SamplerConfig)
    const fit = async (batchSize: number): Promise<number> => {
      const fm = factorizationMachine({ dim: 8 })
      const probe = probeUserRows(aobpr(), () => fm)
      await fm.fit(train, { seed: 2, sampler: probe.sampler, loss: 'bpr', negatives: 1, epochs: 1, batchSize, features })
      return probe.maxErr()
    }
    expect(await fit(train.numUsers)).toBeLessThan(1e-6)
    // Smaller batches read rows moved by other users' steps since the last refresh (the probe sees the lag).
    expect(await fit(32)).toBeGreaterThan(1e-4)
    const par = factorizationMachine({ dim: 16 })
    const res = await par.fit(train, {
      seed: 3,
      sampler: aobpr(),
      loss: 'bpr',
      negatives: 1,
      epochs: 15,
      learningRate: 0.05,
      features,
      workers: 2,
    })
    expect(res.samplerStats.draws).toBeGreaterThan(0)
    expect(recallAt(par, train, test, 10)).toBeGreaterThan(0.2)
  }, 30_000)
})

describe('fitClassifier', () => {
  it('learns a pairwise interaction with rare positives and per-row weights', () => {
    // Label = 1 iff (a = 1 and b = 1): a pure interaction, ~6% positives; features a∈{0..3}, b∈{0..3}, noise c.
    const st = createRng('clf').state
    const n = 4000
    const indptr = new Int32Array(n + 1)
    const feats: number[] = []
    const labels = new Uint8Array(n)
    for (let r = 0; r < n; r++) {
      const a = Math.floor(prngFloat(st) * 4)
      const b = Math.floor(prngFloat(st) * 4)
      const c = Math.floor(prngFloat(st) * 5)
      feats.push(a, 4 + b, 8 + c)
      labels[r] = a === 1 && b === 1 ? 1 : 0
      indptr[r + 1] = feats.length
    }
    const rows = { numRows: n, indptr, features: Int32Array.from(feats), values: new Float32Array(feats.length).fill(1) }
    const pos = labels.reduce((s, y) => s + y, 0)
    const weights = Array.from(labels, (y) => (y ? (n - pos) / pos : 1))
    const clf = fitClassifier(rows, labels, { seed: 1, dim: 4, epochs: 8, weights })
    expect(clf.epochLoss[clf.epochLoss.length - 1]).toBeLessThan(clf.epochLoss[0])
    const p = clf.predict(rows)
    let minPos = 1
    let maxNeg = 0
    for (let r = 0; r < n; r++) {
      if (labels[r]) minPos = Math.min(minPos, p[r])
      else maxNeg = Math.max(maxNeg, p[r])
    }
    expect(minPos).toBeGreaterThan(0.5)
    expect(maxNeg).toBeLessThan(minPos)
    expect(() => fitClassifier(rows, labels.subarray(1), { seed: 1 })).toThrow(/labels/)
  })
})
