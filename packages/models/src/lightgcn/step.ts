import type { Batch, NegativeBuffer } from '@decoy/core'
import { lossGrad } from '../losses/grad.js'
import { ADAGRAD_EPS, OPT_ADAGRAD } from '../optim/optim.js'
import type { NormalizedGraph } from './graph.js'
import type { Propagator, SlotKernel, UpdateKernel } from './propagate.js'

/**
 * Everything one LightGCN training step reads and writes: the graph, E⁰ and its optimiser state,
 * the final embeddings (cached between propagations), and scratch of the size of E⁰. Built once
 * per fit; nothing is allocated per step.
 */
export interface LightGcnState {
  graph: NormalizedGraph
  /** The sparse products (WebAssembly or TypeScript); every node-sized array below is one of its `floats()`. */
  prop: Propagator
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
  /** Recompute the propagated layers every this many steps (1: exact; see {@link lightGcnStep}). */
  propagateEvery: number
  /** Steps since the final embeddings were last propagated (for `propagateEvery`). */
  steps: number
  /**
   * With `propagateEvery` > 1: Σ ∂L/∂final of the steps since the last propagation, whose
   * propagated part `Σ_{k≥1} w_k Ã^k D` is applied at the next one (length 0 otherwise).
   */
  pending: Float32Array
  /** Weights 0, w_1..w_K: the propagated part of the backward pass. */
  deferredWeights: Float64Array
  /** Learning rate of the last step (applied to the pending gradient). */
  lastLr: number
  /** Batches per epoch, and batches done in this one: a window of cached layers ends with the epoch. */
  stepsPerEpoch: number
  epochStep: number
  /** Scratch `[1 + k]`. */
  scores: Float64Array
  grads: Float64Array
  exps: Float64Array
}

/** Recomputes the final embeddings from E⁰ (K sparse products). */
export function refreshFinal(s: LightGcnState): void {
  s.prop.forward(s.e0, s.weights, s.final, s.a, s.b)
}

/**
 * Applies the pending propagated gradient (`propagateEvery` > 1) to E⁰, then recomputes the final
 * embeddings: what the training loop calls before it reports or ends, so no gradient is dropped
 * and ranking sees the held E⁰.
 */
export function flushAndRefresh(s: LightGcnState): void {
  if (s.pending.length > 0 && s.steps > 0) applyPending(s)
  refreshFinal(s)
  s.steps = 0
}

/**
 * E⁰ −= lr·Σ_{k≥1} w_k Ã^k D (SGD or Adagrad), D = 0. K sparse products and a dense update.
 * Adagrad takes D, the sum of N steps' gradients, as one step. (Taking it as N steps of D/N —
 * accumulators += D²/N — was measured on ml-latest-small, uniform, softmax 32, 5 epochs, seeds
 * 1–3: NDCG@10 0.3345 / 0.3002 / 0.2810 at N = 4 / 8 / 16 against 0.3329 / 0.2934 / 0.2760, within
 * noise, and it diverged at N = 40, 0.10 against 0.25: the staleness, not the step size, costs.)
 */
function applyPending(s: LightGcnState): void {
  const g = s.prop.backward(s.pending, s.deferredWeights, s.grad0, s.a, s.b)
  denseUpdate(s, g, s.lastLr)
  s.pending.fill(0)
}

/** E⁰ −= lr·g over every element (Adagrad skips exact zeros: rows the graph does not reach). */
function denseUpdate(s: LightGcnState, g0: Float32Array, lr: number): void {
  if (s.prop.update) {
    s.prop.update.dense(s.e0, s.acc, g0, lr)
    return
  }
  const e0 = s.e0
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
  const kernel = s.prop.slots
  if (kernel && kernel.k === k && end - start <= kernel.batchSize) {
    wasmSlotGradients(s, kernel, users, positives, negItems, logQ, k, start, end, out)
    return
  }
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

/**
 * {@link slotGradients} with the arithmetic in the WebAssembly slot kernel; the rows' occurrence
 * counts are taken here from the dL/ds it wrote, as the TypeScript loop takes them.
 */
function wasmSlotGradients(
  s: LightGcnState,
  kernel: SlotKernel,
  users: Int32Array,
  positives: Int32Array,
  negItems: Int32Array,
  logQ: Float32Array,
  k: number,
  start: number,
  end: number,
  out: { loss: number; touched: number },
): void {
  out.loss += kernel.run(s.final, s.grad, users, positives, negItems, logQ, start, end)
  const grads = kernel.grads
  const nu = s.graph.numUsers
  const touched = s.touched
  const list = s.touchedList
  let nt = out.touched
  for (let sl = start, go = 0; sl < end; sl++) {
    const u = users[sl]
    if (touched[u]++ === 0) list[nt++] = u
    const no = sl * k
    for (let c = 0; c <= k; c++, go++) {
      const item = c === 0 ? positives[sl] : negItems[no + c - 1]
      if (item < 0 || grads[go] === 0) continue
      const row = nu + item
      if (touched[row]++ === 0) list[nt++] = row
    }
  }
  out.touched = nt
}

const sums = { loss: 0, touched: 0 }

/**
 * One LightGCN step on a batch. With `propagateEvery` = 1 (exact): propagate E⁰ forward, the slot
 * gradients G = ∂L/∂final, back-propagate through the K layers to E⁰ (`Σ_k w_k Ã^k G`, Ã symmetric),
 * L2 on the batch's rows of E⁰ (as He et al. regularise only the batch's E⁰), and an SGD or
 * Adagrad update of all of E⁰.
 *
 * With `propagateEvery` = N > 1 the propagated layers are cached for N steps, the E⁰ term stays
 * fresh: the final embeddings are `w_0·E⁰ + Σ_{k≥1} w_k Ã^k E⁰_cached`. Each step updates only the
 * batch's rows of E⁰ with the gradient through the E⁰ term (`w_0·G` + L2, MF's cost) and adds G
 * to the pending sum D; every N-th step first applies the gradient through the cached
 * propagation, `Σ_{k≥1} w_k Ã^k D`, then re-propagates — 2K sparse products per N steps instead of
 * per step. Under SGD the window's updates sum to the exact ones, applied late. The last step of an
 * epoch closes its window, so samplers, validation and early stopping see E⁰ and final embeddings
 * that agree, and a fit follows the same trajectory whether or not anything looks at it.
 * @returns the summed loss of the slots.
 * @remarks Exact: O(batch·(k + 1)·dim + 2K·2·nnz·dim + (users + items)·dim). Cached: O(batch·(k + 1)·dim)
 * plus that propagation cost every N-th step. Allocates nothing.
 */
export function lightGcnStep(s: LightGcnState, batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
  if (s.propagateEvery > 1) return cachedStep(s, batch, negs, start, end, lr)
  refreshFinal(s)
  s.grad.fill(0)
  sums.loss = 0
  sums.touched = 0
  slotGradients(s, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, sums)
  const g0 = s.prop.backward(s.grad, s.weights, s.grad0, s.a, s.b)
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
  denseUpdate(s, g0, lr)
  return sums.loss
}

/** The `propagateEvery` > 1 step (see {@link lightGcnStep}); `s.grad` is zero between steps. */
function cachedStep(s: LightGcnState, batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
  if (s.steps >= s.propagateEvery) flushAndRefresh(s)
  s.steps++
  s.lastLr = lr
  sums.loss = 0
  sums.touched = 0
  slotGradients(s, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, sums)
  if (s.prop.update)
    s.prop.update.cachedRows(s.touchedList, s.touched, sums.touched, s.e0, s.acc, s.grad, s.pending, s.final, s.weights[0], s.l2, lr)
  else cachedRows(s, sums.touched, lr)
  if (++s.epochStep === s.stepsPerEpoch) {
    s.epochStep = 0
    flushAndRefresh(s)
  }
  return sums.loss
}

/** The TypeScript twin of the kernel's `cachedRows` (see {@link UpdateKernel.cachedRows}). */
function cachedRows(s: LightGcnState, nt: number, lr: number): void {
  const dim = s.dim
  const e0 = s.e0
  const G = s.grad
  const D = s.pending
  const F = s.final
  const acc = s.acc
  const adagrad = s.optimizer === OPT_ADAGRAD
  const w0 = s.weights[0]
  const l2 = s.l2
  const list = s.touchedList
  for (let t = 0; t < nt; t++) {
    const row = list[t]
    const c = l2 * s.touched[row]
    s.touched[row] = 0
    for (let f = 0, o = row * dim; f < dim; f++, o++) {
      const gf = G[o]
      G[o] = 0
      D[o] += gf
      const gx = w0 * gf + c * e0[o]
      if (gx === 0) continue
      let step = lr * gx
      if (adagrad) {
        const h = acc[o] + gx * gx
        acc[o] = h
        step /= Math.sqrt(h + ADAGRAD_EPS)
      }
      e0[o] -= step
      // The final embeddings follow their fresh E⁰ term.
      F[o] -= w0 * step
    }
  }
}
