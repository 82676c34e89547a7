import { describe, expect, it } from 'vitest'
import { buildInteractions } from '@decoy/core'
import { expectedCounts } from './law.js'

describe('law', () => {
  it("expectedCounts conditions the law on each user's complement", () => {
    // 2 users × 3 items; user 0 owns item 0, user 1 owns items 1 and 2.
    const x = buildInteractions({ users: Int32Array.of(0, 1, 1), items: Int32Array.of(0, 1, 2) }, { numUsers: 2, numItems: 3 })
    const p = Float64Array.of(0.5, 0.25, 0.25)
    const e = expectedCounts(p, x, Float64Array.of(10, 4), true)
    // user 0: 10 draws over items 1, 2 with 0.5/0.5; user 1: 4 draws all on item 0.
    expect(Array.from(e)).toEqual([4, 5, 5])
    expect(Array.from(expectedCounts(p, x, Float64Array.of(10, 4), false))).toEqual([7, 3.5, 3.5])
  })
})
