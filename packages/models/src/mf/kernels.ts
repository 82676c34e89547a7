import { LOSS_BPR, lossGrad } from '../losses/grad.js'
import {
  ADAGRAD_EPS,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  OPT_SGD,
  adagradRow64,
  adagradRowwise64,
  scalarUpdate,
  sgdRow64,
} from '../optim/optim.js'

/**
 * Everything the dot-product step kernel reads: parameter views, optimiser state, loss code and
 * hyper-parameters, and per-thread scratch. Built once per thread (main or worker) over the same
 * parameter arrays, so the worker and the main thread run the same kernel on the same memory.
 *
 * The score of (row u, column item i) is `left[u]·right[i] + bias[i]`, or the cosine
 * `left[u]·right[i] / (|left[u]|·|right[i]|)` when `normalize` is 1: MF's user factors on the
 * left, item factors on the right. (item2vec has its own SGNS/HS kernels, `item2vec/kernels.ts`.)
 */
export interface DotViews {
  /** Factor dimension (row stride). */
  dim: number
  /** Number of right-hand rows (items). */
  numItems: number
  /** `[rows * dim]` left factors (users). */
  left: Float32Array
  /** `[numItems * dim]` right factors (items). */
  right: Float32Array
  /** `[numItems]` right biases, or length 0 for a model without biases. */
  bias: Float32Array
  /** Adagrad accumulators of `left`: `[rows * dim]` (Adagrad), `[rows]` (row-wise), length 0 (SGD). */
  leftAcc: Float32Array
  /** Adagrad accumulators of `right`: `[numItems * dim]` (Adagrad), `[numItems]` (row-wise), length 0 (SGD). */
  rightAcc: Float32Array
  /** Adagrad accumulators of `bias` (length 0 with SGD or no bias). */
  biasAcc: Float32Array
  /** `OPT_*` code. */
  optimizer: number
  /** `LOSS_*` code. */
  loss: number
  /** Loss hyper-parameters (`HP_*` indices). */
  hp: Float64Array
  /** 1 for cosine scores (L2-normalised embeddings), else 0. */
  normalize: number
  /** L2 penalty on factor rows touched by a step. */
  l2: number
  /** L2 penalty on biases touched by a step. */
  l2Bias: number
  /** Training CSR row pointers: WARP's |I| − |I_u⁺| (length 0: use numItems − 1). */
  indptr: Int32Array
  /** Scratch `[1 + k]`: scores of the positive and negatives. */
  scores: Float64Array
  /** Scratch `[1 + k]`: dL/ds. */
  grads: Float64Array
  /** Scratch `[1 + k]`: softmax exponentials. */
  exps: Float64Array
  /** Scratch `[1 + k]`: norms of the right rows (normalised mode). */
  norms: Float64Array
  /** Scratch `[1 + k]`: raw p·q of the candidates (row-wise Adagrad). */
  dots: Float64Array
  /** Scratch `[1 + k]`: ‖q‖² of the candidates (row-wise Adagrad). */
  sqNorms: Float64Array
  /** Scratch `[dim]`: accumulated gradient of the left row. */
  leftGrad: Float64Array
}

/**
 * Allocates the scratch of a {@link DotViews} for `k` negatives per slot.
 * @remarks Allocates O(k + dim); call once per thread, never per step.
 */
export function allocDotScratch(
  k: number,
  dim: number,
): Pick<DotViews, 'scores' | 'grads' | 'exps' | 'norms' | 'dots' | 'sqNorms' | 'leftGrad'> {
  return {
    scores: new Float64Array(k + 1),
    grads: new Float64Array(k + 1),
    exps: new Float64Array(k + 1),
    norms: new Float64Array(k + 1),
    dots: new Float64Array(k + 1),
    sqNorms: new Float64Array(k + 1),
    leftGrad: new Float64Array(dim),
  }
}

/**
 * One SGD/Adagrad/row-wise Adagrad step of any loss for the batch slots `[start, end)`: scores the positive and
 * its k negatives, asks {@link lossGrad} for dL/ds, then updates the left row, the touched right
 * rows and their biases with the gradient taken at the pre-step parameters (right rows are
 * updated with the old left row; the left row last). L2 applies to the touched rows only.
 *
 * Slot s reads `users[s]`, `positives[s]`, `negItems[s*k .. s*k+k)`, `logQ` at the same offsets and
 * `trials[s]`; masked negatives (-1) are skipped. BPR + SGD with k = 1 takes the fused
 * {@link bprSgdRange}, which computes the same update.
 *
 * Row-wise Adagrad (`OPT_ADAGRAD_ROW`) needs a right row's squared gradient norm before the row
 * moves; rather than a second pass over the row, it is expanded as
 * ‖a·p + b·q‖² = a²‖p‖² + 2ab·(p·q) + b²‖q‖² from p·q and ‖q‖² taken in the scoring pass and
 * ‖p‖² at the slot's start, so the update is one pass, as SGD's. (A candidate repeated within a
 * slot therefore sizes its second step by its pre-slot norms.) The left row takes two passes.
 *
 * @returns the summed loss of the slots.
 * @remarks O((end − start)·(k + 1)·dim); allocates nothing. Safe for Hogwild: concurrent calls on
 * disjoint slot ranges race only on shared rows, as SGD tolerates.
 */
export function dotStepRange(
  v: DotViews,
  users: Int32Array,
  positives: Int32Array,
  negItems: Int32Array,
  logQ: Float32Array,
  trials: Int32Array,
  k: number,
  start: number,
  end: number,
  lr: number,
): number {
  const normalize = v.normalize
  if (v.loss === LOSS_BPR && v.optimizer === OPT_SGD && k === 1 && normalize === 0) {
    return bprSgdRange(v.left, v.right, v.bias, v.dim, users, positives, negItems, start, end, lr, v.l2, v.l2Bias)
  }
  const dim = v.dim
  const P = v.left
  const Q = v.right
  const bias = v.bias
  const hasBias = bias.length > 0 && normalize === 0
  const adagrad = v.optimizer === OPT_ADAGRAD
  const rowwise = v.optimizer === OPT_ADAGRAD_ROW
  const leftAcc = v.leftAcc
  const rightAcc = v.rightAcc
  const biasAcc = v.biasAcc
  const optimizer = v.optimizer
  const code = v.loss
  const hp = v.hp
  const l2 = v.l2
  const l2Bias = v.l2Bias
  const indptr = v.indptr
  const hasIndptr = indptr.length > 0
  const numItems = v.numItems
  const scores = v.scores
  const grads = v.grads
  const exps = v.exps
  const norms = v.norms
  const dots = v.dots
  const sqNorms = v.sqNorms
  const ug = v.leftGrad
  let total = 0
  for (let s = start; s < end; s++) {
    const u = users[s]
    const uo = u * dim
    const no = s * k
    let nu = 1
    let pn = 0
    if (normalize !== 0 || rowwise) {
      let n2 = 0
      for (let f = 0; f < dim; f++) n2 += P[uo + f] * P[uo + f]
      nu = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
      pn = n2
    }
    // Scores of the positive (c = 0) and the negatives (c = 1..k).
    for (let c = 0; c <= k; c++) {
      const item = c === 0 ? positives[s] : negItems[no + c - 1]
      if (item < 0) {
        scores[c] = 0
        continue
      }
      const io = item * dim
      let d = 0
      if (normalize !== 0) {
        let n2 = 0
        for (let f = 0; f < dim; f++) {
          const q = Q[io + f]
          d += P[uo + f] * q
          n2 += q * q
        }
        const nq = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
        norms[c] = nq
        scores[c] = d / (nu * nq)
        dots[c] = d
        sqNorms[c] = n2
      } else if (rowwise) {
        let n2 = 0
        for (let f = 0; f < dim; f++) {
          const q = Q[io + f]
          d += P[uo + f] * q
          n2 += q * q
        }
        dots[c] = d
        sqNorms[c] = n2
        scores[c] = hasBias ? d + bias[item] : d
      } else {
        for (let f = 0; f < dim; f++) d += P[uo + f] * Q[io + f]
        scores[c] = hasBias ? d + bias[item] : d
      }
    }
    const negCount = hasIndptr ? numItems - (indptr[u + 1] - indptr[u]) : numItems - 1
    total += lossGrad(code, scores, 0, negItems, logQ, no, k, negCount, trials[s], hp, exps, grads, 0)
    // One pass per touched right row: accumulate the left row's gradient from the row before it
    // moves, then update the row with the old left row. (A duplicate candidate sees its first
    // update; samplers rarely repeat an item within a slot.)
    for (let f = 0; f < dim; f++) ug[f] = 0
    let bu = 0
    for (let c = 0; c <= k; c++) {
      const g = grads[c]
      if (g === 0) continue
      const item = c === 0 ? positives[s] : negItems[no + c - 1]
      if (item < 0) continue
      const io = item * dim
      let a = g
      let b = l2
      if (normalize !== 0) {
        const nq = norms[c]
        a = g / (nu * nq)
        bu -= (g * scores[c]) / (nu * nu)
        b = l2 - (g * scores[c]) / (nq * nq)
      }
      if (adagrad) {
        for (let f = 0; f < dim; f++) {
          const q = Q[io + f]
          ug[f] += a * q
          const gq = a * P[uo + f] + b * q
          const h = rightAcc[io + f] + gq * gq
          rightAcc[io + f] = h
          Q[io + f] = q - (lr * gq) / Math.sqrt(h + ADAGRAD_EPS)
        }
      } else if (rowwise) {
        // ‖a·p + b·q‖² from the scoring pass's p·q and ‖q‖² (see above); ≥ 0 up to rounding.
        const n2 = a * a * pn + 2 * a * b * dots[c] + b * b * sqNorms[c]
        const h = rightAcc[item] + (n2 > 0 ? n2 : 0) / dim
        rightAcc[item] = h
        const r = lr / Math.sqrt(h + ADAGRAD_EPS)
        for (let f = 0; f < dim; f++) {
          const q = Q[io + f]
          ug[f] += a * q
          Q[io + f] = q - r * (a * P[uo + f] + b * q)
        }
      } else {
        for (let f = 0; f < dim; f++) {
          const q = Q[io + f]
          ug[f] += a * q
          Q[io + f] = q - lr * (a * P[uo + f] + b * q)
        }
      }
      if (hasBias) scalarUpdate(optimizer, bias, biasAcc, item, g + l2Bias * bias[item], lr)
    }
    if (adagrad) adagradRow64(P, leftAcc, uo, ug, 0, 1, bu + l2, dim, lr)
    else if (rowwise) adagradRowwise64(P, leftAcc, u, uo, ug, 0, 1, bu + l2, dim, lr)
    else sgdRow64(P, uo, ug, 0, 1, bu + l2, dim, lr)
  }
  return total
}

/**
 * Fused BPR step with plain SGD and one negative per slot, the classic loop: x = p_u·(q_i − q_j)
 * + b_i − b_j, c = σ(−x), then p_u += lr·(c·(q_i − q_j) − l2·p_u), q_i += lr·(c·p_u − l2·q_i),
 * q_j += lr·(−c·p_u − l2·q_j). Same update as {@link dotStepRange} with `LOSS_BPR`, two passes
 * over `dim` instead of five.
 *
 * @param bias - item biases, or length 0 for none.
 * @returns the summed loss −log σ(x).
 * @see Rendle et al., UAI 2009 (LearnBPR).
 * @remarks O((end − start)·dim); allocates nothing.
 */
export function bprSgdRange(
  P: Float32Array,
  Q: Float32Array,
  bias: Float32Array,
  dim: number,
  users: Int32Array,
  positives: Int32Array,
  negItems: Int32Array,
  start: number,
  end: number,
  lr: number,
  l2: number,
  l2Bias: number,
): number {
  const hasBias = bias.length > 0
  let total = 0
  for (let s = start; s < end; s++) {
    const j = negItems[s]
    if (j < 0) continue
    const i = positives[s]
    const uo = users[s] * dim
    const io = i * dim
    const jo = j * dim
    let x = 0
    for (let f = 0; f < dim; f++) x += P[uo + f] * (Q[io + f] - Q[jo + f])
    if (hasBias) x += bias[i] - bias[j]
    // loss = log(1 + e^−x); c = σ(−x) = 1 − σ(x)
    let c: number
    if (x >= 0) {
      const e = Math.exp(-x)
      c = e / (1 + e)
      total += Math.log1p(e)
    } else {
      const e = Math.exp(x)
      c = 1 / (1 + e)
      total += Math.log1p(e) - x
    }
    for (let f = 0; f < dim; f++) {
      const pu = P[uo + f]
      const qi = Q[io + f]
      const qj = Q[jo + f]
      P[uo + f] = pu + lr * (c * (qi - qj) - l2 * pu)
      Q[io + f] = qi + lr * (c * pu - l2 * qi)
      Q[jo + f] = qj - lr * (c * pu + l2 * qj)
    }
    if (hasBias) {
      bias[i] += lr * (c - l2Bias * bias[i])
      bias[j] -= lr * (c + l2Bias * bias[j])
    }
  }
  return total
}
