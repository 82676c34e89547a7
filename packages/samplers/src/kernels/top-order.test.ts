import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngBelow, prngFloat } from '@decoy/core/kernels'
import { createTopOrderScratch, topOrder } from './top-order.js'

describe('topOrder', () => {
  it('matches a stable descending reference sort (ties to the lower index, −∞ last)', () => {
    const st = createRng('top-order').state
    for (let trial = 0; trial < 200; trial++) {
      const cap = 1 + prngBelow(st, 80)
      const n = 1 + prngBelow(st, cap)
      const count = 1 + prngBelow(st, n)
      const keys = Float64Array.from({ length: n }, () =>
        prngBelow(st, 10) === 0 ? -Infinity : Math.round((prngFloat(st) - 0.5) * 16) / 4,
      )
      const order = new Int32Array(count)
      topOrder(keys, n, count, order, createTopOrderScratch(cap))
      const ref = [...Array(n).keys()].sort((a, b) => (keys[b] === keys[a] ? a - b : keys[b] > keys[a] ? 1 : -1)).slice(0, count)
      expect(Array.from(order)).toEqual(ref)
    }
  })
})
