import { afterEach, describe, expect, it, vi } from 'vitest'
import { buildInteractions, createRng, IdMap, type Interactions } from '@decoy/core'
import { evaluate, SAMPLED_WARNING, type EvaluableModel } from '@decoy/eval'

/** CSR from a list of rows (row u = items of user u). */
function csr(rows: number[][], numItems: number, userIds?: IdMap): Interactions {
  const users: number[] = []
  const items: number[] = []
  rows.forEach((r, u) => r.forEach((i) => (users.push(u), items.push(i))))
  return buildInteractions({ users: Int32Array.from(users), items: Int32Array.from(items) }, { numUsers: rows.length, numItems, userIds })
}

/** A model with a fixed score table per user. */
function tableModel(table: number[][]): EvaluableModel {
  return {
    numItems: table[0].length,
    scoreAll(user: number, out: Float32Array) {
      out.set(table[user])
    },
  }
}

const d = (r: number): number => 1 / Math.log2(r + 2)

describe('evaluate: full ranking (hand-computed)', () => {
  // 6 items. u2 has no test items and is skipped.
  const train = csr([[0, 1], [2], [0, 1, 2, 3]], 6)
  const test = csr([[3, 5], [0], []], 6)
  const model = tableModel([
    [9, 8, 7, 6, 5, 4], // after masking {0,1}: 2, 3, 4, 5
    [6, 5, 4, 3, 2, 1], // after masking {2}:   0, 1, 3, 4
    [0, 0, 0, 0, 0, 0],
  ])

  it('takes one named object, so train and test cannot be swapped by position', () => {
    const positional = evaluate(model, train, test, { k: [1, 2, 4] })
    const named = evaluate({ model, train, test, k: [1, 2, 4] })
    expect(named.metrics).toEqual(positional.metrics)
    expect(named.users).toEqual(positional.users)
    // A call with neither form is refused with both forms named.
    expect(() => (evaluate as unknown as (...a: unknown[]) => unknown)(model, train)).toThrow(/evaluate\(\{ model, train, test/)
  })

  it('computes all metrics at every K, per user and averaged', () => {
    const res = evaluate(model, train, test, { k: [4, 1, 2, 2] })
    expect(res.sampled).toBe(false)
    expect(res.k).toEqual([1, 2, 4])
    expect([...res.users]).toEqual([0, 1])
    expect(res.numUsers).toBe(2)
    expect(res.testItems).toBe(3)
    expect(res.unseenTestItems).toBe(1) // item 5 never occurs in train
    expect(res.maskedTestItems).toBe(0)
    expect(res.warnings).toEqual([])
    const pu = (key: string): number[] => [...res.perUser[key]]
    // u0 list [2, 3, 4, 5], test {3, 5}: hits at ranks 1 and 3. u1 list [0, 1, 3, 4], test {0}.
    expect(pu('precision@1')).toEqual([0, 1])
    expect(pu('recall@1')).toEqual([0, 1])
    expect(pu('ndcg@1')).toEqual([0, 1])
    expect(pu('precision@2')).toEqual([0.5, 0.5])
    expect(pu('hr@2')).toEqual([1, 1])
    expect(pu('mrr@2')).toEqual([0.5, 1])
    expect(pu('map@2')).toEqual([0.25, 1])
    expect(res.perUser['ndcg@2'][0]).toBeCloseTo(d(1) / (d(0) + d(1)), 12)
    expect(pu('recall@4')).toEqual([1, 1])
    expect(pu('precision@4')).toEqual([0.5, 0.25])
    expect(pu('map@4')).toEqual([0.5, 1])
    expect(res.perUser['ndcg@4'][0]).toBeCloseTo((d(1) + d(3)) / (d(0) + d(1)), 12)
    expect(res.metrics['ndcg@4']).toBeCloseTo(((d(1) + d(3)) / (d(0) + d(1)) + 1) / 2, 12)
    expect(res.metrics['map@2']).toBe(0.625)
    expect(res.metrics['mrr@2']).toBe(0.75)
    expect(res.metrics['recall@1']).toBe(0.5)
    // Coverage: rank-0 items {2, 0}; top-2 {2, 3, 0, 1}; top-4 every item.
    expect(res.metrics['coverage@1']).toBeCloseTo(2 / 6, 12)
    expect(res.metrics['coverage@2']).toBeCloseTo(4 / 6, 12)
    expect(res.metrics['coverage@4']).toBe(1)
    // Train counts [2, 2, 2, 1, 0, 0].
    expect(pu('meanPopularity@1')).toEqual([2, 2])
    expect(pu('meanPopularity@2')).toEqual([1.5, 2])
    expect(pu('meanPopularity@4')).toEqual([0.75, 1.25])
    expect(res.metrics['meanPopularity@4']).toBe(1)
    expect(res.perUser['coverage@4']).toBeUndefined()
  })

  it('masks exclude sets, keeps masked and unseen test items in the denominators', () => {
    const validation = csr([[3]], 6)
    const res = evaluate(model, train, test, { k: [4], exclude: [validation], users: new Int32Array([0]) })
    // u0: masked {0, 1, 3}: list [2, 4, 5, -1]; test {3, 5}: one hit at rank 2, item 3 unreachable.
    expect([...res.users]).toEqual([0])
    expect(res.maskedTestItems).toBe(1)
    expect(res.warnings[0]).toMatch(/1 test interaction\(s\) also occur/)
    expect(res.metrics['recall@4']).toBe(0.5)
    expect(res.metrics['precision@4']).toBe(0.25)
    expect(res.metrics['mrr@4']).toBeCloseTo(1 / 3, 12)
    expect(res.metrics['ndcg@4']).toBeCloseTo(d(2) / (d(0) + d(1)), 12)
    expect(res.metrics['meanPopularity@4']).toBeCloseTo((2 + 0 + 0) / 3, 12) // 3 real items
  })

  it('counts test items the model cannot score as unseen misses', () => {
    const small = tableModel([
      [9, 8, 7, 6, 5],
      [6, 5, 4, 3, 2],
      [0, 0, 0, 0, 0],
    ])
    const res = evaluate(small, train, test, { k: [4] })
    expect(res.unseenTestItems).toBe(1)
    // u0 list [2, 3, 4, -1]: hit 3 only; item 5 is beyond the model and still counts in |test|.
    expect(res.perUser['recall@4'][0]).toBe(0.5)
    expect(res.metrics['coverage@4']).toBe(1) // 5 scoreable items, all recommended
  })

  it('names a test user unknown to train when strict', () => {
    const users = IdMap.from(['ann', 'bob', 'cy', 'dee'])
    const t = csr([[1], [], [], [2]], 6, users)
    expect(() => evaluate(model, train, t, { k: [5], strict: true })).toThrow(/test user 3 \(external id "dee"\) does not occur in train/)
  })

  it('rejects bad options', () => {
    expect(() => evaluate(model, train, test, { k: [] })).toThrow(/options.k must be a non-empty/)
    expect(() => evaluate(model, train, test, { k: [10, 0] })).toThrow(/options.k\[1\] = 0/)
    expect(() => evaluate(model, train, test, { k: [1], users: new Int32Array([9]) })).toThrow(/options.users\[0\] = 9/)
    expect(() => evaluate(model, train, test, { k: [1], users: new Int32Array([1, 0, 1]) })).toThrow(
      /options.users\[2\] = 1 is listed twice/,
    )
    expect(() => evaluate(model, train, csr([[], [], []], 6), { k: [1] })).toThrow(/no test user/)
  })
})

describe('evaluate: agrees with a naive full-sort implementation', () => {
  it('on a random log with ties', () => {
    const rng = createRng('eval-naive')
    const numUsers = 40
    const numItems = 30
    const trainRows: number[][] = []
    const testRows: number[][] = []
    for (let u = 0; u < numUsers; u++) {
      const tr: number[] = []
      const te: number[] = []
      for (let i = 0; i < numItems; i++) {
        const x = rng.float()
        if (x < 0.2) tr.push(i)
        else if (x < 0.35) te.push(i)
      }
      trainRows.push(tr)
      testRows.push(te)
    }
    // Quantised scores produce ties, which both sides break to the lower item id.
    const table = trainRows.map(() => Array.from({ length: numItems }, () => Math.floor(rng.float() * 5)))
    const train = csr(trainRows, numItems)
    const test = csr(testRows, numItems)
    const ks = [1, 5, 10]
    const res = evaluate(tableModel(table), train, test, { k: ks })
    let idx = 0
    for (let u = 0; u < numUsers; u++) {
      const rel = new Set(testRows[u])
      if (rel.size === 0) continue
      expect(res.users[idx]).toBe(u)
      const seen = new Set(trainRows[u])
      const order = table[u]
        .map((s, i) => ({ s, i }))
        .filter((x) => !seen.has(x.i))
        .sort((a, b) => b.s - a.s || a.i - b.i)
        .map((x) => x.i)
      for (const k of ks) {
        const top = order.slice(0, k)
        let hits = 0
        let dcg = 0
        let ap = 0
        let rr = 0
        top.forEach((it, r) => {
          if (!rel.has(it)) return
          hits++
          dcg += d(r)
          ap += hits / (r + 1)
          if (rr === 0) rr = 1 / (r + 1)
        })
        let idcg = 0
        for (let r = 0; r < Math.min(k, rel.size); r++) idcg += d(r)
        expect(res.perUser[`precision@${k}`][idx]).toBeCloseTo(hits / k, 12)
        expect(res.perUser[`recall@${k}`][idx]).toBeCloseTo(hits / rel.size, 12)
        expect(res.perUser[`ndcg@${k}`][idx]).toBeCloseTo(dcg / idcg, 12)
        expect(res.perUser[`hr@${k}`][idx]).toBe(hits > 0 ? 1 : 0)
        expect(res.perUser[`mrr@${k}`][idx]).toBeCloseTo(rr, 12)
        expect(res.perUser[`map@${k}`][idx]).toBeCloseTo(ap / Math.min(k, rel.size), 12)
      }
      idx++
    }
    expect(idx).toBe(res.numUsers)
  })
})

describe('evaluate: sampled candidates (opt-in)', () => {
  afterEach(() => vi.restoreAllMocks())

  it('ranks against the only eligible negatives, flags and warns', () => {
    const warn = vi.spyOn(console, 'warn').mockImplementation(() => {})
    // 4 items; user 0 saw {0}, test {1}: the 2 negatives can only be {2, 3}.
    const train = csr([[0]], 4)
    const test = csr([[1]], 4)
    const res = evaluate(tableModel([[0, 5, 7, 1]]), train, test, { k: [1, 2], sampled: { negatives: 2, seed: 1 } })
    expect(res.sampled).toBe(true)
    expect(res.negatives).toBe(2)
    expect(res.seed).toBe('1')
    expect(res.warnings[0]).toBe(SAMPLED_WARNING)
    expect(res.warnings[0]).toMatch(/Krichene & Rendle/)
    expect(warn).toHaveBeenCalledTimes(1)
    expect(Object.keys(res.metrics).every((key) => key.startsWith('sampled_'))).toBe(true)
    // item 2 (score 7) beats the positive (5); item 3 (1) does not: rank 1.
    expect(res.metrics['sampled_hr@1']).toBe(0)
    expect(res.metrics['sampled_hr@2']).toBe(1)
    expect(res.metrics['sampled_ndcg@2']).toBeCloseTo(d(1), 12)
    expect(res.metrics['sampled_mrr@2']).toBe(0.5)
    expect(res.metrics['sampled_precision@2']).toBe(0.5)
    expect(res.metrics['ndcg@2']).toBeUndefined()
  })

  it('breaks score ties to the lower item id, as full ranking does', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const flat = tableModel([[1, 1, 1, 1]])
    const opts = { k: [1, 3], sampled: { negatives: 2, seed: 5 } }
    // positive 1 vs negatives {2, 3}: wins both ties; positive 3 vs {1, 2}: loses both.
    expect(evaluate(flat, csr([[0]], 4), csr([[1]], 4), opts).metrics['sampled_hr@1']).toBe(1)
    const last = evaluate(flat, csr([[0]], 4), csr([[3]], 4), opts)
    expect(last.metrics['sampled_hr@1']).toBe(0)
    expect(last.metrics['sampled_mrr@3']).toBeCloseTo(1 / 3, 12)
  })

  it('never draws a train or test item of the user as a negative', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const rng = createRng('sampled-exclusion')
    const numItems = 50
    const trainRows: number[][] = []
    const testRows: number[][] = []
    for (let u = 0; u < 30; u++) {
      const tr: number[] = []
      const te: number[] = []
      for (let i = 0; i < numItems; i++) {
        const x = rng.float()
        if (x < 0.3) tr.push(i)
        else if (x < 0.4) te.push(i)
      }
      trainRows.push(tr)
      testRows.push(te)
    }
    // Train items score highest, test items next, the rest 0: any leak of a train item or another
    // test item into the negatives would push a positive below rank 0.
    const table = trainRows.map((tr, u) => {
      const row = new Array(numItems).fill(0)
      for (const i of tr) row[i] = 100
      for (const i of testRows[u]) row[i] = 1
      return row
    })
    const res = evaluate(tableModel(table), csr(trainRows, numItems), csr(testRows, numItems), {
      k: [1],
      sampled: { negatives: 20, seed: 3 },
    })
    expect(res.numUsers).toBeGreaterThan(20)
    expect(res.metrics['sampled_hr@1']).toBe(1)
  })

  it('freezes negatives: identical across models and runs, different across seeds', () => {
    vi.spyOn(console, 'warn').mockImplementation(() => {})
    const numItems = 200
    const numUsers = 25
    const trainRows = Array.from({ length: numUsers }, (_, u) => [u, u + 50])
    const testRows = Array.from({ length: numUsers }, (_, u) => [u + 100])
    const train = csr(trainRows, numItems)
    const test = csr(testRows, numItems)
    const up: EvaluableModel = { numItems, scoreAll: (_u, out) => out.forEach((_, i) => (out[i] = i)) }
    const down: EvaluableModel = { numItems, scoreAll: (_u, out) => out.forEach((_, i) => (out[i] = -i)) }
    const n = 30
    const opts = { k: [n + 1], sampled: { negatives: n, seed: 'frozen' } }
    const a = evaluate(up, train, test, opts)
    const b = evaluate(down, train, test, opts)
    // With K = N + 1 every rank is inside K, so mrr = 1/(rank + 1). "up" ranks the positive below
    // negatives with a larger id, "down" below those with a smaller id: on the same negatives the
    // two ranks add up to N exactly.
    const key = `sampled_mrr@${n + 1}`
    for (let i = 0; i < numUsers; i++) {
      expect(1 / a.perUser[key][i] - 1 + (1 / b.perUser[key][i] - 1)).toBeCloseTo(n, 9)
    }
    expect([...evaluate(up, train, test, opts).perUser[key]]).toEqual([...a.perUser[key]])
    const other = evaluate(up, train, test, { k: [n + 1], sampled: { negatives: n, seed: 'other' } })
    expect([...other.perUser[key]]).not.toEqual([...a.perUser[key]])
  })

  it('rejects more negatives than the user has unseen items', () => {
    expect(() =>
      evaluate(tableModel([[0, 5, 7, 1]]), csr([[0]], 4), csr([[1]], 4), { k: [1], sampled: { negatives: 3, seed: 1 } }),
    ).toThrow(/only 2 items left to sample/)
  })
})
