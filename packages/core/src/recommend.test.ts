import { describe, expect, it } from 'vitest'
import { buildInteractions, recommendTopK } from '@decoy/core'

describe('recommendTopK', () => {
  // 2 users, 5 items; user 0 saw items 1 and 4, user 1 saw nothing.
  const train = buildInteractions({ users: new Int32Array([0, 0]), items: new Int32Array([4, 1]) }, { numUsers: 2, numItems: 5 })
  // Scores depend on the user so a wrong row would show.
  const model = {
    numItems: 5,
    scoreAll(user: number, out: Float32Array) {
      for (let i = 0; i < 5; i++) out[i] = user === 0 ? i : 5 - i
    },
  }

  it('masks seen items, sorts descending and pads short rows', () => {
    const top = recommendTopK(model, train, new Int32Array([0, 1]), 4, true)
    expect(top.k).toBe(4)
    expect([...top.items]).toEqual([3, 2, 0, -1, 0, 1, 2, 3])
    expect([...top.scores]).toEqual([3, 2, 0, -Infinity, 5, 4, 3, 2])
  })

  it('keeps seen items when excludeSeen is false', () => {
    const top = recommendTopK(model, train, new Int32Array([0]), 2, false)
    expect([...top.items]).toEqual([4, 3])
  })

  it('treats users beyond train as cold (nothing masked)', () => {
    const top = recommendTopK(model, train, new Int32Array([7]), 1, true)
    expect([...top.items]).toEqual([0])
  })

  it('rejects a bad k', () => {
    expect(() => recommendTopK(model, train, new Int32Array([0]), 0, true)).toThrow(/k must be an integer/)
  })
})
