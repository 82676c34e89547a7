import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { chiSquare } from '@decoy/testkit'
import { prngFloat } from '@decoy/core/kernels'
import {
  aobprAliasPick,
  aobprFactorAlias,
  aobprFactorCdf,
  aobprItemProb,
  aobprItemProbHoisted,
  aobprRankTable,
  aobprRankTableSize,
  aobprTopFactors,
  aobprUserLaw,
} from './aobpr-order.js'

describe('AOBPR per-draw kernels', () => {
  const dim = 12
  const n = 50
  const st = createRng('aobpr-kernels').state
  // A random permutation per factor as the position table (position[j·dim + f]).
  const position = new Int32Array(n * dim)
  for (let f = 0; f < dim; f++) {
    const perm = Array.from({ length: n }, (_, j) => j)
    for (let j = n - 1; j > 0; j--) {
      const r = Math.floor(prngFloat(st) * (j + 1))
      ;[perm[j], perm[r]] = [perm[r], perm[j]]
    }
    for (let j = 0; j < n; j++) position[j * dim + f] = perm[j]
  }
  const rankProb = new Float64Array(aobprRankTableSize(n))
  aobprRankTable(7, n, rankProb)
  const sigma = Float64Array.from({ length: dim }, (_, f) => (f === 3 ? 0 : 0.2 + prngFloat(st)))

  it('the hoisted proposal probability over all factors equals the per-draw one bit for bit, and sums to 1', () => {
    const fidx = new Int32Array(dim)
    const w = new Float64Array(dim)
    for (let trial = 0; trial < 20; trial++) {
      const uf = Float32Array.from({ length: dim }, (_, f) => (trial === 0 ? 0 : f === 5 ? 0 : prngFloat(st) - 0.5))
      const cum = new Float64Array(dim)
      const total = aobprFactorCdf(uf, 0, dim, sigma, cum)
      const cumTop = new Float64Array(dim)
      expect(aobprTopFactors(uf, 0, dim, sigma, dim, fidx, cumTop, w)).toBe(total)
      expect(Array.from(fidx)).toEqual(Array.from({ length: dim }, (_, f) => f))
      expect(Array.from(cumTop)).toEqual(Array.from(cum))
      const pf = new Float64Array(dim)
      const off = new Int32Array(dim)
      const sgn = new Int32Array(dim)
      aobprUserLaw(uf, 0, dim, fidx, n, cum, total, pf, off, sgn)
      let sum = 0
      for (let j = 0; j < n; j++) {
        const q = aobprItemProb(j, uf, 0, dim, n, position, cum, total, rankProb)
        expect(aobprItemProbHoisted(j, dim, dim, fidx, position, pf, off, sgn, rankProb)).toBe(q)
        sum += q
      }
      expect(sum).toBeCloseTo(1, 12)
    }
  })

  it('the top-K factors are the K of largest |v_uf|·σ_f (ties to the lower index), in ascending order; their law sums to 1', () => {
    const fidx = new Int32Array(dim)
    const w = new Float64Array(dim)
    for (let trial = 0; trial < 30; trial++) {
      const K = 1 + (trial % (dim - 1))
      // Coarse values so that ties occur.
      const uf = Float32Array.from({ length: dim }, () => Math.round((prngFloat(st) - 0.5) * 6) / 3)
      const cum = new Float64Array(dim)
      const total = aobprTopFactors(uf, 0, dim, sigma, K, fidx, cum, w)
      const weight = (f: number) => Math.abs(uf[f]) * sigma[f]
      const expected = Array.from({ length: dim }, (_, f) => f)
        .sort((a, b) => weight(b) - weight(a) || a - b)
        .slice(0, K)
        .sort((a, b) => a - b)
      expect(Array.from(fidx.subarray(0, K))).toEqual(expected)
      expect(total).toBeCloseTo(
        expected.reduce((t, f) => t + weight(f), 0),
        12,
      )
      const pf = new Float64Array(dim)
      const off = new Int32Array(dim)
      const sgn = new Int32Array(dim)
      aobprUserLaw(uf, 0, K, fidx, n, cum, total, pf, off, sgn)
      let sum = 0
      for (let j = 0; j < n; j++) sum += aobprItemProbHoisted(j, dim, K, fidx, position, pf, off, sgn, rankProb)
      expect(sum).toBeCloseTo(1, 12)
    }
  })

  it("a user's factor alias table (at an offset) draws p(f|u) by chi-square, and never a zero-weight factor", () => {
    const uf = Float32Array.from({ length: dim }, () => prngFloat(st) - 0.5)
    const K = dim
    const o = 3 * K
    const fidx = new Int32Array(o + K)
    const cum = new Float64Array(o + K)
    const total = aobprTopFactors(uf, 0, dim, sigma, K, fidx, cum, new Float64Array(dim), o)
    const pf = new Float64Array(o + K)
    aobprUserLaw(uf, 0, K, fidx, n, cum, total, pf, new Int32Array(o + K), new Int32Array(o + K), o)
    const prob = new Float64Array(o + K)
    const alias = new Int32Array(o + K)
    aobprFactorAlias(pf, K, prob, alias, o, new Float64Array(K), new Float64Array(K), new Int32Array(K), new Int32Array(K))
    const counts = new Float64Array(K)
    const draws = createRng('factor-alias').state
    for (let i = 0; i < 100_000; i++) counts[aobprAliasPick(prngFloat(draws), prob, alias, K, o)]++
    const law = Float64Array.from({ length: K }, (_, t) => pf[o + t])
    // σ_3 = 0: factor 3 has no weight and is never drawn.
    expect(law[fidx.subarray(o).indexOf(3)]).toBe(0)
    expect(counts[fidx.subarray(o).indexOf(3)]).toBe(0)
    const keep = Array.from(law.keys()).filter((t) => law[t] > 0)
    expect(
      chiSquare(
        Float64Array.from(keep, (t) => counts[t]),
        Float64Array.from(keep, (t) => law[t]),
      ).pValue,
    ).toBeGreaterThan(1e-3)
  })
})
