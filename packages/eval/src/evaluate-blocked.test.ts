import { describe, expect, it } from 'vitest'
import {
  buildInteractions,
  createRng,
  dotScoreRow,
  dotTopK,
  IdMap,
  type DotFactors,
  type ExclusionRows,
  type Interactions,
} from '@decoy/core'
import { prngBelow, prngNormal } from '@decoy/core/kernels'
import { evaluate, evaluateAsync, type EvalResult, type EvaluableModel } from '@decoy/eval'

/** CSR from (user, item) pairs. */
function csr(users: number[], items: number[], numUsers: number, numItems: number, userIds?: IdMap): Interactions {
  return buildInteractions({ users: Int32Array.from(users), items: Int32Array.from(items) }, { numUsers, numItems, userIds })
}

/** A dot-product model over given factors: scoreAll = dotScoreRow, factors() lends them. */
function dotModel(f: DotFactors): EvaluableModel {
  return { numItems: f.numItems, scoreAll: (u, out) => dotScoreRow(f, u, out), factors: () => f }
}

/** Random log and random factors; `levels` quantises the factors so that scores tie. */
function randomCase(numUsers: number, numItems: number, dim: number, seed: string, levels = 0) {
  const st = createRng(seed).state
  const draw = (): number => (levels > 0 ? (prngBelow(st, levels) - (levels >> 1)) / 2 : prngNormal(st))
  const f: DotFactors = {
    dim,
    numUsers,
    numItems,
    userFactors: Float32Array.from({ length: numUsers * dim }, draw),
    itemFactors: Float32Array.from({ length: numItems * dim }, draw),
    itemBias: Float32Array.from({ length: numItems }, () => (levels > 0 ? prngBelow(st, 2) : 0.2 * prngNormal(st))),
  }
  const tr: [number[], number[]] = [[], []]
  const te: [number[], number[]] = [[], []]
  for (let u = 0; u < numUsers; u++) {
    const n = 1 + prngBelow(st, 30)
    for (let j = 0; j < n; j++) {
      const dst = prngBelow(st, 5) === 0 ? te : tr
      dst[0].push(u)
      dst[1].push(prngBelow(st, numItems))
    }
  }
  return { f, train: csr(tr[0], tr[1], numUsers, numItems), test: csr(te[0], te[1], numUsers, numItems) }
}

/** Planted clusters: users prefer their cluster's items; factors near the cluster centroid. */
function plantedCase(numUsers: number, numItems: number, dim: number, clusters: number, seed: string) {
  const st = createRng(seed).state
  const tr: [number[], number[]] = [[], []]
  const te: [number[], number[]] = [[], []]
  const userFactors = new Float32Array(numUsers * dim)
  const itemFactors = new Float32Array(numItems * dim)
  for (let i = 0; i < numItems; i++)
    for (let x = 0; x < dim; x++) itemFactors[i * dim + x] = (x % clusters === i % clusters ? 1 : 0) + 0.1 * prngNormal(st)
  for (let u = 0; u < numUsers; u++) {
    const c = u % clusters
    for (let x = 0; x < dim; x++) userFactors[u * dim + x] = (x % clusters === c ? 1 : 0) + 0.1 * prngNormal(st)
    for (let j = 0; j < 20; j++) {
      const item = prngBelow(st, Math.floor(numItems / clusters)) * clusters + c
      const dst = j % 5 === 0 ? te : tr
      dst[0].push(u)
      dst[1].push(item < numItems ? item : c)
    }
  }
  const f: DotFactors = { dim, numUsers, numItems, userFactors, itemFactors }
  return { f, train: csr(tr[0], tr[1], numUsers, numItems), test: csr(te[0], te[1], numUsers, numItems) }
}

function expectSameResult(a: EvalResult, b: EvalResult): void {
  expect(Object.keys(a.metrics).sort()).toEqual(Object.keys(b.metrics).sort())
  for (const key of Object.keys(a.metrics)) expect(a.metrics[key], key).toBe(b.metrics[key])
  for (const key of Object.keys(a.perUser)) expect(a.perUser[key], key).toEqual(b.perUser[key])
  expect(a.users).toEqual(b.users)
  expect([a.testItems, a.unseenTestItems, a.maskedTestItems]).toEqual([b.testItems, b.unseenTestItems, b.maskedTestItems])
}

describe('evaluate: blocked ranking equals the per-user evaluator', () => {
  it('on random data, with an extra exclusion set', () => {
    const { f, train, test } = randomCase(300, 500, 16, 'random')
    const valid = randomCase(300, 500, 16, 'valid').test
    const opts = { k: [1, 5, 10, 50], exclude: [valid] }
    expectSameResult(evaluate(dotModel(f), train, test, opts), evaluate(dotModel(f), train, test, { ...opts, ranking: 'per-user' }))
  })

  it('with many exact ties (quantised factors)', () => {
    const { f, train, test } = randomCase(200, 300, 2, 'ties', 3)
    const a = evaluate(dotModel(f), train, test, { k: [10, 20] })
    const b = evaluate(dotModel(f), train, test, { k: [10, 20], ranking: 'per-user' })
    expectSameResult(a, b)
    // The case really has ties inside the top 20.
    const top = dotTopK(f, Int32Array.of(0, 1, 2, 3), 20)
    let ties = 0
    for (let j = 1; j < top.scores.length; j++) if (j % 20 !== 0 && top.scores[j] === top.scores[j - 1]) ties++
    expect(ties).toBeGreaterThan(10)
  })

  it('on planted clusters, where the model ranks well', () => {
    const { f, train, test } = plantedCase(400, 1000, 8, 8, 'planted')
    const a = evaluate(dotModel(f), train, test, { k: [10, 20] })
    expectSameResult(a, evaluate(dotModel(f), train, test, { k: [10, 20], ranking: 'per-user' }))
    expect(a.metrics['recall@20']).toBeGreaterThan(0.1)
  })

  it('with k beyond the catalogue', () => {
    const { f, train, test } = randomCase(40, 12, 4, 'tiny')
    expectSameResult(
      evaluate(dotModel(f), train, test, { k: [5, 30] }),
      evaluate(dotModel(f), train, test, { k: [5, 30], ranking: 'per-user' }),
    )
  })

  it('with ties, k beyond the catalogue, users without test items or train rows, and a second exclusion set', () => {
    const { f, train: full, test } = randomCase(90, 37, 3, 'edges', 3)
    // Users 0..9 lose their train rows; the user list also names users without test items.
    const keep = (u: number): boolean => u >= 10
    const tr: [number[], number[]] = [[], []]
    for (let u = 0; u < 90; u++)
      for (let j = full.indptr[u]; j < full.indptr[u + 1]; j++)
        if (keep(u)) {
          tr[0].push(u)
          tr[1].push(full.items[j])
        }
    const train = csr(tr[0], tr[1], 90, 37)
    const valid = randomCase(60, 37, 3, 'edges-valid').test
    const noTest = Array.from({ length: 90 }, (_, u) => u).filter((u) => test.indptr[u + 1] === test.indptr[u])
    expect(noTest.length).toBeGreaterThan(0)
    const users = Int32Array.from([...noTest.slice(0, 3), ...Array.from({ length: 90 }, (_, u) => u).filter((u) => !noTest.includes(u))])
    const opts = { k: [1, 10, 50], exclude: [valid], users }
    const a = evaluate(dotModel(f), train, test, opts)
    expectSameResult(a, evaluate(dotModel(f), train, test, { ...opts, ranking: 'per-user' }))
    expect(a.users.length).toBe(90 - noTest.length)
  })

  it('evaluateAsync delegates ranking to a runner and gets the same result', async () => {
    const { f, train, test } = randomCase(120, 90, 8, 'async')
    let calls = 0
    const runner = async (g: DotFactors, users: Int32Array, k: number, exclude: ExclusionRows[]) => {
      calls++
      return dotTopK(g, users, k, { exclude })
    }
    const a = await evaluateAsync(dotModel(f), train, test, { k: [10], topK: runner })
    expect(calls).toBe(1)
    expectSameResult(a, evaluate(dotModel(f), train, test, { k: [10], ranking: 'per-user' }))
  })
})

describe('evaluate: unknown test users and items', () => {
  const ids = IdMap.from(['a', 'b', 'c', 'd', 'e'])
  // Train knows users a, b, c (ids 0..2) and items 0..5; test adds users d, e and items 6, 7.
  const train = csr([0, 0, 1, 2, 2], [0, 1, 2, 3, 4], 3, 6, IdMap.from(['a', 'b', 'c']))
  const test = csr([0, 0, 1, 3, 3, 4], [5, 6, 7, 1, 2, 6], 5, 8, ids)
  const model: EvaluableModel = {
    numItems: 6,
    scoreAll(u, out) {
      for (let i = 0; i < 6; i++) out[i] = (i * 7 + u) % 6
    },
  }

  it('evaluates the known users, counts unknown users and items, keeps unknown items in the denominators', () => {
    const r = evaluate(model, train, test, { k: [6] })
    expect(Array.from(r.users)).toEqual([0, 1])
    expect(r.unknownUsers).toBe(2)
    expect(r.unknownUserInteractions).toBe(3)
    expect(r.unknownItems).toBe(2)
    expect(r.testItems).toBe(3)
    // User a: items 5 (scoreable) and 6 (unknown); the list holds every unmasked item, so recall is 1/2.
    expect(r.perUser['recall@6'][0]).toBe(0.5)
    expect(r.perUser['recall@6'][1]).toBe(0)
    expect(r.warnings.join(' ')).toMatch(/2 test user\(s\) with 3 test interaction\(s\) do not occur in train/)
  })

  it('strict restores the error', () => {
    expect(() => evaluate(model, train, test, { k: [6], strict: true })).toThrow(/test user 3 \(external id "d"\) does not occur in train/)
  })
})
