import { describe, expect, it } from 'vitest'
import { buildInteractions } from '@decoy/core'
import { evaluate, popularityRecommender } from '@decoy/eval'

// 4 users, 5 items. Counts: item0 3, item1 2, item2 2, item3 0, item4 2.
const train = buildInteractions(
  {
    users: new Int32Array([0, 0, 1, 1, 1, 2, 2, 2, 3]),
    items: new Int32Array([0, 2, 0, 4, 2, 0, 1, 4, 1]),
  },
  { numUsers: 4, numItems: 5 },
)
const pop = popularityRecommender(train)

describe('popularityRecommender', () => {
  it('scores items by training count, the same for every user', () => {
    expect([...pop.counts]).toEqual([3, 2, 2, 0, 2])
    expect(pop.numItems).toBe(5)
    const out = new Float32Array(5)
    pop.scoreAll(2, out)
    expect([...out]).toEqual([3, 2, 2, 0, 2])
    const some = new Float32Array(3)
    pop.scorer().scoreItems(0, new Int32Array([4, 3, -1]), 3, some)
    expect([...some]).toEqual([2, 0, -Infinity])
    expect(pop.similarItems).toBeUndefined()
  })

  it('recommends the most popular unseen items, ties to the lower id', () => {
    const top = pop.recommend(new Int32Array([0, 1, 2, 3]), 3)
    expect(top.k).toBe(3)
    // u0 saw {0, 2}: 1 and 4 tie at 2 → 1 first, then 3. u1 saw {0, 2, 4}: 1, 3, pad.
    // u2 saw {0, 1, 4}: 2, 3, pad. u3 saw {1}: 0, then 2 and 4 tie → 2 first.
    expect([...top.items]).toEqual([1, 4, 3, 1, 3, -1, 2, 3, -1, 0, 2, 4])
    expect([...top.scores.subarray(0, 3)]).toEqual([2, 2, 0])
    const all = pop.recommend(new Int32Array([0]), 2, { excludeSeen: false })
    expect([...all.items]).toEqual([0, 1])
  })

  it('plugs into evaluate', () => {
    const test = buildInteractions(
      { users: new Int32Array([0, 1, 2, 3]), items: new Int32Array([1, 3, 4, 3]) },
      { numUsers: 4, numItems: 5 },
    )
    const res = evaluate(pop, train, test, { k: [1, 2] })
    // Lists at K = 2: u0 [1, 4] hit at 0; u1 [1, 3] hit at 1; u2 [2, 3] (its test item 4 is in
    // its train row: masked); u3 [0, 2] miss.
    expect([...res.perUser['hr@1']]).toEqual([1, 0, 0, 0])
    expect([...res.perUser['mrr@2']]).toEqual([1, 0.5, 0, 0])
    expect(res.unseenTestItems).toBe(2) // item 3 never occurs in train
    expect(res.maskedTestItems).toBe(1)
    expect(res.metrics['coverage@1']).toBeCloseTo(3 / 5, 12) // rank-0 items {1, 2, 0}
  })
})
