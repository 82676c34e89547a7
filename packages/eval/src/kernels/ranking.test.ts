import { describe, expect, it } from 'vitest'
import {
  HR,
  MAP,
  MRR,
  NDCG,
  NUM_RANK_METRICS,
  PRECISION,
  RANK_METRIC_NAMES,
  RECALL,
  rankingMetrics,
  singleRelevantMetrics,
} from './ranking.js'

/** Reads block j of a kernel output as a named record. */
function block(out: Float64Array, j: number): Record<string, number> {
  const r: Record<string, number> = {}
  for (let m = 0; m < NUM_RANK_METRICS; m++) r[RANK_METRIC_NAMES[m]] = out[j * NUM_RANK_METRICS + m]
  return r
}

describe('rankingMetrics (hand-computed)', () => {
  it('names blocks in index order', () => {
    expect([PRECISION, RECALL, NDCG, HR, MRR, MAP].map((i) => RANK_METRIC_NAMES[i])).toEqual([
      'precision',
      'recall',
      'ndcg',
      'hr',
      'mrr',
      'map',
    ])
  })

  // ranked [5, 2, 9, 7, 1], relevant {2, 7, 8}: hits at ranks 1 and 3 (0-based), T = 3.
  const ranked = new Int32Array([5, 2, 9, 7, 1])
  const relevant = new Int32Array([2, 7, 8])
  const ks = new Int32Array([1, 3, 5])

  it('computes every metric at K = 1, 3, 5 in one call', () => {
    const out = new Float64Array(3 * NUM_RANK_METRICS)
    const hits = rankingMetrics(ranked, 0, relevant, 0, 3, ks, 3, out, 0)
    expect(hits).toBe(2)
    expect(block(out, 0)).toEqual({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 })
    const at3 = block(out, 1)
    expect(at3.precision).toBeCloseTo(1 / 3, 12)
    expect(at3.recall).toBeCloseTo(1 / 3, 12)
    // DCG = 1/log2(3); IDCG = 1 + 1/log2(3) + 1/2 (three relevant, K = 3)
    expect(at3.ndcg).toBeCloseTo(0.2960819109658652, 12)
    expect(at3.hr).toBe(1)
    expect(at3.mrr).toBe(0.5)
    // AP: precision 1/2 at the hit, normalised by min(T, K) = 3
    expect(at3.map).toBeCloseTo(1 / 6, 12)
    const at5 = block(out, 2)
    expect(at5.precision).toBeCloseTo(2 / 5, 12)
    expect(at5.recall).toBeCloseTo(2 / 3, 12)
    // DCG = 1/log2(3) + 1/log2(5); IDCG unchanged (min(T, K) = 3)
    expect(at5.ndcg).toBeCloseTo(0.49818925746641285, 12)
    expect(at5.hr).toBe(1)
    expect(at5.mrr).toBe(0.5)
    // AP = (1/2 + 2/4) / 3
    expect(at5.map).toBeCloseTo(1 / 3, 12)
  })

  it('normalises NDCG and MAP by min(T, K) and recall by T when T > K', () => {
    const rel = new Int32Array([0, 1, 2, 3, 4, 5])
    const out = new Float64Array(2 * NUM_RANK_METRICS)
    rankingMetrics(new Int32Array([0, 1, 9]), 0, rel, 0, 6, new Int32Array([2, 3]), 2, out, 0)
    expect(block(out, 0)).toEqual({ precision: 1, recall: 2 / 6, ndcg: 1, hr: 1, mrr: 1, map: 1 })
    const at3 = block(out, 1)
    expect(at3.precision).toBeCloseTo(2 / 3, 12)
    expect(at3.recall).toBeCloseTo(1 / 3, 12)
    expect(at3.ndcg).toBeCloseTo(0.7653606369886217, 12)
    expect(at3.map).toBeCloseTo(2 / 3, 12)
    expect(at3.mrr).toBe(1)
  })

  it('reads lists and CSR runs at offsets, and padding never hits', () => {
    // list for this user starts at offset 4; relevant run is items[2..4) = {3, 6}
    const lists = new Int32Array([9, 9, 9, 9, 6, -1, -1, -1])
    const csr = new Int32Array([-1, -1, 3, 6, 0])
    const out = new Float64Array(1 + NUM_RANK_METRICS)
    out[0] = 42
    const hits = rankingMetrics(lists, 4, csr, 2, 4, new Int32Array([4]), 1, out, 1)
    expect(hits).toBe(1)
    expect(out[0]).toBe(42)
    expect(out[1 + PRECISION]).toBe(1 / 4)
    expect(out[1 + RECALL]).toBe(1 / 2)
    // DCG = 1, IDCG = 1 + 1/log2(3)
    expect(out[1 + NDCG]).toBeCloseTo(1 / (1 + 1 / Math.log2(3)), 12)
    expect(out[1 + MRR]).toBe(1)
    expect(out[1 + MAP]).toBe(1 / 2)
  })

  it('gives zeros when the user has no relevant items', () => {
    const out = new Float64Array(NUM_RANK_METRICS).fill(7)
    rankingMetrics(new Int32Array([1, 2]), 0, new Int32Array(0), 0, 0, new Int32Array([2]), 1, out, 0)
    expect([...out]).toEqual([0, 0, 0, 0, 0, 0])
  })

  it('scores a perfect list as 1 everywhere', () => {
    const out = new Float64Array(NUM_RANK_METRICS)
    rankingMetrics(new Int32Array([4, 1, 8]), 0, new Int32Array([1, 4, 8]), 0, 3, new Int32Array([3]), 1, out, 0)
    for (let m = 0; m < NUM_RANK_METRICS; m++) expect(out[m]).toBeCloseTo(1, 12)
  })
})

describe('singleRelevantMetrics (hand-computed)', () => {
  const ks = new Int32Array([1, 3, 5])
  it('accumulates one positive at rank 2 into K = 3 and 5 only', () => {
    const acc = new Float64Array(3 * NUM_RANK_METRICS)
    singleRelevantMetrics(2, ks, 3, acc, 0)
    expect(block(acc, 0)).toEqual({ precision: 0, recall: 0, ndcg: 0, hr: 0, mrr: 0, map: 0 })
    expect(block(acc, 1)).toEqual({ precision: 1 / 3, recall: 1, ndcg: 0.5, hr: 1, mrr: 1 / 3, map: 1 / 3 })
    expect(block(acc, 2)).toEqual({ precision: 1 / 5, recall: 1, ndcg: 0.5, hr: 1, mrr: 1 / 3, map: 1 / 3 })
    // a second positive at rank 0 adds on top; one beyond every K adds nothing
    singleRelevantMetrics(0, ks, 3, acc, 0)
    singleRelevantMetrics(9, ks, 3, acc, 0)
    expect(block(acc, 0)).toEqual({ precision: 1, recall: 1, ndcg: 1, hr: 1, mrr: 1, map: 1 })
    expect(block(acc, 1).ndcg).toBe(1.5)
    expect(block(acc, 1).mrr).toBeCloseTo(4 / 3, 12)
  })

  it('agrees with rankingMetrics on a one-relevant list', () => {
    const ranked = new Int32Array([3, 8, 5, 1, 0])
    const full = new Float64Array(3 * NUM_RANK_METRICS)
    rankingMetrics(ranked, 0, new Int32Array([1]), 0, 1, ks, 3, full, 0)
    const single = new Float64Array(3 * NUM_RANK_METRICS)
    singleRelevantMetrics(3, ks, 3, single, 0)
    for (let i = 0; i < full.length; i++) expect(single[i]).toBeCloseTo(full[i], 12)
  })
})
