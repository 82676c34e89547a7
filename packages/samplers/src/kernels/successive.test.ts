import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { chiSquare } from '@decoy/testkit'
import { successiveSample } from './successive.js'

const ALPHA = 1e-4

/** Exact Plackett–Luce probability of the ordered pair (a, b) as the first two picks. */
function pairLaw(w: number[]): Float64Array {
  const n = w.length
  const total = w.reduce((x, y) => x + y, 0)
  const law = new Float64Array(n * n)
  for (let a = 0; a < n; a++) for (let b = 0; b < n; b++) if (a !== b) law[a * n + b] = (w[a] / total) * (w[b] / (total - w[a]))
  return law
}

describe('successiveSample', () => {
  it('draws the ordered first two picks with the Plackett–Luce law (chi-square), as the Gumbel top-k does', () => {
    const w = [3, 1, 0.5, 2, 0.25, 1.5]
    const n = w.length
    const st = createRng('successive').state
    const gumbelSt = createRng('gumbel').state
    const scratch = new Float64Array(n)
    const weights = new Float64Array(n)
    const order = new Int32Array(3)
    const counts = new Float64Array(n * n)
    const gumbel = new Float64Array(n * n)
    const draws = 60_000
    for (let t = 0; t < draws; t++) {
      for (let i = 0; i < n; i++) scratch[i] = Math.log(w[i]) + 700 // an offset exp() alone would overflow
      successiveSample(scratch, n, 3, order, weights, st)
      counts[order[0] * n + order[1]]++
      expect(new Set(order).size).toBe(3)
      // Reference: the top two of log w + Gumbel.
      const keys = w.map((x) => Math.log(x) - Math.log(-Math.log(prngFloat(gumbelSt) + 1e-12)))
      const top = [...keys.keys()].sort((a, b) => keys[b] - keys[a])
      gumbel[top[0] * n + top[1]]++
    }
    const law = pairLaw(w)
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
    expect(chiSquare(gumbel, law).pValue).toBeGreaterThan(ALPHA) // the reference agrees with the same law
    const wrong = pairLaw(w.map((x) => Math.sqrt(x)))
    expect(chiSquare(counts, wrong).pValue).toBeLessThan(1e-12)
  })

  it('puts zero-weight entries (−∞, NaN) last, in ascending index, and never repeats an index', () => {
    const st = createRng('successive-zero').state
    const order = new Int32Array(5)
    const weights = new Float64Array(5)
    for (let t = 0; t < 200; t++) {
      const lw = Float64Array.of(-Infinity, Math.log(2), Number.NaN, 0, -Infinity)
      successiveSample(lw, 5, 5, order, weights, st)
      expect(new Set(order.subarray(0, 2))).toEqual(new Set([1, 3]))
      expect(Array.from(order.subarray(2))).toEqual([0, 2, 4])
    }
  })
  it('orders by log-weight when the spread underflows exp (τ → 0 limit), renormalising what remains', () => {
    const st = createRng('successive-spread').state
    const order = new Int32Array(4)
    const weights = new Float64Array(6)
    for (let t = 0; t < 50; t++) {
      // Gaps of 1e4 in log-weight: every pick after the first would underflow without renormalising.
      const lw = Float64Array.of(2e4, -Infinity, 4e4, 0, 3e4, 1e4)
      successiveSample(lw, 6, 4, order, weights, st)
      expect(Array.from(order)).toEqual([2, 4, 0, 5])
    }
  })
})
