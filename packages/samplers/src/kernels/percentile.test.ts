import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngBelow } from '@decoy/core/kernels'
import { sortedPercentile } from './percentile.js'

/** The definition: (below + ½ · other ties) / (n − 1), by a linear count. */
function bruteForce(scores: Float32Array, x: number): number {
  let below = 0
  let ties = -1
  for (const s of scores) {
    below += s < x ? 1 : 0
    ties += s === x ? 1 : 0
  }
  return (below + 0.5 * ties) / (scores.length - 1)
}

describe('sortedPercentile', () => {
  it('equals the linear count for every score of random lists with many ties, at any offset', () => {
    const st = createRng('percentile').state
    for (let trial = 0; trial < 200; trial++) {
      const n = 2 + prngBelow(st, 30)
      const off = prngBelow(st, 5)
      const scores = new Float32Array(n)
      for (let i = 0; i < n; i++) scores[i] = prngBelow(st, 6) - 2 // few values: ties
      const sorted = new Float32Array(off + n).fill(-Infinity)
      sorted.set(scores, off)
      sorted.subarray(off).sort()
      for (let i = 0; i < n; i++) expect(sortedPercentile(sorted, off, off + n, scores[i])).toBe(bruteForce(scores, scores[i]))
    }
  })
  it('is 1 for the strict maximum, 0 for the strict minimum, ½ when all tie', () => {
    const s = Float32Array.of(-1, 0.5, 2)
    expect(sortedPercentile(s, 0, 3, 2)).toBe(1)
    expect(sortedPercentile(s, 0, 3, -1)).toBe(0)
    expect(sortedPercentile(Float32Array.of(3, 3, 3, 3), 0, 4, 3)).toBe(0.5)
  })
})
