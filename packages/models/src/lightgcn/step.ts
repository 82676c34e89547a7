import type { Batch, NegativeBuffer } from '@decoy/core'
import { lossGrad } from '../losses/grad.js'
import { ADAGRAD_EPS, OPT_ADAGRAD } from '../optim/optim.js'
import { propagateBackward, propagateForward, type NormalizedGraph } from './graph.js'

/**
 * Everything one LightGCN training step reads and writes: the graph, E⁰ and its optimiser state,
 * the final embeddings (cached between propagations), and scratch of the size of E⁰. Built once
 * per fit; nothing is allocated per step.
 */
export interface LightGcnState {
  graph: NormalizedGraph
  dim: number
  /** Layer weights w_0..w_K. */
  weights: Float64Array
  /** `[(users + items) × dim]` E⁰, the parameters. */
  e0: Float32Array
  /** Adagrad accumulators of `e0` (length 0 with SGD). */
  acc: Float32Array
  /** `[(users + items) × dim]` final embeddings Σ_k w_k Ã^k E⁰ (users first). */
  final: Float32Array
  /** Scratch: ∂L/∂final of the batch. */
  grad: Float32Array
  /** Scratch: ∂L/∂E⁰. */
  grad0: Float32Array
  /** Layer scratch. */
  a: Float32Array
  b: Float32Array
  /** `[users + items]` occurrences of the row in the batch's slots (L2 applies once per occurrence, as MF's). */
  touched: Int32Array
  /** Rows in `touched`, `[batch·(k + 2)]`. */
  touchedList: Int32Array
  optimizer: number
  loss: number
  hp: Float64Array
  l2: number
  /** Recompute the final embeddings every this many steps (1: exact). */
  propagateEvery: number
  /** Steps taken, for `propagateEvery`. */
  steps: number
  /** Scratch `[1 + k]`. */
  scores: Float64Array
  grads: Float64Array
  exps: Float64Array
}

/** Recomputes the final embeddings from E⁰ (K sparse products). */
export function refreshFinal(s: LightGcnState): void {
  propagateForward(s.graph, s.e0, s.weights, s.dim, s.final, s.a, s.b)
}

/**
 * Accumulates into `s.grad` the gradient with respect to the final embeddings of the summed loss
 * of slots `[start, end)`: scores are `final[u]·final[item]`, dL/ds comes from {@link lossGrad}
 * (any loss), and `∂s/∂final[u] = final[item]`, `∂s/∂final[item] = final[u]`. Counts in `s.touched`
 * each row's occurrences (the user once per slot, an item once per candidate with a non-zero gradient).
 * @returns the summed loss and the count of touched rows written to `touchedList`.
 * @remarks O((end − start)·(k + 1)·dim); allocates nothing. `s.grad` must be zero on entry.
 */
export function slotGradients(
  s: LightGcnState,
  users: Int32Array,
  positives: Int32Array,
  negItems: Int32Array,
  logQ: Float32Array,
  trials: Int32Array,
  k: number,
  start: number,
  end: number,
  out: { loss: number; touched: number },
): void {
  const dim = s.dim
  const F = s.final
  const G = s.grad
  const nu = s.graph.numUsers
  const ni = s.graph.numItems
  const indptr = s.graph.userIndptr
  const scores = s.scores
  const grads = s.grads
  const touched = s.touched
  const list = s.touchedList
  let nt = out.touched
  let total = 0
  for (let sl = start; sl < end; sl++) {
    const u = users[sl]
    const uo = u * dim
    const no = sl * k
    if (touched[u]++ === 0) list[nt++] = u
    for (let c = 0; c <= k; c++) {
      const item = c === 0 ? positives[sl] : negItems[no + c - 1]
      if (item < 0) {
        scores[c] = 0
        continue
      }
      const io = (nu + item) * dim
      let d = 0
      for (let f = 0; f < dim; f++) d += F[uo + f] * F[io + f]
      scores[c] = d
    }
    const negCount = ni - (indptr[u + 1] - indptr[u])
    total += lossGrad(s.loss, scores, 0, negItems, logQ, no, k, negCount, trials[sl], s.hp, s.exps, grads, 0)
    for (let c = 0; c <= k; c++) {
      const gc = grads[c]
      const item = c === 0 ? positives[sl] : negItems[no + c - 1]
      if (item < 0) continue
      if (gc === 0) continue
      const row = nu + item
      if (touched[row]++ === 0) list[nt++] = row
      const io = row * dim
      for (let f = 0; f < dim; f++) {
        G[uo + f] += gc * F[io + f]
        G[io + f] += gc * F[uo + f]
      }
    }
  }
  out.loss += total
  out.touched = nt
}

const sums = { loss: 0, touched: 0 }

/**
 * One LightGCN step on a batch: (re)propagate E⁰ when due, the slot gradients on the final
 * embeddings, back-propagation through the K layers to E⁰, L2 on the batch's rows of E⁰
 * (as He et al. regularise only the batch's E⁰), and an SGD or Adagrad update of E⁰.
 * The final embeddings are then stale until the next propagation.
 * @returns the summed loss of the slots.
 * @remarks O(batch·(k + 1)·dim + 2K·nnz·dim + (users + items)·dim); allocates nothing.
 */
export function lightGcnStep(s: LightGcnState, batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
  if (s.steps % s.propagateEvery === 0) refreshFinal(s)
  s.steps++
  s.grad.fill(0)
  sums.loss = 0
  sums.touched = 0
  slotGradients(s, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, sums)
  const g0 = propagateBackward(s.graph, s.grad, s.weights, s.dim, s.grad0, s.a, s.b)
  const dim = s.dim
  const e0 = s.e0
  const l2 = s.l2
  const list = s.touchedList
  for (let t = 0; t < sums.touched; t++) {
    const row = list[t]
    const c = l2 * s.touched[row]
    s.touched[row] = 0
    if (c !== 0) for (let f = 0, o = row * dim; f < dim; f++) g0[o + f] += c * e0[o + f]
  }
  const n = e0.length
  if (s.optimizer === OPT_ADAGRAD) {
    const acc = s.acc
    for (let x = 0; x < n; x++) {
      const gx = g0[x]
      if (gx === 0) continue
      const h = acc[x] + gx * gx
      acc[x] = h
      e0[x] -= (lr * gx) / Math.sqrt(h + ADAGRAD_EPS)
    }
  } else {
    for (let x = 0; x < n; x++) e0[x] -= lr * g0[x]
  }
  return sums.loss
}
