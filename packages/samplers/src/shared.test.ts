import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, type Interactions, type NegativeSampler } from '@decoy/core'
import { allItemsSampler, createSampler, sharedProposal, sharedSampler } from '@decoy/samplers'
import { chiSquare, csrFromRows, samplerFixture } from '@decoy/testkit'

const SIGNIFICANCE = 1e-3

// 30 items with designed counts: item j (1..28) is held by j single-item users, plus the test
// user T holding R; items 0 and 29 are never seen.
const R = [3, 10, 20, 28]
const rows: number[][] = []
for (let j = 1; j <= 28; j++) for (let c = 0; c < j; c++) rows.push([j])
rows.push(R)
const T = rows.length - 1
const train = csrFromRows(rows, 30)

/** Counts the shared draws of `batches` batches and checks each reported logQ against the proposal. */
function sharedCounts(s: NegativeSampler, x: Interactions, batches: number, q: Float64Array): Float64Array {
  const batch = createBatch(8)
  const out = createNegativeBuffer(8, 2)
  for (let sl = 0; sl < 8; sl++) {
    batch.users[sl] = sl % x.numUsers
    batch.positives[sl] = x.items[x.indptr[sl % x.numUsers]] ?? 0
  }
  batch.size = 8
  const counts = new Float64Array(x.numItems)
  for (let b = 0; b < batches; b++) {
    s.sample(batch, out)
    const sh = out.shared!
    for (let p = 0; p < sh.count; p++) {
      const j = sh.items[p]
      counts[j]++
      if (b === 0 && p < 50) expect(sh.logQ[p]).toBeCloseTo(Math.log(q[j]), 5)
    }
  }
  return counts
}

describe('shared sampler', () => {
  for (const [proposal, alpha] of [
    ['uniform', 0.75],
    ['popularity', 0.75],
    ['popularity', -0.5],
    ['mixed', 1],
  ] as const) {
    it(`${proposal} (α ${alpha}): chi-square law of the shared draws over 1e5 draws, logQ = log q exactly`, () => {
      const s = sharedSampler({ count: 500, proposal, alpha })
      s.prepare({ train, rng: createRng(`shared/${proposal}/${alpha}`).fork('sampler'), scorer: null })
      const q = s.probabilities()
      // The proposal from its definition: uniform, c^α / Σ, or half of each.
      const counts = new Float64Array(30)
      for (let j = 1; j <= 28; j++) counts[j] = j + (R.includes(j) ? 1 : 0)
      let z = 0
      for (let j = 0; j < 30; j++) z += counts[j] > 0 ? Math.pow(counts[j], alpha) : 0
      for (let j = 0; j < 30; j++) {
        const pop = counts[j] > 0 ? Math.pow(counts[j], alpha) / z : 0
        const want = proposal === 'uniform' ? 1 / 30 : proposal === 'popularity' ? pop : 0.5 / 30 + 0.5 * pop
        expect(q[j]).toBeCloseTo(want, 12)
      }
      const c = sharedCounts(s, train, 200, q)
      expect(chiSquare(c, q).pValue).toBeGreaterThan(SIGNIFICANCE)
    })
  }

  it('per-slot view: unmasked draws follow q(j)/(1 − q(I_u⁺)) over non-positives, logQ exact (chi-square)', () => {
    const s = sharedSampler({ count: 64, proposal: 'popularity', alpha: 0.5 })
    s.prepare({ train, rng: createRng('shared/view').fork('sampler'), scorer: null })
    const q = s.probabilities()
    let kept = 1
    for (const j of R) kept -= q[j]
    const law = new Float64Array(30)
    for (let j = 0; j < 30; j++) law[j] = R.includes(j) ? 0 : q[j] / kept
    const batch = createBatch(1)
    batch.users[0] = T
    batch.positives[0] = R[0]
    batch.size = 1
    const out = createNegativeBuffer(1, 64)
    const counts = new Float64Array(30)
    for (let b = 0; b < 1500; b++) {
      s.sample(batch, out)
      for (let d = 0; d < 64; d++) {
        const j = out.items[d]
        if (j < 0) continue
        counts[j]++
        expect(out.logQ[d]).toBeCloseTo(Math.log(law[j]), 5)
      }
    }
    for (const j of R) expect(counts[j]).toBe(0)
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
  })

  it('masks exactly each slot’s own positives among the shared draws, sharing ranges across a user’s run', () => {
    const x = samplerFixture()
    const s = sharedSampler({ count: 200 })
    s.prepare({ train: x, rng: createRng('shared/mask').fork('sampler'), scorer: null })
    const users = [0, 0, 1, 3, 3, 3, 4, 0, 9]
    const batch = createBatch(users.length)
    users.forEach((u, i) => {
      batch.users[i] = u
      batch.positives[i] = x.items[x.indptr[u]]
    })
    batch.size = users.length
    const out = createNegativeBuffer(users.length, 4)
    for (let round = 0; round < 5; round++) {
      s.sample(batch, out)
      const sh = out.shared!
      for (let sl = 0; sl < users.length; sl++) {
        const u = users[sl]
        const row = new Set(x.items.subarray(x.indptr[u], x.indptr[u + 1]))
        const masked = new Set<number>()
        for (let h = sh.hitStart[sl]; h < sh.hitEnd[sl]; h++) masked.add(sh.hits[h])
        for (let p = 0; p < sh.count; p++) expect(masked.has(p), `slot ${sl} position ${p}`).toBe(row.has(sh.items[p]))
        if (sl > 0 && users[sl - 1] === u) expect(sh.hitStart[sl]).toBe(sh.hitStart[sl - 1])
      }
    }
    // Without exclusion nothing is masked.
    const free = sharedSampler({ count: 200, excludePositives: false })
    free.prepare({ train: x, rng: createRng('shared/mask').fork('sampler'), scorer: null })
    free.sample(batch, out)
    for (let sl = 0; sl < users.length; sl++) expect(out.shared!.hitEnd[sl] - out.shared!.hitStart[sl]).toBe(0)
  })

  it('is deterministic for a seed and rebuilt from its JSON config', () => {
    const a = createSampler({ kind: 'shared', count: 32, proposal: 'mixed', uniformShare: 0.25 })
    const b = createSampler(JSON.parse(JSON.stringify(a.config)))
    const batch = createBatch(4)
    batch.size = 4
    const oa = createNegativeBuffer(4, 2)
    const ob = createNegativeBuffer(4, 2)
    a.prepare({ train, rng: createRng(5).fork('sampler'), scorer: null })
    b.prepare({ train, rng: createRng(5).fork('sampler'), scorer: null })
    a.sample(batch, oa)
    b.sample(batch, ob)
    expect([...ob.shared!.items]).toEqual([...oa.shared!.items])
    expect(() => sharedSampler({ count: 0 })).toThrow(/count/)
    expect(() => createSampler({ kind: 'shared', proposal: 'zipf' })).toThrow(/proposal/)
    expect(sharedProposal(train, 'mixed', 1, 1)[0]).toBeCloseTo(1 / 30, 15)
  })
})

describe('all sampler', () => {
  it('shares every item with logQ = −log |I|, masks exactly the slot’s positives, fills no per-slot draws', () => {
    const x = samplerFixture()
    const s = allItemsSampler()
    expect(s.requires.shared).toBe('only')
    s.prepare({ train: x, rng: createRng(1).fork('sampler'), scorer: null })
    const batch = createBatch(4)
    const users = [0, 1, 1, 2]
    users.forEach((u, i) => (batch.users[i] = u))
    batch.size = 4
    const out = createNegativeBuffer(4, 3)
    s.sample(batch, out)
    const sh = out.shared!
    expect(sh.count).toBe(x.numItems)
    for (let p = 0; p < sh.count; p++) {
      expect(sh.items[p]).toBe(p)
      expect(sh.logQ[p]).toBeCloseTo(-Math.log(x.numItems), 6)
    }
    for (let sl = 0; sl < 4; sl++) {
      const u = users[sl]
      const got = [...sh.hits.subarray(sh.hitStart[sl], sh.hitEnd[sl])].map((p) => sh.items[p]).sort((a, b) => a - b)
      expect(got).toEqual([...x.items.subarray(x.indptr[u], x.indptr[u + 1])])
    }
    expect([...out.items.subarray(0, 12)]).toEqual(new Array(12).fill(-1))
    const saturated = samplerFixture({ saturated: true })
    expect(() => allItemsSampler().prepare({ train: saturated, rng: createRng(1), scorer: null })).toThrow(/allowMasked/)
  })
})
