import { describe, expect, it } from 'vitest'
import { pairedComparison, type EvalResult } from '@decoy/eval'

/** A minimal EvalResult carrying one per-user metric. */
function run(users: number[], values: number[], sampled = false, key = 'ndcg@10'): EvalResult {
  const col = Float64Array.from(values)
  return {
    metrics: { [key]: values.reduce((s, v) => s + v, 0) / values.length },
    perUser: { [key]: col },
    users: Int32Array.from(users),
    numUsers: users.length,
    k: [10],
    testItems: users.length,
    unseenTestItems: 0,
    maskedTestItems: 0,
    sampled,
    warnings: [],
  }
}

describe('pairedComparison', () => {
  const a = run([0, 1, 2, 3], [0.5, 0.7, 0.2, 0.9])
  const b = run([0, 1, 2, 3], [0.4, 0.5, 0.3, 0.6])

  it('matches scipy.stats.ttest_rel', () => {
    const c = pairedComparison(a, b, 'ndcg@10')
    // differences [0.1, 0.2, -0.1, 0.3]
    expect(c.n).toBe(4)
    expect(c.df).toBe(3)
    expect(c.meanDiff).toBeCloseTo(0.125, 14)
    expect(c.meanA).toBeCloseTo(0.575, 14)
    expect(c.meanB).toBeCloseTo(0.45, 14)
    expect(c.sdDiff).toBeCloseTo(Math.sqrt(0.0875 / 3), 14)
    expect(c.tStat).toBeCloseTo(1.4638501094227998, 12)
    expect(c.pValue).toBeCloseTo(0.23944259863600298, 12)
    expect(c.confidence).toBe(0.95)
    expect(c.ci[0]).toBeCloseTo(-0.1467530883796015, 11)
    expect(c.ci[1]).toBeCloseTo(0.3967530883796015, 11)
    const c90 = pairedComparison(a, b, 'ndcg@10', { confidence: 0.9 })
    expect(c90.ci[0]).toBeCloseTo(-0.07595666042353222, 11)
    expect(c90.ci[1]).toBeCloseTo(0.3259566604235321, 11)
  })

  it('pairs by user id, whatever the order, over common users only', () => {
    // b2 holds the same values in another order plus user 9; a2 lacks nothing of b's four.
    const b2 = run([9, 3, 1, 0, 2], [0.0, 0.6, 0.5, 0.4, 0.3])
    const a2 = run([2, 0, 3, 1, 7], [0.2, 0.5, 0.9, 0.7, 1.0])
    const c = pairedComparison(a2, b2, 'ndcg@10')
    expect(c.n).toBe(4)
    expect(c.tStat).toBeCloseTo(1.4638501094227998, 12)
    expect(pairedComparison(b2, a2, 'ndcg@10').meanDiff).toBeCloseTo(-0.125, 14)
  })

  it('handles identical differences without dividing by zero', () => {
    const same = pairedComparison(a, a, 'ndcg@10')
    expect(same).toMatchObject({ meanDiff: 0, tStat: 0, pValue: 1, ci: [0, 0] })
    const shifted = pairedComparison(run([0, 1, 2], [0.5, 0.75, 1]), run([0, 1, 2], [0.25, 0.5, 0.75]), 'ndcg@10')
    expect(shifted.meanDiff).toBe(0.25)
    expect(shifted.ci).toEqual([0.25, 0.25])
    expect(shifted.pValue).toBe(0)
    expect(shifted.tStat).toBe(Infinity)
  })

  it('rejects mismatched or insufficient inputs', () => {
    expect(() => pairedComparison(a, b, 'recall@20')).toThrow(/metric "recall@20" is not in both runs.*available: ndcg@10/)
    expect(() => pairedComparison(a, run([0, 1, 2, 3], [0, 0, 0, 0], true), 'ndcg@10')).toThrow(/sampled run with a full-ranking run/)
    expect(() => pairedComparison(a, run([3, 8], [0.1, 0.2]), 'ndcg@10')).toThrow(/at least 2 users common to both runs, found 1/)
    expect(() => pairedComparison(a, b, 'ndcg@10', { confidence: 1 })).toThrow(/confidence must be in/)
  })
})
