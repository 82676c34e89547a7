import { describe, expect, it } from 'vitest'
import { buildInteractions, type Interactions } from '@decoy/core'
import { buildExclusion, cumulative, isPositive, nthNonPositive, positiveMass, weightedNonPositive } from '@decoy/samplers'

function csr(rows: number[][], numItems: number): Interactions {
  const users: number[] = []
  const items: number[] = []
  rows.forEach((r, u) => r.forEach((i) => (users.push(u), items.push(i))))
  return buildInteractions({ users: Int32Array.from(users), items: Int32Array.from(items) }, { numUsers: rows.length, numItems })
}

describe('exclusion', () => {
  const rows = [[1, 3, 4, 9], [], [0, 1, 2, 3, 4, 5, 6, 7, 8], [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]]
  const train = csr(rows, 10)

  it('refuses a user who has every item unless masking is allowed', () => {
    expect(() => buildExclusion(train, 'test')).toThrow(/user 3 \(internal 3\) has all 10 items.*allowMasked/)
    expect(buildExclusion(train, 'test', { allowMasked: true }).saturatedUsers).toBe(1)
  })

  it('answers membership identically by bitset and by binary search', () => {
    const search = buildExclusion(train, 'test', { allowMasked: true, bitsetMinRow: 1000 })
    const bitset = buildExclusion(train, 'test', { allowMasked: true, bitsetMinRow: 4 })
    expect([...search.bitOffset]).toEqual([-1, -1, -1, -1])
    expect([...bitset.bitOffset].map((o) => o >= 0)).toEqual([true, false, true, true])
    for (let u = 0; u < rows.length; u++) {
      for (let j = 0; j < 10; j++) {
        const want = rows[u].includes(j)
        expect(isPositive(search.indptr, search.items, search.bitOffset, search.bits, u, j)).toBe(want)
        expect(isPositive(bitset.indptr, bitset.items, bitset.bitOffset, bitset.bits, u, j)).toBe(want)
      }
    }
  })

  it('keeps the longest rows under a bitset budget', () => {
    const ex = buildExclusion(train, 'test', { allowMasked: true, bitsetMinRow: 4, bitsetBudgetWords: 1 })
    expect([...ex.bitOffset]).toEqual([-1, -1, -1, 0])
  })

  it('nthNonPositive enumerates the complement in order', () => {
    for (let u = 0; u < 3; u++) {
      const comp = [...Array(10).keys()].filter((j) => !rows[u].includes(j))
      const got = comp.map((_, r) => nthNonPositive(train.indptr, train.items, u, r))
      expect(got).toEqual(comp)
    }
  })

  it('weightedNonPositive inverts the cumulative weight of the complement, skipping zero weights', () => {
    const w = new Float64Array([1, 2, 0, 4, 1, 1, 3, 0, 2, 5])
    const cum = cumulative(w, 10)
    const mass = positiveMass(train, w)
    expect(mass[0]).toBe(2 + 4 + 1 + 5)
    const u = 0
    const comp = [0, 2, 5, 6, 7, 8]
    let t = 0
    for (const j of comp) {
      if (w[j] === 0) {
        continue
      }
      expect(weightedNonPositive(train.indptr, train.items, u, cum, 10, t)).toBe(j)
      expect(weightedNonPositive(train.indptr, train.items, u, cum, 10, t + w[j] * 0.999)).toBe(j)
      t += w[j]
    }
    expect(t).toBe(cum[10] - mass[0])
    expect(weightedNonPositive(train.indptr, train.items, u, cum, 10, t)).toBe(-1)
  })
})
