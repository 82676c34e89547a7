import { describe, expect, it } from 'vitest'
import { chiSquare, chiSquareCounts, gammaQ, gini, logGamma, summarize, totalVariation } from '@decoy/eval'

describe('chi-square helpers', () => {
  it('logGamma matches known values', () => {
    expect(logGamma(1)).toBeCloseTo(0, 13)
    expect(logGamma(0.5)).toBeCloseTo(Math.log(Math.sqrt(Math.PI)), 13)
    expect(logGamma(10)).toBeCloseTo(Math.log(362880), 12)
    expect(logGamma(100.5)).toBeCloseTo(361.4355404677776, 9)
  })

  it('gammaQ matches closed forms and tabulated chi-square quantiles', () => {
    // Q(1, x) = e^-x; Q(1/2, x) = erfc(sqrt x)
    for (const x of [0.01, 0.5, 1, 3, 10, 40]) expect(gammaQ(1, x)).toBeCloseTo(Math.exp(-x), 14)
    expect(gammaQ(0.5, 1)).toBeCloseTo(0.15729920705028513, 13) // erfc(1)
    expect(gammaQ(0.5, 0.25)).toBeCloseTo(0.4795001221869535, 13) // erfc(0.5)
    // Q(2, x) = (1 + x) e^-x
    for (const x of [0.3, 2, 2.9, 3.1, 25]) expect(gammaQ(2, x)).toBeCloseTo((1 + x) * Math.exp(-x), 14)
    // chi-square upper-tail critical values: P(χ²_df ≥ c) = p
    const table: [number, number, number][] = [
      [1, 3.841458820694124, 0.05],
      [1, 10.827566170662733, 0.001],
      [10, 18.307038053275146, 0.05],
      [10, 29.58829844507442, 0.001],
      [100, 124.34211340400407, 0.05],
      [999, 1142.8479838910355, 0.001],
    ]
    for (const [df, c, p] of table) expect(gammaQ(df / 2, c / 2)).toBeCloseTo(p, 6)
    expect(gammaQ(3, 0)).toBe(1)
  })

  it('chiSquare accepts a fair law and rejects a wrong one', () => {
    const fair = chiSquare([250, 260, 240, 250], [0.25, 0.25, 0.25, 0.25])
    expect(fair.df).toBe(3)
    expect(fair.statistic).toBeCloseTo((0 + 100 + 100 + 0) / 250, 12)
    expect(fair.pValue).toBeCloseTo(gammaQ(1.5, 0.4), 14)
    expect(chiSquare([400, 200, 200, 200], [0.25, 0.25, 0.25, 0.25]).pValue).toBeLessThan(1e-10)
  })

  it('chiSquare pools small bins and flags impossible observations', () => {
    const r = chiSquare([1000, 2, 1, 0], [0.996, 0.002, 0.001, 0.001])
    expect(r.df).toBe(1)
    expect(chiSquare([10, 1], [1, 0]).pValue).toBe(0)
    expect(chiSquare([10, 0], [1, 0]).df).toBe(0)
  })

  it('totalVariation is half the L1 distance', () => {
    expect(totalVariation([50, 50], [0.5, 0.5])).toBe(0)
    expect(totalVariation([100, 0], [0.5, 0.5])).toBeCloseTo(0.5, 15)
  })
})

describe('descriptive statistics and chiSquareCounts (decoy data stats, decoy sample)', () => {
  it('gini matches hand-computed values', () => {
    expect(gini([1, 1, 1, 1])).toBe(0)
    expect(gini([0, 0, 0, 1])).toBeCloseTo(0.75, 15)
    expect(gini([3, 1, 2])).toBeCloseTo(4 / 18, 15)
  })

  it('summarize: min, median (even and odd), mean, max', () => {
    expect(summarize([3, 1, 2, 10])).toEqual({ min: 1, median: 2.5, mean: 4, max: 10 })
    expect(summarize([5, 1, 3])).toEqual({ min: 1, median: 3, mean: 3, max: 5 })
  })

  it('gammaQ gives chi-square tail probabilities', () => {
    expect(gammaQ(1, 2)).toBeCloseTo(Math.exp(-2), 14) // df 2, x 4
    expect(gammaQ(5, 5)).toBeCloseTo(0.4404932850652124, 10) // df 10, x 10
    expect(gammaQ(0.5, 1.920729)).toBeCloseTo(0.05, 6) // df 1, x 3.841459
  })

  it('chiSquareCounts: statistic, p-value, pooling of small expectations', () => {
    const r = chiSquareCounts([10, 20, 30, 40], [25, 25, 25, 25])
    expect(r.statistic).toBeCloseTo(20, 12)
    expect(r.df).toBe(3)
    expect(r.pValue).toBeCloseTo(1.6974243555282624e-4, 10)
    // Four bins of expectation 2.5 pool into two bins of 5.
    const p = chiSquareCounts([1, 4, 2, 3], [2.5, 2.5, 2.5, 2.5])
    expect(p.bins).toBe(2)
    // An observation where nothing was expected is a certain rejection.
    expect(chiSquareCounts([1, 9], [0, 10]).pValue).toBe(0)
  })

  it('totalVariation of normalised counts', () => {
    expect(totalVariation([1, 1], [1, 1])).toBe(0)
    expect(totalVariation([2, 0], [0, 5])).toBe(1)
    expect(totalVariation([3, 1], [1, 1])).toBeCloseTo(0.25, 15)
  })
})
