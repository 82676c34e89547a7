import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { buildHuffman, hsProbability, hsStep, sgnsStep } from '@decoy/models/kernels'

const sigma = (x: number): number => 1 / (1 + Math.exp(-x))

function dotRows(a: Float32Array, i: number, b: Float32Array, j: number, dim: number): number {
  let s = 0
  for (let f = 0; f < dim; f++) s += a[i * dim + f] * b[j * dim + f]
  return s
}

function randomRows(n: number, dim: number, seed: string, scale = 0.5): Float32Array {
  const st = createRng(seed).state
  const m = new Float32Array(n * dim)
  for (let i = 0; i < m.length; i++) m[i] = (prngFloat(st) - 0.5) * scale
  return m
}

/** SGNS loss of one (centre, context, negatives) slot: −log σ(v'_o·v_c) − Σ log σ(−v'_n·v_c). */
function sgnsLoss(syn0: Float32Array, syn1: Float32Array, dim: number, c: number, o: number, negs: number[]): number {
  let l = -Math.log(sigma(dotRows(syn0, c, syn1, o, dim)))
  for (const n of negs) l -= Math.log(sigma(-dotRows(syn0, c, syn1, n, dim)))
  return l
}

describe('sgnsStep', () => {
  // The seed's worked example: vocabulary {cat, sat, car}; "the cat sat": centre cat, context sat,
  // negative car.
  const CAT = 0
  const SAT = 1
  const CAR = 2
  const dim = 8

  it('raises σ(v′_sat·v_cat) and lowers σ(v′_car·v_cat) in one step', () => {
    const syn0 = randomRows(3, dim, 'cat/in')
    const syn1 = randomRows(3, dim, 'cat/out')
    const before = [sigma(dotRows(syn0, CAT, syn1, SAT, dim)), sigma(dotRows(syn0, CAT, syn1, CAR, dim))]
    const used = sgnsStep(syn0, syn1, dim, CAT, SAT, Int32Array.of(CAR), 0, 1, 0.1, new Float64Array(dim))
    expect(used).toBe(1)
    const after = [sigma(dotRows(syn0, CAT, syn1, SAT, dim)), sigma(dotRows(syn0, CAT, syn1, CAR, dim))]
    expect(after[0]).toBeGreaterThan(before[0])
    expect(after[1]).toBeLessThan(before[1])
  })

  it('is a gradient step on the SGNS loss (finite differences)', () => {
    const k = 3
    const syn0 = randomRows(6, dim, 'fd/in', 1)
    const syn1 = randomRows(6, dim, 'fd/out', 1)
    const c = 1
    const o = 4
    const negs = [0, 3, 5]
    const lr = 1e-3
    // Expected update: −lr·∂L/∂θ, gradients by central differences in float64 copies.
    const g0 = new Float64Array(dim)
    const g1 = new Map<number, Float64Array>()
    const h = 1e-3
    const num = (arr: Float32Array, idx: number): number => {
      const a = Float32Array.from(arr)
      const b = Float32Array.from(arr)
      a[idx] += h
      b[idx] -= h
      const la = arr === syn0 ? sgnsLoss(a, syn1, dim, c, o, negs) : sgnsLoss(syn0, a, dim, c, o, negs)
      const lb = arr === syn0 ? sgnsLoss(b, syn1, dim, c, o, negs) : sgnsLoss(syn0, b, dim, c, o, negs)
      return (la - lb) / (2 * h)
    }
    for (let f = 0; f < dim; f++) g0[f] = num(syn0, c * dim + f)
    for (const t of [o, ...negs]) {
      const g = new Float64Array(dim)
      for (let f = 0; f < dim; f++) g[f] = num(syn1, t * dim + f)
      g1.set(t, g)
    }
    const s0 = Float32Array.from(syn0)
    const s1 = Float32Array.from(syn1)
    sgnsStep(s0, s1, dim, c, o, Int32Array.from(negs), 0, k, lr, new Float64Array(dim))
    for (let f = 0; f < dim; f++) expect(s0[c * dim + f] - syn0[c * dim + f]).toBeCloseTo(-lr * g0[f], 5)
    for (const [t, g] of g1) for (let f = 0; f < dim; f++) expect(s1[t * dim + f] - syn1[t * dim + f]).toBeCloseTo(-lr * g[f], 5)
    // Rows not in the slot are untouched.
    for (let f = 0; f < dim; f++) expect(s1[2 * dim + f]).toBe(syn1[2 * dim + f])
  })

  it('skips masked negatives and negatives equal to the centre or the context', () => {
    const syn0 = randomRows(4, dim, 'skip/in')
    const syn1 = randomRows(4, dim, 'skip/out')
    const s1 = Float32Array.from(syn1)
    const used = sgnsStep(syn0, s1, dim, 0, 1, Int32Array.of(-1, 0, 1, 3), 0, 4, 0.1, new Float64Array(dim))
    expect(used).toBe(1)
    for (let f = 0; f < dim; f++) expect(s1[0 * dim + f]).toBe(syn1[0 * dim + f])
    expect(s1[3 * dim]).not.toBe(syn1[3 * dim])
  })
})

describe('hsStep', () => {
  it('raises the hierarchical-softmax probability of the context, and leaf probabilities sum to 1', () => {
    const dim = 6
    const counts = Int32Array.of(5, 9, 12, 13, 16, 45)
    const tree = buildHuffman(counts, 6)
    const syn0 = randomRows(6, dim, 'hs/in', 1)
    const syn1 = randomRows(tree.numInner, dim, 'hs/out', 1)
    let total = 0
    for (let i = 0; i < 6; i++) total += hsProbability(syn0, syn1, dim, 2, i, tree.codes, tree.points, tree.offsets)
    expect(total).toBeCloseTo(1, 6)
    const before = hsProbability(syn0, syn1, dim, 2, 0, tree.codes, tree.points, tree.offsets)
    const len = hsStep(syn0, syn1, dim, 2, 0, tree.codes, tree.points, tree.offsets, 0.2, new Float64Array(dim))
    expect(len).toBe(4)
    expect(hsProbability(syn0, syn1, dim, 2, 0, tree.codes, tree.points, tree.offsets)).toBeGreaterThan(before)
  })
})
