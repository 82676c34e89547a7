import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { aliasBuild, aliasDraw, containsSorted, selectTopK } from '@decoy/core/kernels'

describe('kernels', () => {
  it('alias table reproduces its weights', () => {
    const w = new Float64Array([10000, 500, 200, 0, 1])
    const n = w.length
    const prob = new Float64Array(n)
    const alias = new Int32Array(n)
    const total = aliasBuild(w, n, prob, alias, new Int32Array(n))
    const rng = createRng(7)
    const counts = new Float64Array(n)
    const draws = 200_000
    for (let i = 0; i < draws; i++) counts[aliasDraw(prob, alias, n, rng.state)]++
    expect(counts[3]).toBe(0)
    for (let i = 0; i < n; i++) expect(Math.abs(counts[i] / draws - w[i] / total)).toBeLessThan(0.005)
  })
  it('containsSorted finds members only', () => {
    const a = new Int32Array([1, 3, 5, 9])
    expect([0, 1, 3, 4, 9, 10].map((v) => containsSorted(a, 0, 4, v))).toEqual([false, true, true, false, true, false])
  })
  it('selectTopK returns the k best, ties to lower id, masks skipped', () => {
    const s = new Float32Array([0.5, 2, -Infinity, 2, 1, 3])
    const oi = new Int32Array(4)
    const os = new Float32Array(4)
    const n = selectTopK(s, 6, 4, new Int32Array(4), new Float64Array(4), oi, os, 0)
    expect(n).toBe(4)
    expect([...oi]).toEqual([5, 1, 3, 4])
    const oi2 = new Int32Array(8)
    const n2 = selectTopK(s, 6, 8, new Int32Array(8), new Float64Array(8), oi2, new Float32Array(8), 0)
    expect(n2).toBe(5)
    expect([...oi2]).toEqual([5, 1, 3, 4, 0, -1, -1, -1])
  })
  it('rng forks depend only on their label path', () => {
    const a = createRng(42).fork('x')
    const root = createRng('42')
    root.nextU32()
    const b = root.fork('x')
    expect(a.nextU32()).toBe(b.nextU32())
    expect(createRng(42).fork('y').nextU32()).not.toBe(createRng(42).fork('x').nextU32())
  })
})

describe('aliasBuild with rounding leftovers', () => {
  it('never returns a zero-weight item even when it is left over as a small column', () => {
    // Weights whose scaled sums do not close exactly in floating point.
    const n = 1000
    const w = new Float64Array(n)
    for (let i = 0; i < n; i++) w[i] = i % 7 === 0 ? 0 : 0.1 + (i % 13) * 1e-9
    const prob = new Float64Array(n)
    const alias = new Int32Array(n)
    aliasBuild(w, n, prob, alias, new Int32Array(n))
    for (let i = 0; i < n; i++) {
      if (w[i] === 0) {
        expect(prob[i]).toBe(0)
        expect(w[alias[i]]).toBeGreaterThan(0)
      }
    }
  })
})
