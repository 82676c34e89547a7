import { describe, expect, it } from 'vitest'
import { createRng, itemCounts } from '@decoy/core'
import { randomSampler } from '@decoy/samplers'
import { chiSquare, countDraws, samplerFixture } from '@decoy/testkit'

const SIGNIFICANCE = 1e-3

describe('random sampler (item of a uniform training interaction)', () => {
  const train = samplerFixture()
  const c = itemCounts(train)
  const nnz = train.indptr[train.numUsers]

  it('draws ∝ item counts without exclusion, logQ = log(c_j / nnz)', () => {
    const s = randomSampler({ excludePositives: false })
    s.prepare({ train, rng: createRng(3).fork('sampler'), scorer: null })
    const res = countDraws(s, train, 1, 100_000)
    expect(chiSquare(res.counts, Array.from(c)).pValue).toBeGreaterThan(SIGNIFICANCE)
    for (let j = 0; j < c.length; j++) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(Math.log(c[j] / nnz), 5)
  })

  for (const user of [0, 4]) {
    it(`draws ∝ counts over the complement with exclusion (user ${user}), logQ renormalised`, () => {
      const s = randomSampler()
      s.prepare({ train, rng: createRng(4).fork('sampler'), scorer: null })
      const res = countDraws(s, train, user, 100_000)
      const row = new Set(Array.from(train.items.subarray(train.indptr[user], train.indptr[user + 1])))
      const law = Array.from(c, (x, j) => (row.has(j) ? 0 : x))
      const z = law.reduce((a, b) => a + b, 0)
      expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
      for (let j = 0; j < c.length; j++) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(Math.log(law[j] / z), 5)
    })
  }
})
