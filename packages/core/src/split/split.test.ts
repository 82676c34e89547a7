import { describe, expect, it } from 'vitest'
import { buildInteractions, splitLeaveLast, splitRandom, splitTemporal, type Interactions, type Split } from '@decoy/core'

/** A seeded log: 200 users with 1..40 interactions over 300 items, distinct times per user. */
function makeLog(): Interactions {
  let s = 99
  const rnd = (n: number): number => {
    s = (Math.imul(s, 1103515245) + 12345) >>> 0
    return (s >>> 8) % n
  }
  const users: number[] = []
  const items: number[] = []
  const times: number[] = []
  const weights: number[] = []
  for (let u = 0; u < 200; u++) {
    const n = 1 + rnd(40)
    for (let j = 0; j < n; j++) {
      users.push(u)
      items.push(rnd(300))
      times.push(1000 + rnd(500)) // repeated times: leave-last must break ties by item
      weights.push(1 + rnd(5))
    }
  }
  return buildInteractions({
    users: Int32Array.from(users),
    items: Int32Array.from(items),
    times: Float64Array.from(times),
    weights: Float32Array.from(weights),
  })
}

const log = makeLog()

function rows(x: Interactions, u: number): number[] {
  return Array.from(x.items.subarray(x.indptr[u], x.indptr[u + 1]))
}

/** Every interaction is on exactly one side (or dropped), weights/times follow, no pair on both. */
function checkPartition(x: Interactions, sp: Split, allowDrop = false): void {
  const { train, test } = sp
  expect(train.userIds).toBe(x.userIds)
  expect(test.itemIds).toBe(x.itemIds)
  expect(train.numItems).toBe(x.numItems)
  expect(test.numItems).toBe(x.numItems)
  expect(test.numUsers).toBe(x.numUsers)
  const problems: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    const tr = new Set(rows(train, u))
    for (const i of rows(test, u)) if (tr.has(i)) problems.push(`user ${u} item ${i} on both sides`)
    if (!allowDrop && tr.size + rows(test, u).length !== x.indptr[u + 1] - x.indptr[u]) problems.push(`user ${u} lost rows`)
    const all = rows(x, u)
    for (const side of [train, test]) {
      for (let j = side.indptr[u]; j < side.indptr[u + 1]; j++) {
        const k = x.indptr[u] + all.indexOf(side.items[j])
        if (side.weights![j] !== x.weights![k] || side.times![j] !== x.times![k]) problems.push(`user ${u} row ${j}: weight/time moved`)
        if (j > side.indptr[u] && side.items[j] <= side.items[j - 1]) problems.push(`user ${u} row ${j}: not sorted`)
      }
    }
  }
  expect(problems).toEqual([])
}

describe('splitRandom', () => {
  const sp = splitRandom(log, { testFraction: 0.25, seed: 42, minInteractions: 5 })
  it('partitions every user with no pair on both sides', () => checkPartition(log, sp))
  it('holds out round(n·f) per user and keeps small users in train', () => {
    for (let u = 0; u < log.numUsers; u++) {
      const n = log.indptr[u + 1] - log.indptr[u]
      const nt = sp.test.indptr[u + 1] - sp.test.indptr[u]
      if (n < 5) expect(nt).toBe(0)
      else expect(nt).toBe(Math.min(n - 1, Math.max(1, Math.round(n * 0.25))))
    }
  })
  it('is deterministic for a seed and differs across seeds', () => {
    const again = splitRandom(log, { testFraction: 0.25, seed: 42, minInteractions: 5 })
    expect(Array.from(again.test.items)).toEqual(Array.from(sp.test.items))
    const other = splitRandom(log, { testFraction: 0.25, seed: 43, minInteractions: 5 })
    expect(Array.from(other.test.items)).not.toEqual(Array.from(sp.test.items))
  })
  it('rejects a bad fraction', () => {
    expect(() => splitRandom(log, { testFraction: 1, seed: 1 })).toThrow(/testFraction/)
  })
})

describe('splitLeaveLast', () => {
  const sp = splitLeaveLast(log, { k: 2, minInteractions: 4 })
  it('partitions with no pair on both sides', () => checkPartition(log, sp))
  it('holds out the latest k by time (ties by item id) and keeps small users in train', () => {
    for (let u = 0; u < log.numUsers; u++) {
      const n = log.indptr[u + 1] - log.indptr[u]
      const test = rows(sp.test, u)
      if (n < 4) {
        expect(test.length).toBe(0)
        continue
      }
      const order = rows(log, u)
        .map((item, j) => ({ item, t: log.times![log.indptr[u] + j] }))
        .sort((a, b) => a.t - b.t || a.item - b.item)
      expect(test).toEqual(
        order
          .slice(-2)
          .map((o) => o.item)
          .sort((a, b) => a - b),
      )
      // every train time is <= every test time
      const maxTrain = Math.max(...Array.from(sp.train.times!.subarray(sp.train.indptr[u], sp.train.indptr[u + 1])))
      const minTest = Math.min(...Array.from(sp.test.times!.subarray(sp.test.indptr[u], sp.test.indptr[u + 1])))
      expect(maxTrain).toBeLessThanOrEqual(minTest)
    }
  })
  it('matches the sorting path for large k', () => {
    const a = splitLeaveLast(log, { k: 17, minInteractions: 18 })
    checkPartition(log, a)
    for (let u = 0; u < log.numUsers; u++) {
      const n = log.indptr[u + 1] - log.indptr[u]
      expect(a.test.indptr[u + 1] - a.test.indptr[u]).toBe(n >= 18 ? 17 : 0)
    }
  })
  it('needs times', () => {
    const x = buildInteractions({ users: Int32Array.of(0, 0), items: Int32Array.of(0, 1) })
    expect(() => splitLeaveLast(x)).toThrow(/no times/)
  })
})

describe('splitTemporal', () => {
  it('respects a global cut time', () => {
    const sp = splitTemporal(log, { cutTime: 1400, coldUsers: 'keep' })
    checkPartition(log, sp)
    expect(Math.max(...Array.from(sp.train.times!))).toBeLessThan(1400)
    expect(Math.min(...Array.from(sp.test.times!))).toBeGreaterThanOrEqual(1400)
  })
  it('cuts at the quantile for testFraction and drops cold users by default', () => {
    const sp = splitTemporal(log, { testFraction: 0.2 })
    checkPartition(log, sp, true)
    const nnz = log.indptr[log.numUsers]
    const sorted = Array.from(log.times!).sort((a, b) => a - b)
    const cut = sorted[Math.floor(nnz * 0.8)]
    expect(Math.max(...Array.from(sp.train.times!))).toBeLessThan(cut)
    expect(Math.min(...Array.from(sp.test.times!))).toBeGreaterThanOrEqual(cut)
    for (let u = 0; u < log.numUsers; u++) {
      if (sp.test.indptr[u + 1] > sp.test.indptr[u]) expect(sp.train.indptr[u + 1]).toBeGreaterThan(sp.train.indptr[u])
    }
    const keep = splitTemporal(log, { testFraction: 0.2, coldUsers: 'keep' })
    expect(keep.test.indptr[log.numUsers]).toBeGreaterThanOrEqual(sp.test.indptr[log.numUsers])
    expect(keep.test.indptr[log.numUsers] + keep.train.indptr[log.numUsers]).toBe(nnz)
  })
  it('keeps users below minInteractions fully in train', () => {
    const sp = splitTemporal(log, { cutTime: 1200, minInteractions: 20, coldUsers: 'keep' })
    for (let u = 0; u < log.numUsers; u++) {
      const n = log.indptr[u + 1] - log.indptr[u]
      if (n < 20) expect(sp.train.indptr[u + 1] - sp.train.indptr[u]).toBe(n)
    }
  })
  it('needs exactly one of cutTime and testFraction', () => {
    expect(() => splitTemporal(log, {})).toThrow(/cutTime or testFraction/)
    expect(() => splitTemporal(log, { cutTime: 1, testFraction: 0.1 })).toThrow(/not both/)
  })
})
