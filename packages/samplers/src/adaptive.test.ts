import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { adaptiveSampler } from '@decoy/samplers'
import { aobprBitsetMinRow } from './adaptive-aobpr.js'
import { createSampler } from '@decoy/samplers/registry'
import { chiSquare, countDraws, csrFromRows, describeSampler, itemIdScorer, randomFactorView } from '@decoy/testkit'
import {
  aobprDrawRankAlias,
  aobprFactorCdf,
  aobprRankAlias,
  aobprItemProb,
  aobprRankTable,
  aobprRankTableSize,
  aobprRefresh,
} from './kernels/aobpr-order.js'

// Significance level of every statistical test below (fixed seeds: deterministic, not flaky).
const ALPHA = 1e-3

describeSampler('adaptive aobpr', () => createSampler({ kind: 'adaptive', variant: 'aobpr' }), { create: createSampler })
describeSampler(
  'adaptive aobpr (exact logQ, no exclusion)',
  () => createSampler({ kind: 'adaptive', variant: 'aobpr', logQ: 'exact', excludePositives: false }),
  {
    create: createSampler,
  },
)
describeSampler(
  'adaptive aobpr (top 8 factors, user law per refresh)',
  () => createSampler({ kind: 'adaptive', variant: 'aobpr', factors: 8, userLaw: 'refresh' }),
  { create: createSampler },
)
describeSampler('adaptive aobpr (top 8 factors)', () => createSampler({ kind: 'adaptive', variant: 'aobpr', factors: 8 }), {
  create: createSampler,
})
describeSampler('adaptive aobpr (exact logQ)', () => createSampler({ kind: 'adaptive', variant: 'aobpr', logQ: 'exact', lambda: 0.2 }), {
  create: createSampler,
})
describeSampler(
  'adaptive warp (maxSampled 10, mean trials)',
  () => createSampler({ kind: 'adaptive', variant: 'warp', maxSampled: 10, trialsOf: 'mean' }),
  {
    create: createSampler,
  },
)

/** 100 items scored x_uj = j; user 0 holds 0..9 and 60..79, so for positive 60 the violators are 80..99. */
function warpFixture() {
  const row = [...Array(10).keys(), ...Array.from({ length: 20 }, (_, i) => 60 + i)]
  const train = csrFromRows([row, [1, 2]], 100)
  return { train, scorer: itemIdScorer(2, 100) }
}

describe('adaptive: WARP', () => {
  it('trials follow the geometric law with rejected positives not counted (p = 20/70)', () => {
    const { train, scorer } = warpFixture()
    const s = adaptiveSampler({ variant: 'warp', maxSampled: 100 })
    s.prepare({ train, rng: createRng(11).fork('sampler'), scorer })
    const B = 1000
    const batch = createBatch(B)
    batch.size = B
    batch.users.fill(0)
    batch.positives.fill(60)
    const out = createNegativeBuffer(B, 1)
    const M = 100
    const counts = new Float64Array(M + 1)
    let bad = 0
    for (let rep = 0; rep < 100; rep++) {
      s.sample(batch, out)
      for (let sl = 0; sl < B; sl++) {
        const j = out.items[sl]
        if (!(j >= 80 && j < 100)) bad++
        counts[out.trials[sl]]++
      }
    }
    expect(bad, 'non-violators returned').toBe(0)
    const p = 20 / 70
    const law = new Float64Array(M + 1)
    for (let t = 1; t <= M; t++) law[t] = Math.pow(1 - p, t - 1) * p
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
    // LightFM's counting of positives (p = 20/100) is rejected by the same test.
    const wrong = new Float64Array(M + 1)
    for (let t = 1; t <= M; t++) wrong[t] = Math.pow(0.8, t - 1) * 0.2
    expect(chiSquare(counts, wrong).pValue).toBeLessThan(1e-12)
    const st = s.stats()
    expect(st.meanTrials).toBeCloseTo(1 / p, 1)
    expect(st.rejectionRate).toBeCloseTo(30 / 100, 1)
    // The violator outscores every earlier (non-violating) candidate of its search.
    expect(st.hardness).toBeGreaterThan(0.8)
    expect(st.hardness).toBeLessThanOrEqual(1)
  })

  it('reports a uniform violator and logQ = −log(|I| − |I_u⁺|)', () => {
    const { train, scorer } = warpFixture()
    const s = adaptiveSampler({ variant: 'warp' })
    s.prepare({ train, rng: createRng(12).fork('sampler'), scorer })
    const batch = createBatch(500)
    batch.size = 500
    batch.users.fill(0)
    batch.positives.fill(60)
    const out = createNegativeBuffer(500, 4)
    const counts = new Float64Array(20)
    let badQ = 0
    for (let rep = 0; rep < 50; rep++) {
      s.sample(batch, out)
      for (let o = 0; o < 2000; o++) {
        counts[out.items[o] - 80]++
        if (Math.abs(out.logQ[o] + Math.log(70)) > 1e-5) badQ++
      }
    }
    expect(badQ).toBe(0)
    expect(chiSquare(counts, new Float64Array(20).fill(1 / 20)).pValue).toBeGreaterThan(ALPHA)
  })

  it('with k > 1 reports the first search’s trials (first) or the rounded mean (mean)', () => {
    const { train, scorer } = warpFixture()
    const B = 2000
    const batch = createBatch(B)
    batch.size = B
    batch.users.fill(0)
    batch.positives.fill(60)
    const p = 20 / 70
    const first = adaptiveSampler({ variant: 'warp', trialsOf: 'first' })
    first.prepare({ train, rng: createRng(13).fork('sampler'), scorer })
    const out = createNegativeBuffer(B, 3)
    const counts = new Float64Array(101)
    for (let rep = 0; rep < 25; rep++) {
      first.sample(batch, out)
      for (let sl = 0; sl < B; sl++) counts[out.trials[sl]]++
    }
    const law = new Float64Array(101)
    for (let t = 1; t <= 100; t++) law[t] = Math.pow(1 - p, t - 1) * p
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
    const mean = adaptiveSampler({ variant: 'warp', trialsOf: 'mean' })
    mean.prepare({ train, rng: createRng(13).fork('sampler'), scorer })
    let sum = 0
    let sq = 0
    for (let rep = 0; rep < 25; rep++) {
      mean.sample(batch, out)
      for (let sl = 0; sl < B; sl++) {
        sum += out.trials[sl]
        sq += out.trials[sl] * out.trials[sl]
      }
    }
    const n = 25 * B
    const m = sum / n
    // Mean of three geometric draws: same mean 1/p (up to rounding), a third of the variance.
    expect(m).toBeCloseTo(1 / p, 0)
    const variance = sq / n - m * m
    expect(variance).toBeLessThan(0.5 * ((1 - p) / (p * p)))
  })

  it('masks an exhausted search with trials = maxSampled', () => {
    const { train, scorer } = warpFixture()
    const s = adaptiveSampler({ variant: 'warp', margin: 0, maxSampled: 7 })
    s.prepare({ train, rng: createRng(14).fork('sampler'), scorer })
    const batch = createBatch(4)
    batch.size = 4
    batch.users.fill(1)
    batch.positives.fill(99) // x_uj > 99 − 0 has no solution
    const out = createNegativeBuffer(4, 2)
    s.sample(batch, out)
    expect([...out.items]).toEqual(new Array(8).fill(-1))
    expect([...out.trials]).toEqual([7, 7, 7, 7])
    expect(s.stats().masked).toBe(8)
    expect(s.stats().exhausted).toBe(8)
  })

  it('rejects fields of the other variant and bad values', () => {
    expect(() => adaptiveSampler({ variant: 'warp', lambda: 0.1 })).toThrow(/lambda.*aobpr/)
    expect(() => adaptiveSampler({ variant: 'aobpr', margin: 1 })).toThrow(/margin.*warp/)
    expect(() => adaptiveSampler({ variant: 'warp', maxSampled: 0 })).toThrow(/maxSampled/)
    expect(() => createSampler({ kind: 'adaptive', variant: 'dns' })).toThrow(/variant/)
  })
})

/** AOBPR's orderings, 32-bit positions and spreads of `itemFactors`, by the kernel with fresh scratch. */
function refreshTables(itemFactors: Float32Array, n: number, dim: number) {
  const order = new Int32Array(dim * n)
  const position = new Int32Array(dim * n)
  const sigma = new Float64Array(dim)
  const col = new Float32Array(n)
  const scratch = [new Uint32Array(col.buffer), new Uint32Array(n), new Uint32Array(n), new Int32Array(n), new Int32Array(256)] as const
  aobprRefresh(itemFactors, n, dim, order, position, sigma, col, ...scratch)
  return { order, position, sigma }
}

describe('adaptive: AOBPR kernels', () => {
  it('orders every factor descending, positions invert the order, sigma is the standard deviation', () => {
    const n = 300
    const dim = 3
    const st = createRng('order').state
    const itf = new Float32Array(n * dim)
    for (let i = 0; i < itf.length; i++) itf[i] = prngFloat(st) * 2 - 1
    itf[5 * dim] = itf[7 * dim] // a tie: stable, lower id first
    itf[9 * dim + 1] = -0
    const { order, position, sigma } = refreshTables(itf, n, dim)
    for (let f = 0; f < dim; f++) {
      const expected = [...Array(n).keys()].sort((a, b) => itf[b * dim + f] - itf[a * dim + f] || a - b)
      expect([...order.subarray(f * n, f * n + n)]).toEqual(expected)
      for (let r = 0; r < n; r++) expect(position[order[f * n + r] * dim + f]).toBe(r)
      let mean = 0
      for (let j = 0; j < n; j++) mean += itf[j * dim + f] / n
      let v = 0
      for (let j = 0; j < n; j++) v += (itf[j * dim + f] - mean) ** 2 / n
      expect(sigma[f]).toBeCloseTo(Math.sqrt(v), 6)
    }
  })

  it('draws ranks from the truncated geometric law P(r) ∝ exp(−r/λ) by two alias tables, within and across blocks of 256', () => {
    for (const [n, lambda] of [
      [60, 8],
      [700, 150],
    ]) {
      const t = aobprRankAlias(lambda, n)
      const st = createRng(`rank-alias-${n}`).state
      const counts = new Float64Array(n)
      for (let i = 0; i < 200_000; i++) counts[aobprDrawRankAlias(st, t, n)]++
      const law = Float64Array.from({ length: n }, (_, r) => Math.exp(-r / lambda))
      expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
    }
  })

  it('the two-factor rank table is the closed-form law P(r) = (1 − e^{−1/λ}) e^{−r/λ} / (1 − e^{−n/λ})', () => {
    const n = 700
    const lambda = 150
    const table = new Float64Array(aobprRankTableSize(n))
    aobprRankTable(lambda, n, table)
    let sum = 0
    for (let r = 0; r < n; r++) {
      const p = table[r & 255] * table[256 + (r >>> 8)]
      expect(p).toBeCloseTo(((1 - Math.exp(-1 / lambda)) * Math.exp(-r / lambda)) / (1 - Math.exp(-n / lambda)), 14)
      sum += p
    }
    expect(sum).toBeCloseTo(1, 12)
  })
})

describe('adaptive: AOBPR sampler', () => {
  const n = 500
  const users = 20
  const dim = 8
  const rows = Array.from({ length: users }, (_, u) => Array.from({ length: 10 }, (_, i) => (u * 37 + i * 11) % n))

  function rankOf(view: ReturnType<typeof randomFactorView>, u: number, j: number): number {
    const all = Int32Array.from({ length: n }, (_, i) => i)
    const sc = new Float32Array(n)
    view.scoreItems(u, all, n, sc)
    let r = 0
    for (let i = 0; i < n; i++) if (sc[i] > sc[j] || (sc[i] === sc[j] && i < j)) r++
    return r
  }

  it('concentrates on the user’s top-ranked items (mean rank far below uniform’s)', () => {
    const train = csrFromRows(rows, n)
    const view = randomFactorView(users, n, dim, 'aobpr-rank', 1)
    const s = adaptiveSampler({ variant: 'aobpr', lambda: 0.02 })
    s.prepare({ train, rng: createRng(21).fork('sampler'), scorer: view })
    const batch = createBatch(users)
    batch.size = users
    for (let u = 0; u < users; u++) {
      batch.users[u] = u
      batch.positives[u] = rows[u][0]
    }
    const out = createNegativeBuffer(users, 5)
    let sum = 0
    let count = 0
    for (let rep = 0; rep < 20; rep++) {
      s.sample(batch, out)
      for (let o = 0; o < users * 5; o++) {
        sum += rankOf(view, batch.users[Math.floor(o / 5)], out.items[o]) / (n - 1)
        count++
      }
    }
    // Uniform would give a mean normalised rank of 0.5; one factor's ordering is only a proxy of
    // the full dot product on isotropic random factors, so the gain is partial (measured 0.245).
    expect(sum / count).toBeLessThan(0.3)
  })

  it.each([
    [0, 'live'],
    [2, 'live'],
    [2, 'refresh'],
  ] as const)(
    'exact logQ is the law of its draws, positives excluded (factors %i, userLaw %s: its positives mass cached with the law)',
    (factors, userLaw) => {
      const small = 80
      const train = csrFromRows([[0, 3, 5, 7, 11, 13], [1]], small)
      const view = randomFactorView(2, small, 4, 'aobpr-law', 1)
      const s = adaptiveSampler({
        variant: 'aobpr',
        lambda: 0.1,
        logQ: 'exact',
        maxTrials: 2,
        refreshEvery: 1_000_000_000,
        factors,
        userLaw,
      })
      s.prepare({ train, rng: createRng(22).fork('sampler'), scorer: view })
      const { counts, logQ } = countDraws(s, train, 0, 120_000, { k: 4, batchSize: 1000 })
      const q = logQ.map((x) => (Number.isNaN(x) ? 0 : Math.exp(x)))
      for (const p of [0, 3, 5, 7, 11, 13]) expect(counts[p]).toBe(0)
      let total = 0
      for (let j = 0; j < small; j++) total += q[j]
      expect(total).toBeGreaterThan(0.995)
      expect(total).toBeLessThan(1.0001)
      expect(chiSquare(counts, q).pValue).toBeGreaterThan(ALPHA)
      expect(s.stats().fallbacks).toBeGreaterThanOrEqual(0)
    },
  )

  it('refreshes the orderings every ⌈|I|·ln|I|⌉ slots (or refreshEvery), whatever the negatives per slot', () => {
    const train = csrFromRows(rows, n)
    const view = randomFactorView(users, n, dim, 'aobpr-refresh', 1)
    const batch = createBatch(users)
    batch.size = users
    for (let u = 0; u < users; u++) {
      batch.users[u] = u
      batch.positives[u] = rows[u][0]
    }
    for (const [every, k] of [
      [0, 10],
      [37, 10],
      [37, 1],
    ] as const) {
      const s = adaptiveSampler({ variant: 'aobpr', refreshEvery: every })
      s.prepare({ train, rng: createRng(23).fork('sampler'), scorer: view })
      expect(s.stats().refreshes).toBe(1)
      const out = createNegativeBuffer(users, k)
      const period = every > 0 ? every : Math.ceil(n * Math.log(n))
      const reps = Math.ceil((2.5 * period) / users)
      for (let rep = 0; rep < reps; rep++) s.sample(batch, out)
      expect(s.stats().refreshes).toBe(1 + Math.floor((reps * users - 1) / period))
    }
  })

  it("userLaw 'refresh' draws from the user's law as of the last refresh (logQ exact for it); 'live' follows the vector", () => {
    const small = 60
    const train = csrFromRows([[0, 3, 5], [1]], small)
    const lawOf = (userLaw: 'live' | 'refresh', flipAfter: boolean) => {
      const view = randomFactorView(2, small, 6, 'aobpr-cache', 1)
      const s = adaptiveSampler({ variant: 'aobpr', lambda: 0.1, refreshEvery: 1_000_000_000, factors: 3, userLaw })
      s.prepare({ train, rng: createRng(5).fork('sampler'), scorer: view })
      // User 1 (positives {1}): its cached law lives at offset 1·3 of the per-user arrays.
      const batch = createBatch(1)
      batch.size = 1
      batch.users[0] = 1
      const out = createNegativeBuffer(1, 1)
      s.sample(batch, out) // user 1's first slot after the (only) refresh fixes a cached law
      if (flipAfter) for (let f = 0; f < 6; f++) view.userFactors[6 + f] = -view.userFactors[6 + f] * (1 + f)
      const { counts, logQ } = countDraws(s, train, 1, 120_000, { k: 4, batchSize: 2000 })
      return { counts, q: logQ.map((x) => (Number.isNaN(x) ? 0 : Math.exp(x))) }
    }
    const before = lawOf('refresh', false)
    const cached = lawOf('refresh', true)
    const live = lawOf('live', true)
    // The cached law ignores the flipped vector: same reported probabilities as without the flip.
    for (let j = 0; j < small; j++) if (cached.q[j] > 0 && before.q[j] > 0) expect(cached.q[j]).toBeCloseTo(before.q[j], 12)
    // The live law follows it: some item's probability moves by more than 10%.
    let moved = 0
    for (let j = 0; j < small; j++) if (live.q[j] > 0 && before.q[j] > 0 && Math.abs(live.q[j] / before.q[j] - 1) > 0.1) moved++
    expect(moved).toBeGreaterThan(0)
    // Each reports the law it draws from (proposal logQ, not renormalised for the rejected positive).
    for (const r of [cached, live]) {
      let total = 0
      for (let j = 0; j < small; j++) total += r.q[j]
      const mass = new Float64Array(small)
      for (let j = 0; j < small; j++) mass[j] = r.q[j] / total
      expect(chiSquare(r.counts, mass).pValue).toBeGreaterThan(ALPHA)
    }
  })

  it.each([500, 70_000])('reports the proposal probability of every draw exactly, 16- and 32-bit rank tables (%i items)', (n) => {
    // Reference: the full-precision kernels over Int32 tables, recomputed from the same factors.
    const dim = 4
    const users = 3
    const rows = [[0, 2], [1], [3, 4, 5]]
    const train = csrFromRows(rows, n)
    const view = randomFactorView(users, n, dim, `aobpr-pos-${n}`, 1)
    const s = adaptiveSampler({ variant: 'aobpr', lambda: 0.01, refreshEvery: 1_000_000_000 })
    s.prepare({ train, rng: createRng(9).fork('sampler'), scorer: view })
    const { position, sigma } = refreshTables(view.itemFactors, n, dim)
    const rankProb = new Float64Array(aobprRankTableSize(n))
    aobprRankTable(0.01 * n, n, rankProb)
    const batch = createBatch(users)
    batch.size = users
    for (let u = 0; u < users; u++) batch.users[u] = u
    const out = createNegativeBuffer(users, 50)
    s.sample(batch, out)
    const cum = new Float64Array(dim)
    for (let u = 0; u < users; u++) {
      const total = aobprFactorCdf(view.userFactors, u * dim, dim, sigma, cum)
      for (let d = 0; d < 50; d++) {
        const j = out.items[u * 50 + d]
        const q = aobprItemProb(j, view.userFactors, u * dim, dim, n, position, cum, total, rankProb)
        expect(out.logQ[u * 50 + d]).toBeCloseTo(Math.fround(Math.log(q)), 5)
      }
    }
  })

  it('needs a FactorView', () => {
    const train = csrFromRows(rows, n)
    const s = adaptiveSampler({ variant: 'aobpr' })
    expect(() => s.prepare({ train, rng: createRng(1), scorer: { scoreItems: () => undefined } })).toThrow(/FactorView/)
  })
})

describe('adaptive: AOBPR exclusion layout', () => {
  it('keeps bitsets from 16 positives while they fit in 1 MiB, else only from 128', () => {
    // 100 users × 20 positives: 100 bitsets of ⌈items/32⌉ words.
    const rows = (items: number) => Array.from({ length: 100 }, (_, u) => Array.from({ length: 20 }, (_, i) => (u + 7 * i) % items))
    expect(aobprBitsetMinRow(csrFromRows(rows(2000), 2000))).toBe(16) // 100 × 252 B
    expect(aobprBitsetMinRow(csrFromRows(rows(200_000), 200_000))).toBe(128) // 100 × 25 KB
  })
})
