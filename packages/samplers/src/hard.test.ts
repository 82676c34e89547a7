import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, type SamplerConfig } from '@decoy/core'
import { createSampler, hardSampler, popularitySampler } from '@decoy/samplers'
import { chiSquare, countDraws, csrFromRows, itemIdScorer } from '@decoy/testkit'

const SIGNIFICANCE = 1e-3
const DRAWS = 100_000

// 20 items; user 0 holds {2, 5, 11}, so its complement has m = 17 items; user 1 holds 15 items.
const train = csrFromRows([[2, 5, 11], [0, 1, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17]], 20)
const scorer = itemIdScorer(2, 20) // x_uj = j: rank order = id order

function complement(user: number): number[] {
  const row = new Set(Array.from(train.items.subarray(train.indptr[user], train.indptr[user + 1])))
  return [...Array(20).keys()].filter((j) => !row.has(j))
}

describe('hard sampler', () => {
  it('DNS keeps the max of M uniform candidates: P(rank r) = (r/m)^M − ((r−1)/m)^M (chi-square)', () => {
    const M = 4
    const s = hardSampler({ candidates: M })
    s.prepare({ train, rng: createRng(21).fork('sampler'), scorer })
    const res = countDraws(s, train, 0, DRAWS)
    const comp = complement(0)
    const m = comp.length
    const law = new Float64Array(20)
    comp.forEach((j, idx) => (law[j] = Math.pow((idx + 1) / m, M) - Math.pow(idx / m, M)))
    expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
    // logQ is the uniform base proposal of the chosen candidate.
    for (const j of comp) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(-Math.log(m), 6)
    const st = s.stats()
    expect(st.hardness).toBeGreaterThan(0.9)
    expect(st.draws).toBeGreaterThanOrEqual(DRAWS)
  })

  it('M = 1 is the base sampler itself (uniform over the complement)', () => {
    const s = hardSampler({ candidates: 1 })
    s.prepare({ train, rng: createRng(22).fork('sampler'), scorer })
    const res = countDraws(s, train, 1, DRAWS)
    const law = new Float64Array(20)
    for (const j of complement(1)) law[j] = 1
    expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
  })

  it('DNS(M, N) writes the N top-scored candidates of one group, in descending score', () => {
    const s = hardSampler({ candidates: 8, keep: 3 })
    s.prepare({ train, rng: createRng(23).fork('sampler'), scorer })
    const b = createBatch(64)
    b.users.fill(0)
    b.size = 64
    const out = createNegativeBuffer(64, 3)
    let strict = 0
    for (let rep = 0; rep < 20; rep++) {
      s.sample(b, out)
      for (let sl = 0; sl < 64; sl++) {
        const a = out.items[sl * 3]
        const c = out.items[sl * 3 + 1]
        const d = out.items[sl * 3 + 2]
        expect(a).toBeGreaterThanOrEqual(c)
        expect(c).toBeGreaterThanOrEqual(d)
        if (a > c && c > d) strict++
      }
    }
    expect(strict).toBeGreaterThan(0)
    // The first of each group follows the max law at M = 8.
    const first = new Float64Array(20)
    const b2 = createBatch(256)
    b2.users.fill(0)
    b2.size = 256
    const out2 = createNegativeBuffer(256, 3)
    for (let rep = 0; rep < 200; rep++) {
      s.sample(b2, out2)
      for (let sl = 0; sl < 256; sl++) first[out2.items[sl * 3]]++
    }
    const comp = complement(0)
    const law = new Float64Array(20)
    comp.forEach((j, idx) => (law[j] = Math.pow((idx + 1) / comp.length, 8) - Math.pow(idx / comp.length, 8)))
    expect(chiSquare(first, law).pValue).toBeGreaterThan(SIGNIFICANCE)
  })

  it('softmax pick follows the exact law E_tuple[w_j·#j / Σ w] with w = exp(x/τ)/q (chi-square)', () => {
    // User 1's complement has 5 items; enumerate all 5^3 candidate tuples.
    const M = 3
    const tau = 2
    const s = hardSampler({ candidates: M, pick: 'softmax', temperature: tau })
    s.prepare({ train, rng: createRng(24).fork('sampler'), scorer })
    const res = countDraws(s, train, 1, DRAWS)
    const comp = complement(1)
    expect(comp.length).toBe(5)
    const law = new Float64Array(20)
    const w = (j: number) => Math.exp(j / tau)
    for (let a = 0; a < 5; a++) {
      for (let b = 0; b < 5; b++) {
        for (let c = 0; c < 5; c++) {
          const t = [comp[a], comp[b], comp[c]]
          const z = w(t[0]) + w(t[1]) + w(t[2])
          for (const j of t) law[j] += w(j) / z / 125
        }
      }
    }
    expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
    // And it is not the max law.
    const maxLaw = new Float64Array(20)
    comp.forEach((j, idx) => (maxLaw[j] = Math.pow((idx + 1) / 5, M) - Math.pow(idx / 5, M)))
    expect(chiSquare(res.counts, maxLaw).pValue).toBeLessThan(SIGNIFICANCE)
  })

  it('over a popularity base, reports the base’s logQ of the chosen candidate', () => {
    const s = createSampler({ kind: 'hard', candidates: 4, base: { kind: 'popularity', alpha: 1 } })
    s.prepare({ train, rng: createRng(25).fork('sampler'), scorer })
    const p = popularitySampler({ alpha: 1 })
    p.prepare({ train, rng: createRng(25).fork('x'), scorer: null })
    const prob = p.probabilities()
    const res = countDraws(s, train, 0, 20_000)
    let excl = 0
    for (const j of [2, 5, 11]) excl += prob[j]
    for (let j = 0; j < 20; j++) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(Math.log(prob[j] / (1 - excl)), 5)
    expect((s.config as SamplerConfig & { base: SamplerConfig }).base).toEqual({ kind: 'popularity', alpha: 1, smoothing: 0, maxTrials: 32 })
  })

  it('validates its config', () => {
    expect(() => hardSampler({ candidates: 0 })).toThrow(/"candidates" must be an integer from 1 to 100000, got 0/)
    expect(() => hardSampler({ candidates: 4, keep: 5 })).toThrow(/"keep" must be an integer from 1 to 4, got 5/)
    expect(() => hardSampler({ pick: 'argmax' as 'max' })).toThrow(/"pick" must be one of "max", "softmax"/)
    expect(() => hardSampler({ base: { kind: 'uniform', excludePositives: false } })).toThrow(/contradicts/)
    expect(() => createSampler({ kind: 'hard', base: { kind: 'nope' } })).toThrow(/unknown sampler kind "nope"/)
  })
})
