import { describe, expect, it } from 'vitest'
import { buildInteractions, createBatch, createNegativeBuffer, createRng } from '@decoy/core'
import { popularityLaw, popularitySampler, popularityWeights } from '@decoy/samplers'
import { chiSquare, countDraws, csrFromRows, totalVariation } from '@decoy/testkit'

const SIGNIFICANCE = 1e-3
const DRAWS = 100_000

// 30 items with designed counts: item j (1..28) is held by j single-item users, plus the test
// user T (the last user) holding R; items 0 and 29 are never seen (count 0).
const R = [3, 10, 20, 28]
const rows: number[][] = []
for (let j = 1; j <= 28; j++) for (let c = 0; c < j; c++) rows.push([j])
rows.push(R)
const T = rows.length - 1
const train = csrFromRows(rows, 30)
const counts = new Float64Array(30)
for (let j = 1; j <= 28; j++) counts[j] = j + (R.includes(j) ? 1 : 0)

describe('popularity sampler', () => {
  it('word2vec’s example: counts the=10000, cat=500, moon=200 give P ∝ count^0.75 exactly', () => {
    const z = Math.pow(10000, 0.75) + Math.pow(500, 0.75) + Math.pow(200, 0.75)
    const want = [Math.pow(10000, 0.75) / z, Math.pow(500, 0.75) / z, Math.pow(200, 0.75) / z]
    const law = popularityLaw([10000, 500, 200], 0.75)
    for (let j = 0; j < 3; j++) expect(law[j]).toBeCloseTo(want[j], 15)
    // The same law read back from a sampler prepared on data with those counts.
    const n = 10000 + 500 + 200
    const users = new Int32Array(n)
    const items = new Int32Array(n)
    for (let r = 0; r < n; r++) {
      users[r] = r
      items[r] = r < 10000 ? 0 : r < 10500 ? 1 : 2
    }
    const x = buildInteractions({ users, items }, { numItems: 3 })
    const s = popularitySampler({ excludePositives: false })
    s.prepare({ train: x, rng: createRng(1).fork('sampler'), scorer: null })
    const p = s.probabilities()
    for (let j = 0; j < 3; j++) expect(p[j]).toBeCloseTo(want[j], 14)
    expect(want[0]).toBeCloseTo(0.8629, 4) // the=86.3%, cat=9.1%, moon=4.6%
    const { counts: c } = countDraws(s, x, 0, DRAWS)
    expect(chiSquare(c, want).pValue).toBeGreaterThan(SIGNIFICANCE)
  })

  it('gives never-seen items zero mass for every alpha unless smoothed', () => {
    for (const a of [-0.5, 0, 0.75, 1]) {
      const w = popularityWeights([0, 4, 9], a)
      expect(w[0]).toBe(0)
      expect(w[2]).toBeCloseTo(Math.pow(9, a), 12)
    }
    expect(popularityWeights([0, 4], 0.5, 1)[0]).toBe(1)
  })

  for (const alpha of [0, 0.75, 1, -0.5]) {
    for (const exclude of [false, true]) {
      it(`alpha=${alpha}, ${exclude ? 'with' : 'without'} exclusion: chi-square over 1e5 draws and exact logQ`, () => {
        const s = popularitySampler({ alpha, excludePositives: exclude })
        s.prepare({ train, rng: createRng(`pop/${alpha}/${exclude}`).fork('sampler'), scorer: null })
        const res = countDraws(s, train, T, DRAWS)
        const law = new Float64Array(30)
        let z = 0
        for (let j = 0; j < 30; j++) {
          law[j] = counts[j] > 0 && !(exclude && R.includes(j)) ? Math.pow(counts[j], alpha) : 0
          z += law[j]
        }
        for (let j = 0; j < 30; j++) law[j] /= z
        const r = chiSquare(res.counts, law)
        expect(r.pValue).toBeGreaterThan(SIGNIFICANCE)
        expect(totalVariation(res.counts, law)).toBeLessThan(0.02)
        expect(res.counts[0] + res.counts[29]).toBe(0)
        if (exclude) for (const j of R) expect(res.counts[j]).toBe(0)
        // logQ = log P(j) − log(1 − P(I_u⁺)) = log of the complement-renormalised law.
        for (let j = 0; j < 30; j++) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(Math.log(law[j]), 5)
      })
    }
  }

  it('smoothing gives never-seen items mass (1 + smoothing)... exactly (c + s)^alpha', () => {
    const s = popularitySampler({ alpha: 0.5, smoothing: 2 })
    s.prepare({ train, rng: createRng(5).fork('sampler'), scorer: null })
    const res = countDraws(s, train, T, DRAWS)
    const law = new Float64Array(30)
    for (let j = 0; j < 30; j++) law[j] = R.includes(j) ? 0 : Math.pow(counts[j] + 2, 0.5)
    expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
    expect(res.counts[0]).toBeGreaterThan(0)
  })

  it('refuses a user whose complement has zero mass, or masks it when allowed', () => {
    const x = csrFromRows([[0, 1], [1]], 3) // item 2 never seen: user 0's complement has mass 0
    expect(() => popularitySampler().prepare({ train: x, rng: createRng(1), scorer: null })).toThrow(
      /user 0 \(internal 0\) has no admissible negative.*smoothing/,
    )
    const s = popularitySampler({ allowMasked: true })
    s.prepare({ train: x, rng: createRng(1), scorer: null })
    expect(countDraws(s, x, 0, 100).masked).toBe(100)
  })

  it('pins its first draws for a seed', () => {
    const s = popularitySampler()
    s.prepare({ train, rng: createRng(42).fork('sampler'), scorer: null })
    const b = createBatch(3)
    b.users.set([T, 0, T])
    b.positives.set([3, 1, 10])
    b.size = 3
    const out = createNegativeBuffer(3, 4)
    s.sample(b, out)
    expect(Array.from(out.items)).toMatchInlineSnapshot(`
      [
        12,
        16,
        15,
        25,
        22,
        27,
        23,
        12,
        5,
        17,
        16,
        14,
      ]
    `)
  })
})
