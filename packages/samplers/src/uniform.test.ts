import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng } from '@decoy/core'
import { prngBelow } from '@decoy/core/kernels'
import { uniformSampler } from '@decoy/samplers'
import { chiSquare, countDraws, csrFromRows, totalVariation } from '@decoy/testkit'

const SIGNIFICANCE = 1e-3
const DRAWS = 100_000

// 50 items; user 0 holds 20 of them, user 1 holds 45 (rejection-heavy: exercises the fallback),
// user 2 none.
const heavy = [...Array(50).keys()].filter((j) => j % 10 !== 7)
const train = csrFromRows([[...Array(20).keys()].map((j) => j * 2 + 1), heavy, []], 50)

describe('uniform sampler', () => {
  it('is uniform over all items without exclusion (chi-square, 1e5 draws)', () => {
    const s = uniformSampler({ excludePositives: false })
    s.prepare({ train, rng: createRng(11).fork('sampler'), scorer: null })
    const { counts, logQ } = countDraws(s, train, 0, DRAWS)
    const law = new Float64Array(50).fill(1 / 50)
    const r = chiSquare(counts, law)
    expect(r.df).toBe(49)
    expect(r.pValue).toBeGreaterThan(SIGNIFICANCE)
    expect(totalVariation(counts, law)).toBeLessThan(0.02)
    expect(logQ[3]).toBeCloseTo(-Math.log(50), 6)
  })

  for (const user of [0, 1]) {
    it(`is uniform over the complement with exclusion (user ${user}, chi-square, 1e5 draws)`, () => {
      const s = uniformSampler({ maxTrials: user === 1 ? 2 : 32 })
      s.prepare({ train, rng: createRng(12).fork('sampler'), scorer: null })
      const { counts, logQ } = countDraws(s, train, user, DRAWS)
      const row = new Set(Array.from(train.items.subarray(train.indptr[user], train.indptr[user + 1])))
      const m = 50 - row.size
      const law = new Float64Array(50)
      for (let j = 0; j < 50; j++) law[j] = row.has(j) ? 0 : 1 / m
      const r = chiSquare(counts, law)
      expect(r.df).toBe(m - 1)
      expect(r.pValue).toBeGreaterThan(SIGNIFICANCE)
      for (let j = 0; j < 50; j++) if (!row.has(j)) expect(logQ[j]).toBeCloseTo(-Math.log(m), 6)
      const st = s.stats()
      expect(st.draws).toBeGreaterThanOrEqual(DRAWS)
      if (user === 1) {
        // 45/50 positives with 2 trials: 81% of draws take the exact fallback.
        expect(st.fallbacks! / st.draws).toBeGreaterThan(0.78)
        expect(st.rejectionRate).toBeGreaterThan(0.85)
      }
    })
  }

  it('a chi-square test at the same size detects a slightly wrong law (the test has power)', () => {
    const s = uniformSampler({ excludePositives: false })
    s.prepare({ train, rng: createRng(13).fork('sampler'), scorer: null })
    const { counts } = countDraws(s, train, 0, DRAWS)
    const wrong = new Float64Array(50).fill(1)
    wrong[0] = 1.2
    expect(chiSquare(counts, wrong).pValue).toBeLessThan(SIGNIFICANCE)
  })

  it('its inlined generator is the core xoshiro128+ stream (prngBelow)', () => {
    const rng = createRng(9).fork('sampler')
    const twin = rng.clone()
    const s = uniformSampler({ excludePositives: false })
    s.prepare({ train, rng, scorer: null })
    const b = createBatch(8)
    b.size = 8
    const out = createNegativeBuffer(8, 5)
    s.sample(b, out)
    for (let o = 0; o < 40; o++) expect(out.items[o]).toBe(prngBelow(twin.state, 50))
    expect(Array.from(rng.state)).toEqual(Array.from(twin.state))
  })

  it('pins its first draws for a seed', () => {
    const s = uniformSampler()
    s.prepare({ train, rng: createRng(42).fork('sampler'), scorer: null })
    const b = createBatch(4)
    b.users.set([0, 1, 2, 0])
    b.positives.set([1, 0, 0, 3])
    b.size = 4
    const out = createNegativeBuffer(4, 3)
    s.sample(b, out)
    expect(Array.from(out.items)).toMatchInlineSnapshot(`
      [
        6,
        22,
        26,
        47,
        37,
        17,
        41,
        14,
        36,
        10,
        14,
        44,
      ]
    `)
  })
})
