import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, type SamplerConfig } from '@decoy/core'
import { prngBelow, prngFloat } from '@decoy/core/kernels'
import { createSampler, hardSampler, popularitySampler } from '@decoy/samplers'
import { chiSquare, countDraws, csrFromRows, itemIdScorer } from '@decoy/testkit'
import { createSortScratch, pickHard } from './hard.js'

const SIGNIFICANCE = 1e-3
const DRAWS = 100_000

// 20 items; user 0 holds {2, 5, 11}, so its complement has m = 17 items; user 1 holds 15 items.
const train = csrFromRows(
  [
    [2, 5, 11],
    [0, 1, 3, 4, 6, 7, 8, 9, 10, 12, 13, 14, 15, 16, 17],
  ],
  20,
)
const scorer = itemIdScorer(2, 20) // x_uj = j: rank order = id order

function complement(user: number): number[] {
  const row = new Set(Array.from(train.items.subarray(train.indptr[user], train.indptr[user + 1])))
  return [...Array(20).keys()].filter((j) => !row.has(j))
}

describe('hard sampler', () => {
  it('DNS keeps the max of M uniform candidates: P(rank r) = (r/m)^M − ((r−1)/m)^M (chi-square)', () => {
    const M = 4
    const s = hardSampler({ candidates: M, logQ: 'base' })
    s.prepare({ train, rng: createRng(21).fork('sampler'), scorer })
    const res = countDraws(s, train, 0, DRAWS)
    const comp = complement(0)
    const m = comp.length
    const law = new Float64Array(20)
    comp.forEach((j, idx) => (law[j] = Math.pow((idx + 1) / m, M) - Math.pow(idx / m, M)))
    expect(chiSquare(res.counts, law).pValue).toBeGreaterThan(SIGNIFICANCE)
    // logQ: 'base' is the uniform base proposal of the chosen candidate.
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
    const res = countDraws(s, train, 1, DRAWS, { checkLogQ: false })
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
    const s = createSampler({ kind: 'hard', candidates: 4, logQ: 'base', base: { kind: 'popularity', alpha: 1 } })
    s.prepare({ train, rng: createRng(25).fork('sampler'), scorer })
    const p = popularitySampler({ alpha: 1 })
    p.prepare({ train, rng: createRng(25).fork('x'), scorer: null })
    const prob = p.probabilities()
    const res = countDraws(s, train, 0, 20_000)
    let excl = 0
    for (const j of [2, 5, 11]) excl += prob[j]
    for (let j = 0; j < 20; j++) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(Math.log(prob[j] / (1 - excl)), 5)
    expect((s.config as SamplerConfig & { base: SamplerConfig }).base).toEqual({
      kind: 'popularity',
      alpha: 1,
      smoothing: 0,
      maxTrials: 32,
    })
  })

  it('DNS(M, N) reports the selection logQ: base log q₀ + log(M/N); its mean mass over the top N/M quantile is right', () => {
    // Same law as logQ: 'base' (the field changes the report only), shifted by log(M/N).
    const M = 8
    const N = 2
    const s = hardSampler({ candidates: M, keep: N, logQ: 'selection' })
    s.prepare({ train, rng: createRng(26).fork('sampler'), scorer })
    const res = countDraws(s, train, 0, DRAWS, { k: N })
    const m = complement(0).length
    for (const j of complement(0)) if (res.counts[j] > 0) expect(res.logQ[j]).toBeCloseTo(-Math.log(m) + Math.log(M / N), 6)
    // The reported q is the mean selection probability of the items the selection covers (its
    // top ⌈m·N/M⌉ ranks hold most draws): Σ over those of q ≈ their share of the draws.
    const top = complement(0).slice(-Math.ceil((m * N) / M))
    const share = top.reduce((a, j) => a + res.counts[j], 0) / DRAWS
    expect(share).toBeGreaterThan(0.6)
    expect(top.length * Math.exp(res.logQ[top[top.length - 1]])).toBeGreaterThan(0.9)
  })

  it('softmax pick reports the selection logQ x/τ − log Ẑ: exp(logQ) tracks the empirical selection frequency', () => {
    // 200 items, user 0 holds a few; x_j = j/40, τ = 1: the target law is p(j) ∝ e^{j/40} over the complement.
    const n = 200
    const held = [3, 50, 120, 199]
    const tr = csrFromRows([held], n)
    const sc = itemIdScorer(1, n)
    const scaled = {
      scoreItems(u: number, items: Int32Array, count: number, out: Float32Array): void {
        sc.scoreItems(u, items, count, out)
        for (let c = 0; c < count; c++) out[c] /= 40
      },
    }
    const s = hardSampler({ candidates: 64, pick: 'softmax', temperature: 1, logQ: 'selection' })
    s.prepare({ train: tr, rng: createRng(27).fork('sampler'), scorer: scaled })
    const b = createBatch(256)
    b.users.fill(0)
    b.positives.fill(3)
    b.size = 256
    const out = createNegativeBuffer(256, 1)
    const counts = new Float64Array(n)
    const sumLogQ = new Float64Array(n)
    const reps = 600
    for (let r = 0; r < reps; r++) {
      s.sample(b, out)
      for (let o = 0; o < 256; o++) {
        counts[out.items[o]]++
        sumLogQ[out.items[o]] += out.logQ[o]
      }
    }
    const draws = reps * 256
    const comp = [...Array(n).keys()].filter((j) => !held.includes(j))
    let z = 0
    for (const j of comp) z += Math.exp(j / 40)
    // The mean reported logQ of each often-drawn item is near the exact target log p(j)…
    let worst = 0
    for (const j of comp) if (counts[j] > 300) worst = Math.max(worst, Math.abs(sumLogQ[j] / counts[j] - (j / 40 - Math.log(z))))
    expect(worst).toBeLessThan(0.1)
    // …and the SIR selection (M = 64) follows that law closely (total variation).
    let tv = 0
    for (const j of comp) tv += Math.abs(counts[j] / draws - Math.exp(j / 40) / z)
    expect(tv / 2).toBeLessThan(0.03)
    // With logQ: 'base' the report is the uniform proposal's, far from the selection's.
    expect(Math.abs(-Math.log(comp.length) - (199 / 40 - Math.log(z)))).toBeGreaterThan(1)
  })

  it('softmax pick with N of M kept: the reported logQ is log(M·q₀·π/N), π the inclusion probability of the candidate in its group', () => {
    // One fixed group of M = 16 candidates; the Gumbel top-N is run many times over it.
    const M = 16
    const N = 8
    const items = Int32Array.from({ length: M }, (_, c) => c)
    const lq0 = -Math.log(500)
    const logQ = new Float32Array(M).fill(lq0)
    const scores = Float32Array.from({ length: M }, (_, c) => c / 4)
    const state = createRng('incl').state
    const outItems = new Int32Array(N)
    const outLogQ = new Float32Array(N)
    const tally = new Float64Array(4)
    const inc = new Float64Array(M)
    const reported = new Float64Array(M)
    const reps = 40_000
    const scratch = createSortScratch(M)
    for (let r = 0; r < reps; r++) {
      pickHard(items, logQ, scores, new Float64Array(M), new Uint8Array(M), M, N, true, 1, state, outItems, outLogQ, 0, tally, N, scratch)
      for (let d = 0; d < N; d++) {
        inc[outItems[d]]++
        reported[outItems[d]] = (Math.exp(outLogQ[d] - lq0) * N) / M // π back from the report
      }
    }
    let worst = 0
    for (let c = 0; c < M; c++) worst = Math.max(worst, Math.abs(inc[c] / reps - reported[c]))
    // Rosén's approximation of successive sampling: within 0.03 of the empirical inclusion.
    expect(worst).toBeLessThan(0.03)
    // The inclusion probabilities sum to N (each group keeps N).
    expect(reported.reduce((x, y) => x + y, 0)).toBeCloseTo(N, 4)
  })

  it('validates its config', () => {
    expect(() => hardSampler({ candidates: 0 })).toThrow(/"candidates" must be an integer from 1 to 100000, got 0/)
    expect(() => hardSampler({ candidates: 4, keep: 5 })).toThrow(/"keep" must be an integer from 1 to 4, got 5/)
    expect(() => hardSampler({ pick: 'argmax' as 'max' })).toThrow(/"pick" must be one of "max", "softmax"/)
    expect(() => hardSampler({ logQ: 'proposal' as 'base' })).toThrow(/"logQ" must be one of "selection", "base"/)
    expect(() => hardSampler({ base: { kind: 'uniform', excludePositives: false } })).toThrow(/contradicts/)
    expect(() => createSampler({ kind: 'hard', base: { kind: 'nope' } })).toThrow(/unknown sampler kind "nope"/)
  })
})

describe('pickHard', () => {
  it('the sorting path (N > 1) picks exactly what the linear path picks, ties to the earlier candidate', () => {
    const st = createRng('pick').state
    for (let trial = 0; trial < 300; trial++) {
      const valid = 2 + prngBelow(st, 60)
      const want = 2 + prngBelow(st, Math.min(valid, 40))
      const softmax = trial % 2 === 1
      const items = Int32Array.from({ length: valid }, (_, c) => 1000 + c)
      const logQ = Float32Array.from({ length: valid }, () => -5 - prngFloat(st))
      // Coarse scores so that ties occur.
      const scores = Float32Array.from({ length: valid }, () => Math.round(prngFloat(st) * 8) / 4)
      const run = (sorted: boolean) => {
        const state = createRng(`g${trial}`).state
        const outItems = new Int32Array(want)
        const outLogQ = new Float32Array(want)
        const tally = new Float64Array(4)
        pickHard(
          items,
          logQ,
          scores,
          new Float64Array(valid),
          new Uint8Array(valid),
          valid,
          want,
          softmax,
          1.5,
          state,
          outItems,
          outLogQ,
          0,
          tally,
          4,
          sorted ? createSortScratch(valid) : null,
        )
        return { items: Array.from(outItems), logQ: Array.from(outLogQ), tally: Array.from(tally) }
      }
      const a = run(false)
      const b = run(true)
      expect(b.items).toEqual(a.items)
      expect(b.logQ).toEqual(a.logQ)
      if (want > 32) {
        // pickSorted: hardness of every pick, as the linear path.
        expect(b.tally[0]).toBeCloseTo(a.tally[0], 9)
        expect(b.tally[1]).toBe(a.tally[1])
      } else {
        // pickTop: hardness of one pick per group (the first, for the group counter at 0).
        const x = scores[b.items[0] - 1000]
        let below = 0
        let ties = -1
        for (const y of scores) {
          if (y < x) below++
          else if (y === x) ties++
        }
        expect(b.tally[1]).toBe(1)
        expect(b.tally[0]).toBeCloseTo((below + 0.5 * ties) / (valid - 1), 12)
      }
    }
  })

  it('the top-N path estimates hardness from one rotating pick per group without bias', () => {
    // Over many groups the rotating pick's mean percentile equals the mean over all picks.
    const st = createRng('rot').state
    const valid = 20
    const want = 5
    const items = Int32Array.from({ length: valid }, (_, c) => c)
    const logQ = new Float32Array(valid).fill(-3)
    const scores = Float32Array.from({ length: valid }, (_, c) => c / 7)
    const all = new Float64Array(4)
    const top = new Float64Array(4)
    const sc = createSortScratch(valid)
    const G = 4000
    for (let g = 0; g < G; g++) {
      const seedState = Uint32Array.from(st)
      prngFloat(st)
      const out = new Int32Array(want)
      const outLQ = new Float32Array(want)
      // The same Gumbel stream through the linear path (every pick counted) and the top-N path.
      for (const [tally, scratch] of [
        [all, null],
        [top, sc],
      ] as const) {
        pickHard(
          items,
          logQ,
          scores,
          new Float64Array(valid),
          new Uint8Array(valid),
          valid,
          want,
          true,
          1,
          Uint32Array.from(seedState),
          out,
          outLQ,
          0,
          tally,
          0,
          scratch,
        )
      }
    }
    expect(top[1]).toBe(G)
    expect(all[1]).toBe(G * want)
    // Same picks: the all-picks mean is the target; the one-pick estimate's standard error is
    // ≈ 0.3/√G ≈ 0.005. Always reporting the first (hardest) pick would be off by ≈ 0.2.
    expect(Math.abs(top[0] / top[1] - all[0] / all[1])).toBeLessThan(0.02)
  })
})
