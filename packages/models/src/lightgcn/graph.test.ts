import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer } from '@decoy/core'
import { csrFromRows } from '@decoy/testkit'
import { resolveLoss } from '../losses/index.js'
import { OPT_SGD } from '../optim/optim.js'
import { normalizedGraph, propagateBackward, propagateForward, propagateLayer } from './graph.js'
import { slotGradients, type LightGcnState } from './step.js'
import { jsPropagator } from './propagate.js'

// 3 users × 4 items (the repeated pair is merged by the CSR builder) and an item nobody saw.
const rows = [[0, 1], [1, 2, 2], [0]]
const train = csrFromRows(rows, 4)
const nu = 3
const ni = 4
const N = nu + ni
const dim = 3

/** Dense Ã over nodes (users first) from the training CSR, the textbook formula. */
function denseAdj(): number[][] {
  const A = Array.from({ length: N }, () => new Array<number>(N).fill(0))
  for (let u = 0; u < nu; u++) {
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      A[u][nu + train.items[p]] += 1
      A[nu + train.items[p]][u] += 1
    }
  }
  const deg = A.map((r) => r.reduce((a, b) => a + b, 0))
  return A.map((r, a) => r.map((v, b) => (v === 0 ? 0 : v / Math.sqrt(deg[a] * deg[b]))))
}

function matmul(A: number[][], X: number[][]): number[][] {
  return A.map((r) => X[0].map((_, f) => r.reduce((s, v, j) => s + v * X[j][f], 0)))
}

function randomMatrix(seed: number): Float32Array {
  const out = new Float32Array(N * dim)
  let x = seed
  for (let i = 0; i < out.length; i++) {
    x = (x * 1103515245 + 12345) % 2147483648
    out[i] = x / 2147483648 - 0.5
  }
  return out
}

const toRows = (a: Float32Array): number[][] => Array.from({ length: N }, (_, r) => Array.from(a.subarray(r * dim, r * dim + dim)))

describe('LightGCN propagation', () => {
  const g = normalizedGraph(train)
  const A = denseAdj()

  it('forward equals Σ_k w_k Ã^k E⁰ with a dense Ã', () => {
    const weights = Float64Array.of(0.1, 0.2, 0.3, 0.4)
    const e0 = randomMatrix(1)
    const out = new Float32Array(N * dim)
    propagateForward(g, e0, weights, dim, out, new Float32Array(N * dim), new Float32Array(N * dim))
    let layer = toRows(e0)
    const want = layer.map((r) => r.map((v) => v * weights[0]))
    for (let k = 1; k < weights.length; k++) {
      layer = matmul(A, layer)
      for (let r = 0; r < N; r++) for (let f = 0; f < dim; f++) want[r][f] += weights[k] * layer[r][f]
    }
    const got = toRows(out)
    for (let r = 0; r < N; r++) for (let f = 0; f < dim; f++) expect(got[r][f]).toBeCloseTo(want[r][f], 5)
    // The unseen item has no edges: only its own E⁰ term survives.
    for (let f = 0; f < dim; f++) expect(got[nu + 3][f]).toBeCloseTo(weights[0] * e0[(nu + 3) * dim + f], 6)
  })

  it('the four-column path (dim 9 = 4 + 4 + 1) equals the product column by column (dim 1)', () => {
    const d = 9
    const src = new Float32Array(N * d).map((_, i) => Math.sin(i + 1))
    const out = new Float32Array(N * d)
    propagateLayer(g, src, out, d)
    const col = new Float32Array(N)
    const colOut = new Float32Array(N)
    for (let f = 0; f < d; f++) {
      for (let r = 0; r < N; r++) col[r] = src[r * d + f]
      propagateLayer(g, col, colOut, 1)
      for (let r = 0; r < N; r++) expect(out[r * d + f]).toBeCloseTo(colOut[r], 6)
    }
  })

  it('backward is the transpose of forward: <forward(x), y> = <x, backward(y)>', () => {
    const weights = Float64Array.of(0.25, 0.25, 0.25, 0.25)
    const x = randomMatrix(2)
    const y = randomMatrix(3)
    const fx = new Float32Array(N * dim)
    const by = new Float32Array(N * dim)
    const a = new Float32Array(N * dim)
    const b = new Float32Array(N * dim)
    propagateForward(g, x, weights, dim, fx, a, b)
    const res = propagateBackward(g, y, weights, dim, by, a, b)
    expect(res).toBe(by)
    let lhs = 0
    let rhs = 0
    for (let i = 0; i < x.length; i++) {
      lhs += fx[i] * y[i]
      rhs += x[i] * by[i]
    }
    expect(lhs).toBeCloseTo(rhs, 5)
  })

  for (const [lossName, k] of [
    ['bpr', 1],
    ['softmax', 2],
    ['logistic', 2],
    ['ccl', 2],
  ] as const) {
    it(`${lossName}: the gradient with respect to E⁰ matches central finite differences of the loss`, () => {
      const weights = Float64Array.of(0.4, 0.3, 0.2, 0.1)
      const loss = resolveLoss(lossName, lossName === 'ccl' ? { margin: 0.2 } : {}, k, ni)
      const e0 = randomMatrix(4)
      const state: LightGcnState = {
        graph: g,
        prop: jsPropagator(g, dim),
        dim,
        weights,
        e0,
        acc: new Float32Array(0),
        final: new Float32Array(N * dim),
        grad: new Float32Array(N * dim),
        grad0: new Float32Array(N * dim),
        a: new Float32Array(N * dim),
        b: new Float32Array(N * dim),
        touched: new Int32Array(N),
        touchedList: new Int32Array(N),
        optimizer: OPT_SGD,
        loss: loss.code,
        hp: loss.hp,
        l2: 0,
        propagateEvery: 1,
        steps: 0,
        pending: new Float32Array(0),
        deferredWeights: Float64Array.of(0, 0.3, 0.2, 0.1),
        lastLr: 0,
        stepsPerEpoch: 1,
        epochStep: 0,
        scores: new Float64Array(k + 1),
        grads: new Float64Array(k + 1),
        exps: new Float64Array(k + 1),
      }
      const batch = createBatch(3)
      batch.users.set([0, 1, 2])
      batch.positives.set([1, 2, 0])
      batch.size = 3
      const negs = createNegativeBuffer(3, k)
      negs.items.set(k === 1 ? [3, 0, 2] : [3, 2, 0, 3, 1, -1])
      const lossAt = (): number => {
        propagateForward(g, e0, weights, dim, state.final, state.a, state.b)
        const out = { loss: 0, touched: 0 }
        state.grad.fill(0)
        slotGradients(state, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, k, 0, 3, out)
        for (let t = 0; t < out.touched; t++) state.touched[state.touchedList[t]] = 0
        return out.loss
      }
      lossAt()
      const analytic = propagateBackward(g, state.grad, weights, dim, state.grad0, state.a, state.b).slice()
      // Float64 copy of E⁰ perturbed entry by entry; float32 storage limits h.
      const h = 1e-2
      for (let x = 0; x < e0.length; x++) {
        const v = e0[x]
        e0[x] = v + h
        const up = lossAt()
        e0[x] = v - h
        const down = lossAt()
        e0[x] = v
        expect(analytic[x]).toBeCloseTo((up - down) / (2 * h), 3)
      }
    })
  }
})
