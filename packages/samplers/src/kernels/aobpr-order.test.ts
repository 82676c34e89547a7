import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import {
  aobprDrawFactor,
  aobprFactorCdf,
  aobprItemProb,
  aobprItemProbHoisted,
  aobprRankTable,
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
  const rankProb = new Float64Array(n)
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

  it('the factor draw (binary search) returns what a linear scan of the CDF returns', () => {
    const uf = Float32Array.from({ length: dim }, () => prngFloat(st) - 0.5)
    const cum = new Float64Array(dim)
    const total = aobprFactorCdf(uf, 0, dim, sigma, cum)
    const linear = (u: number): number => {
      const target = u * total
      for (let f = 0; f < dim; f++) if (target < cum[f]) return f
      for (let f = dim - 1; f > 0; f--) if (cum[f] > cum[f - 1]) return f
      return 0
    }
    const us = [0, 1 - 2 ** -53, ...Array.from({ length: 2000 }, () => prngFloat(st))]
    for (let f = 0; f < dim; f++) us.push(cum[f] / total, (f > 0 ? cum[f - 1] : 0) / total)
    for (const u of us) expect(aobprDrawFactor(u, cum, dim, total)).toBe(linear(u))
    // σ_3 = 0: factor 3 is never drawn.
    for (const u of us) expect(aobprDrawFactor(u, cum, dim, total)).not.toBe(3)
  })
})
