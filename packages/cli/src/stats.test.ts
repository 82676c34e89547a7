import { describe, expect, it } from 'vitest'
import { buildInteractions } from '@decoy/core'
import { chiSquare, gammaQ, gini, summarize, totalVariation } from './stats.js'
import { expectedCounts } from './law.js'

describe('stats', () => {
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

  it('chiSquare: statistic, p-value, pooling of small expectations', () => {
    const r = chiSquare([10, 20, 30, 40], [25, 25, 25, 25])
    expect(r.statistic).toBeCloseTo(20, 12)
    expect(r.df).toBe(3)
    expect(r.pValue).toBeCloseTo(1.6974243555282624e-4, 10)
    // Four bins of expectation 2.5 pool into two bins of 5.
    const p = chiSquare([1, 4, 2, 3], [2.5, 2.5, 2.5, 2.5])
    expect(p.bins).toBe(2)
    // An observation where nothing was expected is a certain rejection.
    expect(chiSquare([1, 9], [0, 10]).pValue).toBe(0)
  })

  it('totalVariation of normalised counts', () => {
    expect(totalVariation([1, 1], [1, 1])).toBe(0)
    expect(totalVariation([2, 0], [0, 5])).toBe(1)
    expect(totalVariation([3, 1], [1, 1])).toBeCloseTo(0.25, 15)
  })

  it('expectedCounts conditions the law on each user\'s complement', () => {
    // 2 users × 3 items; user 0 owns item 0, user 1 owns items 1 and 2.
    const x = buildInteractions({ users: Int32Array.of(0, 1, 1), items: Int32Array.of(0, 1, 2) }, { numUsers: 2, numItems: 3 })
    const p = Float64Array.of(0.5, 0.25, 0.25)
    const e = expectedCounts(p, x, Float64Array.of(10, 4), true)
    // user 0: 10 draws over items 1, 2 with 0.5/0.5; user 1: 4 draws all on item 0.
    expect(Array.from(e)).toEqual([4, 5, 5])
    expect(Array.from(expectedCounts(p, x, Float64Array.of(10, 4), false))).toEqual([7, 3.5, 3.5])
  })
})
