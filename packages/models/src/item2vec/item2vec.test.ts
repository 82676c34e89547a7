import { describe, expect, it } from 'vitest'
import { buildInteractions, createRng, IdMap, type Batch, type Interactions, type NegativeBuffer, type NegativeSampler } from '@decoy/core'
import { prngBelow } from '@decoy/core/kernels'
import { createSampler } from '@decoy/samplers'
import { deserializeModel, item2vec, Item2Vec, sentencesByTime, type FitResult } from '@decoy/models'
import { buildHuffman, hsProbability } from '@decoy/models/kernels'

/**
 * Planted co-occurrence groups: `groups` groups of `perGroup` items; each user belongs to one
 * group and holds `itemsPerUser` distinct items of it, plus one random item of another group.
 */
function planted(
  groups = 6,
  perGroup = 10,
  users = 240,
  itemsPerUser = 6,
): { train: Interactions; group: (i: number) => number; userGroup: Int32Array } {
  const st = createRng('planted').state
  const us: number[] = []
  const is: number[] = []
  const ts: number[] = []
  const userGroup = new Int32Array(users)
  for (let u = 0; u < users; u++) {
    const g = u % groups
    userGroup[u] = g
    const chosen = new Set<number>()
    while (chosen.size < itemsPerUser) chosen.add(g * perGroup + prngBelow(st, perGroup))
    let other = prngBelow(st, groups * perGroup)
    while (Math.floor(other / perGroup) === g) other = prngBelow(st, groups * perGroup)
    chosen.add(other)
    let t = 0
    for (const i of chosen) {
      us.push(u)
      is.push(i)
      ts.push(1000 + u * 100 + t++)
    }
  }
  const itemIds = IdMap.from(Array.from({ length: groups * perGroup }, (_, i) => `m${i}`))
  const train = buildInteractions(
    { users: Int32Array.from(us), items: Int32Array.from(is), times: Float64Array.from(ts) },
    { numItems: groups * perGroup, itemIds },
  )
  return { train, group: (i) => Math.floor(i / perGroup), userGroup }
}

const popularity = (): NegativeSampler => createSampler({ kind: 'popularity', alpha: 0.75 })

describe('item2vec on planted co-occurrence groups', () => {
  const { train, group, userGroup } = planted()

  for (const output of ['ns', 'hs'] as const) {
    it(`nearest neighbours come from the same group (${output})`, async () => {
      const model = item2vec({ dim: 16, window: 'all', output, sample: 0 })
      const res = await model.fit(train, { sampler: popularity(), epochs: 15, seed: 7 })
      expect(pairsOf(res)).toBeGreaterThan(0)
      const items = Int32Array.from({ length: train.numItems }, (_, i) => i)
      const top = model.similarItems(items, 5)
      let same = 0
      for (let i = 0; i < items.length; i++) for (let r = 0; r < 5; r++) if (group(top.items[i * 5 + r]) === group(i)) same++
      // Chance level is 9/59 ≈ 15%.
      expect(same / (items.length * 5)).toBeGreaterThan(0.9)
      // Cosines are sorted and the query never lists itself.
      for (let i = 0; i < items.length; i++) {
        expect(top.items.subarray(i * 5, i * 5 + 5)).not.toContain(i)
        for (let r = 1; r < 5; r++) expect(top.scores[i * 5 + r]).toBeLessThanOrEqual(top.scores[i * 5 + r - 1])
      }
    })
  }

  it('trains in two Hogwild worker threads', async () => {
    const model = item2vec({ dim: 16, window: 'all', sample: 0 })
    const res = await model.fit(train, { sampler: popularity(), epochs: 15, seed: 7, workers: 2 })
    let expected = 0
    for (let u = 0; u < train.numUsers; u++) {
      const n = train.indptr[u + 1] - train.indptr[u]
      expected += n * (n - 1)
    }
    // Workers claim chunks of users from a shared cursor: every user exactly once per epoch.
    expect(pairsOf(res)).toBe(15 * expected)
    for (const e of res.epochs) {
      expect(e.slots).toBe(expected)
      expect(e.workerSeconds).toHaveLength(2)
      for (const s of e.workerSeconds!) expect(s).toBeLessThanOrEqual(e.seconds)
    }
    expect(res.epochs[14].learningRate).toBeCloseTo(1e-4, 3)
    const items = Int32Array.from({ length: train.numItems }, (_, i) => i)
    const top = model.similarItems(items, 5)
    let same = 0
    for (let i = 0; i < items.length; i++) for (let r = 0; r < 5; r++) if (group(top.items[i * 5 + r]) === group(i)) same++
    expect(same / (items.length * 5)).toBeGreaterThan(0.9)
  })

  for (const [label, model, privateRows] of [
    ['hierarchical softmax', { output: 'hs' as const }, undefined],
    ['plain Hogwild (privateRows 0)', {}, 0],
    ['half the rows private', {}, 30],
  ] as const) {
    it(`trains in two worker threads: ${label}`, async () => {
      const m = item2vec({ dim: 16, window: 'all', sample: 0, ...model })
      await m.fit(train, { sampler: popularity(), epochs: 15, seed: 7, workers: 2, privateRows })
      const items = Int32Array.from({ length: train.numItems }, (_, i) => i)
      const top = m.similarItems(items, 5)
      let same = 0
      for (let i = 0; i < items.length; i++) for (let r = 0; r < 5; r++) if (group(top.items[i * 5 + r]) === group(i)) same++
      expect(same / (items.length * 5)).toBeGreaterThan(0.9)
    })
  }

  it('refuses a privateRows that is not a non-negative integer', async () => {
    await expect(item2vec({ dim: 16 }).fit(train, { sampler: popularity(), seed: 1, workers: 2, privateRows: -1 })).rejects.toThrow(
      /privateRows/,
    )
  })

  it("recommends unseen items of the user's group", async () => {
    // sample 0: on 1,680 interactions word2vec's 1e-3 would keep only ~30% of each item's occurrences.
    const model = item2vec({ dim: 16, window: 'all', sample: 0 })
    await model.fit(train, { sampler: popularity(), epochs: 15, seed: 7 })
    const users = Int32Array.from({ length: train.numUsers }, (_, u) => u)
    const rec = model.recommend(users, 3)
    let inGroup = 0
    for (let u = 0; u < users.length; u++) {
      for (let r = 0; r < 3; r++) {
        const i = rec.items[u * 3 + r]
        // excludeSeen (default): never a training item.
        for (let j = train.indptr[u]; j < train.indptr[u + 1]; j++) expect(train.items[j]).not.toBe(i)
        if (group(i) === userGroup[u]) inGroup++
      }
    }
    expect(inGroup / (users.length * 3)).toBeGreaterThan(0.8)
    // scoreAll agrees with scorer().scoreItems.
    const all = new Float32Array(train.numItems)
    model.scoreAll(5, all)
    const some = new Float32Array(3)
    model.scorer().scoreItems(5, Int32Array.of(0, 17, 42), 3, some)
    expect(Array.from(some)).toEqual([all[0], all[17], all[42]])
  })
})

describe("item2vec output 'hs' with 'in-out' scoring", () => {
  const { train, group, userGroup } = planted()

  it("scores an item by its log-probability under the Huffman tree and recommends the user's group", async () => {
    const model = item2vec({ dim: 16, window: 'all', output: 'hs', sample: 0 })
    await model.fit(train, { epochs: 15, seed: 7 })
    expect(model.options.scoring).toBe('in-out')
    const st = model.state()
    const tree = buildHuffman(st.counts, st.numItems, st.options.minCount)
    const all = new Float32Array(train.numItems)
    model.scoreAll(3, all)
    // Σ over the path of log σ(±u·v′_p) = log P_hs(item | u), with u the user's vector.
    for (const i of [0, 11, 59]) {
      const p = hsProbability(st.userFactors, st.syn1, 16, 3, i, tree.codes, tree.points, tree.offsets)
      expect(all[i]).toBeCloseTo(Math.log(p), 4)
    }
    // The probabilities over all items sum to 1 (a softmax over the leaves).
    let total = 0
    for (let i = 0; i < train.numItems; i++) total += Math.exp(all[i])
    expect(total).toBeCloseTo(1, 4)
    const some = new Float32Array(3)
    model.scorer().scoreItems(3, Int32Array.of(0, 11, 59), 3, some)
    for (let c = 0; c < 3; c++) expect(some[c]).toBeCloseTo(all[[0, 11, 59][c]], 4)
    const users = Int32Array.from({ length: train.numUsers }, (_, u) => u)
    const rec = model.recommend(users, 3)
    let inGroup = 0
    for (let u = 0; u < users.length; u++) for (let r = 0; r < 3; r++) if (group(rec.items[u * 3 + r]) === userGroup[u]) inGroup++
    expect(inGroup / (users.length * 3)).toBeGreaterThan(0.8)
    // Saved and loaded, it scores the same (the tree is rebuilt from the saved counts).
    const again = deserializeModel(model.serialize()) as Item2Vec
    const b = new Float32Array(train.numItems)
    again.scoreAll(3, b)
    expect(b).toEqual(all)
  })
})

describe('item2vec training details', () => {
  const { train } = planted(4, 8, 80, 5)

  it('is deterministic for a seed and differs across seeds', async () => {
    const a = item2vec({ dim: 8, window: 2, shrinkWindows: true, order: 'set' })
    const b = item2vec({ dim: 8, window: 2, shrinkWindows: true, order: 'set' })
    const c = item2vec({ dim: 8, window: 2, shrinkWindows: true, order: 'set' })
    await a.fit(train, { sampler: popularity(), epochs: 2, seed: 1 })
    await b.fit(train, { sampler: popularity(), epochs: 2, seed: 1 })
    await c.fit(train, { sampler: popularity(), epochs: 2, seed: 2 })
    expect(a.itemVectors).toEqual(b.itemVectors)
    expect(a.itemVectors).not.toEqual(c.itemVectors)
  })

  it("window 'all' trains every ordered pair of the (unsubsampled) history; window w only pairs within w", async () => {
    const all = await item2vec({ dim: 4, window: 'all', sample: 0 }).fit(train, { sampler: popularity(), epochs: 1, seed: 1 })
    let expected = 0
    for (let u = 0; u < train.numUsers; u++) {
      const n = train.indptr[u + 1] - train.indptr[u]
      expected += n * (n - 1)
    }
    expect(pairsOf(all)).toBe(expected)
    const w1 = await item2vec({ dim: 4, window: 1, sample: 0 }).fit(train, { sampler: popularity(), epochs: 1, seed: 1 })
    let expected1 = 0
    for (let u = 0; u < train.numUsers; u++) expected1 += 2 * (train.indptr[u + 1] - train.indptr[u] - 1)
    expect(pairsOf(w1)).toBe(expected1)
  })

  it('subsampling thins pairs and the learning rate decays linearly to minAlpha', async () => {
    const lrs: number[] = []
    const full = await item2vec({ dim: 4, window: 'all', sample: 0 }).fit(train, { sampler: popularity(), epochs: 1, seed: 1 })
    const thin = await item2vec({ dim: 4, window: 'all', sample: 1e-3, alpha: 0.05, minAlpha: 0.001 }).fit(train, {
      sampler: popularity(),
      epochs: 4,
      seed: 1,
      onEpoch: (s) => void lrs.push(s.learningRate),
    })
    expect(pairsOf(thin) / 4).toBeLessThan(pairsOf(full) * 0.8)
    // lr after epoch e ≈ alpha − (alpha − minAlpha)·(e+1)/epochs.
    for (let e = 0; e < 4; e++) expect(lrs[e]).toBeCloseTo(0.05 - (0.049 * (e + 1)) / 4, 2)
    expect(lrs[3]).toBeGreaterThanOrEqual(0.001)
  })

  it('masks history items a non-excluding sampler returns, and always skips centre and context', async () => {
    // A sampler that proposes only the slot's own positive and the user's first item.
    const echo: NegativeSampler = {
      config: { kind: 'echo', excludePositives: false },
      requires: { scorer: false },
      prepare: () => {},
      sample(batch: Batch, out: NegativeBuffer) {
        for (let s = 0; s < batch.size; s++) {
          out.items[s * out.k] = batch.positives[s]
          out.items[s * out.k + 1] = train.items[train.indptr[batch.users[s]]]
        }
      },
      stats: () => ({ draws: 0, rejectionRate: 0, meanTrials: 1, masked: 0 }),
    }
    const masked = await item2vec({ dim: 4, window: 'all', sample: 0, negatives: 2 }).fit(train, { sampler: echo, epochs: 1, seed: 1 })
    expect(masked.epochs[0].updates).toBe(0)
    const kept = await item2vec({ dim: 4, window: 'all', sample: 0, negatives: 2, excludeHistory: false }).fit(train, {
      sampler: echo,
      epochs: 1,
      seed: 1,
    })
    // Only the first-item negative survives, and only when it is neither centre nor context.
    expect(kept.epochs[0].updates).toBeGreaterThan(0)
    expect(kept.epochs[0].updates).toBeLessThan(pairsOf(kept))
  })

  it('orders sentences by time', () => {
    const x = buildInteractions({
      users: Int32Array.of(0, 0, 0, 1),
      items: Int32Array.of(5, 2, 9, 1),
      times: Float64Array.of(30, 20, 10, 0),
    })
    expect(Array.from(sentencesByTime(x))).toEqual([9, 2, 5, 1])
    expect(Array.from(sentencesByTime(x, 'set'))).toEqual([2, 5, 9, 1])
  })

  it('round-trips through serialize / deserializeModel and exports word2vec text', async () => {
    const model = item2vec({ dim: 6, window: 3, userVector: 'recency', halfLife: 2, minCount: 2 })
    await model.fit(train, { sampler: popularity(), epochs: 2, seed: 3 })
    const bytes = model.serialize()
    const back = Item2Vec.deserialize(bytes, 'mem.decoy')
    expect(back.itemVectors).toEqual(model.itemVectors)
    expect(back.options).toEqual(model.options)
    expect(back.recommend(Int32Array.of(0, 3), 4)).toEqual(model.recommend(Int32Array.of(0, 3), 4))
    expect(deserializeModel(bytes)).toBeInstanceOf(Item2Vec)
    expect(() => Item2Vec.deserialize(bytes.subarray(0, 100), 'cut.decoy')).toThrow(/cut\.decoy/)

    const text = model.exportWord2VecText()
    const lines = text.trimEnd().split('\n')
    const [count, dim] = lines[0].split(' ').map(Number)
    expect(dim).toBe(6)
    expect(lines.length).toBe(count + 1)
    const st = model.state()
    let trained = 0
    for (let i = 0; i < train.numItems; i++) if (st.counts[i] >= 2) trained++
    expect(count).toBe(trained)
    const first = lines[1].split(' ')
    expect(first.length).toBe(7)
    const item = train.itemIds.get(first[0])
    expect(st.counts[item]).toBe(Math.max(...st.counts))
    for (let f = 0; f < 6; f++) expect(Number(first[f + 1])).toBe(model.itemVectors[item * 6 + f])
  })

  it('rejects bad options and calls', async () => {
    expect(() => item2vec({ window: 0 })).toThrow(/window/)
    expect(() => item2vec({ dim: 2.5 })).toThrow(/dim/)
    expect(() => item2vec({ output: 'xx' as 'ns' })).toThrow(/output/)
    expect(() => item2vec({ bogus: 1 } as never)).toThrow(/bogus/)
    await expect(item2vec().fit(train, { seed: 1 })).rejects.toThrow(/sampler/)
    expect(() => item2vec().recommend(Int32Array.of(0), 3)).toThrow(/not fitted/)
  })
})

/** (centre, context) pairs trained over the fit: item2vec counts them as slots. */
function pairsOf(r: FitResult): number {
  return r.epochs.reduce((a, e) => a + e.slots, 0)
}
