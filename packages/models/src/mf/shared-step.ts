/**
 * The training step over batch-shared negatives (samplers `shared` and `all`) for dot-product
 * models: a batch's distinct users (runs of consecutive slots with one user) are scored against
 * the M shared items by one GEMM, the loss pass turns the scores into dL/dS row by row, and two
 * more GEMMs give the gradients of the user rows and of the shared item rows.
 */
import type { Batch, FactorView, Interactions, NegativeBuffer } from '@decoy/core'
import { HP_INV_TEMPERATURE, HP_LOGQ, LOSS_SOFTMAX } from '../losses/grad.js'
import { sharedLossCovers, sharedRunGrad, softmaxRunPositives } from '../losses/shared-loss.js'
import { OPT_ADAGRAD, OPT_ADAGRAD_ROW, adagradRow, adagradRowwise, scalarUpdate, sgdRow } from '../optim/optim.js'
import { createDotScorer } from '../dot-scorer.js'
import { GemmArena } from './gemm.js'
import type { Stepper } from '../train/types.js'

/** Spec of the shared-negative stepper (JSON). */
export interface SharedStepperSpec {
  /** Factor dimension (a multiple of 4 for the GEMM). */
  dim: number
  /** Items. */
  numItems: number
  /** `LOSS_*` code: softmax or ccl. */
  loss: number
  /** Loss hyper-parameters (`HP_*`). */
  hp: number[]
  /** `OPT_*` code. */
  optimizer: number
  /** 1 for cosine scores (what ccl is meant for). */
  normalize: number
  /** L2 on touched factor rows. */
  l2: number
  /** L2 on touched biases. */
  l2Bias: number
  /** false: the TypeScript GEMM (tests, engines without SIMD); default: WebAssembly when supported. */
  wasm?: boolean
}

const EMPTY_F32 = new Float32Array(0)
/** Negatives per pair whose L2 the shared rows receive (the per-slot default's k). */
const NEG_L2_DRAWS = 32

/**
 * One thread's shared-negative step over the parameter arrays `left` (users), `right` (items),
 * optional `bias` and Adagrad accumulators `leftAcc`, `rightAcc`, `biasAcc` (per coordinate, or one
 * per factor row with row-wise Adagrad).
 *
 * Per batch: runs r of one user; U_r (rows gathered, normalised for cosine scores) and the shared
 * rows Q_M are copied into the GEMM arena; S = U·Q_Mᵀ; {@link sharedRunGrad} per run (positives
 * scored by a dot each); dU = G·Q_M and dQ = Gᵀ·U by the same kernel; then Adagrad/SGD updates of
 * the shared rows (and their biases), of each slot's positive row, and of the user rows, every
 * gradient taken at the pre-step parameters (from the arena's copies). Cosine scores backpropagate
 * through the normalisation: ∂/∂q = (g − q̂(q̂·g))/|q|. L2 applies to the rows a step touches.
 * A repeated item in the shared set is updated once per draw.
 */
export class SharedStep {
  private readonly dim: number
  private readonly P: Float32Array
  private readonly Q: Float32Array
  private readonly bias: Float32Array
  private readonly pAcc: Float32Array
  private readonly qAcc: Float32Array
  private readonly bAcc: Float32Array
  private readonly adagrad: boolean
  private readonly rowwise: boolean
  private readonly optimizer: number
  private readonly code: number
  private readonly hp: Float64Array
  private readonly normalize: boolean
  private readonly hasBias: boolean
  private readonly l2: number
  private readonly l2Bias: number
  private readonly arena: GemmArena
  private capR = 0
  private capM = 0
  private oU = 0
  private oQT = 0
  private oS = 0
  private oQ = 0
  private oDU = 0
  private oDQ = 0
  private oLQ = 0
  private oOut = 0
  private runStart = new Int32Array(0)
  private runNorm = new Float64Array(0)
  private itemNorm = new Float64Array(0)
  private mask = new Uint8Array(0)
  private pos = new Float64Array(0)
  private posGrad = new Float64Array(0)
  private posNorm = new Float64Array(0)
  private runScale = new Float64Array(0)
  /** Unmasked (slot, shared draw) pairs of the last step. */
  lastPairs = 0

  constructor(arrays: Record<string, Float32Array>, spec: SharedStepperSpec) {
    if (!sharedLossCovers(spec.loss)) {
      throw new Error('fit: batch-shared negatives (samplers shared, all) train the softmax or ccl loss only')
    }
    if (!(spec.dim % 4 === 0)) throw new Error(`fit: batch-shared negatives need dim a multiple of 4, got ${spec.dim}`)
    this.dim = spec.dim
    this.P = arrays.left
    this.Q = arrays.right
    // CCL is meant for cosines, but the model scores as configured: `normalize` decides for both.
    this.normalize = spec.normalize !== 0
    this.bias = this.normalize ? EMPTY_F32 : (arrays.bias ?? EMPTY_F32)
    this.hasBias = this.bias.length > 0
    this.pAcc = arrays.leftAcc ?? EMPTY_F32
    this.qAcc = arrays.rightAcc ?? EMPTY_F32
    this.bAcc = arrays.biasAcc ?? EMPTY_F32
    this.optimizer = spec.optimizer
    this.adagrad = spec.optimizer === OPT_ADAGRAD
    this.rowwise = spec.optimizer === OPT_ADAGRAD_ROW
    this.code = spec.loss
    this.hp = Float64Array.from(spec.hp)
    this.l2 = spec.l2
    this.l2Bias = spec.l2Bias
    this.arena = spec.wasm === false ? new GemmArena(false) : new GemmArena()
  }

  private ensure(slots: number, m: number): void {
    if (slots <= this.capR && m <= this.capM) return
    const R = Math.max(slots, this.capR)
    const M = Math.max(m, this.capM)
    const M4 = Math.ceil(M / 4) * 4
    const E = this.dim + 4
    const D = this.dim
    ;[this.oU, this.oQT, this.oS, this.oQ, this.oDU, this.oDQ, this.oLQ, this.oOut] = this.arena.reserve([
      R * E,
      E * M4,
      R * M4,
      M * D,
      R * D,
      M * E,
      M4,
      4,
    ])
    this.capR = R
    this.capM = M
    this.runStart = new Int32Array(R + 1)
    this.runNorm = new Float64Array(R)
    this.itemNorm = new Float64Array(M)
    this.mask = new Uint8Array(M)
    this.pos = new Float64Array(R)
    this.posGrad = new Float64Array(R)
    this.posNorm = new Float64Array(R)
    this.runScale = new Float64Array(R)
  }

  /**
   * Trains slots `[start, end)` of `batch` against `negs.shared` at learning rate `lr`.
   * @returns the summed loss. Allocates nothing once the arena fits the batch.
   */
  step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
    const sh = negs.shared
    if (!sh) throw new Error('fit: the batch-shared step needs a sampler that fills negatives.shared (shared, all)')
    const D = this.dim
    // User rows and dQ rows have stride E = D + 4: column D of U holds 1 (with biases), so the
    // score product adds b_j (row D of Q_Mᵀ) and dQ's column D is the bias gradient Σ_r G[r, j].
    const E = D + 4
    const M = sh.count
    const size = end - start
    this.ensure(size, M)
    const M4 = Math.ceil(M / 4) * 4
    const users = batch.users
    const positives = batch.positives
    const P = this.P
    const Q = this.Q
    const bias = this.bias
    const hasBias = this.hasBias
    const normalize = this.normalize
    const f = this.arena.f32
    const oU = this.oU
    const oQT = this.oQT
    const oS = this.oS
    const oQ = this.oQ
    const oDU = this.oDU
    const oDQ = this.oDQ
    // Runs of one user, and their rows.
    const runStart = this.runStart
    let R = 0
    for (let s = start; s < end; s++) {
      if (s === start || users[s] !== users[s - 1]) runStart[R++] = s
    }
    runStart[R] = end
    for (let r = 0; r < R; r++) {
      const uo = users[runStart[r]] * D
      const o = oU + r * E
      let inv = 1
      if (normalize) {
        let n2 = 0
        for (let k = 0; k < D; k++) n2 += P[uo + k] * P[uo + k]
        const nu = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
        this.runNorm[r] = nu
        inv = 1 / nu
      }
      for (let k = 0; k < D; k++) f[o + k] = P[uo + k] * inv
      f[o + D] = hasBias ? 1 : 0
      f[o + D + 1] = 0
      f[o + D + 2] = 0
      f[o + D + 3] = 0
    }
    const items = sh.items
    for (let j = 0; j < M; j++) {
      const io = items[j] * D
      const o = oQ + j * D
      let inv = 1
      if (normalize) {
        let n2 = 0
        for (let k = 0; k < D; k++) n2 += Q[io + k] * Q[io + k]
        const nq = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
        this.itemNorm[j] = nq
        inv = 1 / nq
      }
      for (let k = 0; k < D; k++) {
        const v = Q[io + k] * inv
        f[o + k] = v
        f[oQT + k * M4 + j] = v
      }
    }
    for (let k = 0; k < D; k++) for (let j = M; j < M4; j++) f[oQT + k * M4 + j] = 0
    if (hasBias) {
      const ob = oQT + D * M4
      for (let j = 0; j < M; j++) f[ob + j] = bias[items[j]]
      for (let j = M; j < M4; j++) f[ob + j] = 0
    }
    const g = this.arena
    g.gemm(oU * 4, E * 4, 4, oQT * 4, M4 * 4, oS * 4, M4 * 4, R, M4, hasBias ? D + 1 : D, 0)
    // Loss pass per run: mask, positives, dL/dS in place. The WebAssembly softmax pass needs the
    // logQ terms in the arena and the masked entries as −∞.
    const fast = g.wasm && this.code === LOSS_SOFTMAX
    const hp = this.hp
    const invT = hp[HP_INV_TEMPERATURE]
    if (fast) {
      const c = hp[HP_LOGQ]
      const shift = c !== 0 ? Math.log(M) : 0
      for (let j = 0; j < M; j++) f[this.oLQ + j] = c * (sh.logQ[j] + shift)
      for (let j = M; j < M4; j++) f[this.oLQ + j] = 0
    }
    const mask = this.mask
    const pos = this.pos
    const posGrad = this.posGrad
    const posNorm = this.posNorm
    const hits = sh.hits
    let loss = 0
    let pairs = 0
    for (let r = 0; r < R; r++) {
      const s0 = runStart[r]
      const n = runStart[r + 1] - s0
      const ro = oS + r * M4
      const h0 = sh.hitStart[s0]
      const h1 = sh.hitEnd[s0]
      for (let h = h0; h < h1; h++) mask[hits[h]] = 1
      pairs += n * (M - (h1 - h0))
      const uo = oU + r * E
      for (let t = 0; t < n; t++) {
        const io = positives[s0 + t] * D
        let d = 0
        let n2 = 0
        for (let k = 0; k < D; k++) {
          const q = Q[io + k]
          d += f[uo + k] * q
          n2 += q * q
        }
        if (normalize) {
          const nq = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
          posNorm[s0 - start + t] = nq
          d /= nq
        } else if (hasBias) d += bias[positives[s0 + t]]
        pos[s0 - start + t] = d
      }
      if (fast) {
        for (let h = h0; h < h1; h++) f[ro + hits[h]] = -Infinity
        for (let j = M; j < M4; j++) f[ro + j] = -Infinity
        const zneg = g.softmaxRow(ro, this.oLQ, M4, invT, this.oOut)
        loss += softmaxRunPositives(f[this.oOut], zneg, pos, s0 - start, n, invT, posGrad, this.runScale, r)
        if (zneg > 0) g.scaleRow(ro, M4, this.runScale[r] * invT)
        else f.fill(0, ro, ro + M4) // every draw masked: no negative term
      } else loss += sharedRunGrad(this.code, f, ro, M, mask, sh.logQ, pos, s0 - start, n, hp, posGrad)
      for (let h = h0; h < h1; h++) mask[hits[h]] = 0
    }
    this.lastPairs = pairs
    // dU = G·Q_M, dQ = Gᵀ·U (over the M live columns of G).
    g.gemm(oS * 4, M4 * 4, 4, oQ * 4, D * 4, oDU * 4, D * 4, R, D, M, 0)
    g.gemm(oS * 4, 4, M4 * 4, oU * 4, E * 4, oDQ * 4, E * 4, M, E, R, 0)
    // Positives: their share of dU (old item rows), then their own rows (old user rows).
    const lr2 = this.l2
    for (let r = 0; r < R; r++) {
      const uo = oU + r * E
      const du = oDU + r * D
      for (let s = runStart[r]; s < runStart[r + 1]; s++) {
        const gp = posGrad[s - start]
        if (gp === 0) continue
        const item = positives[s]
        const io = item * D
        const a = normalize ? gp / posNorm[s - start] : gp
        for (let k = 0; k < D; k++) f[du + k] += a * Q[io + k]
        // ∂L/∂q⁺ = gp·u (raw), or through q⁺'s normalisation: (gp/|q|)·û − gp·s⁺/|q|²·q.
        const b = normalize ? lr2 - (gp * pos[s - start]) / (posNorm[s - start] * posNorm[s - start]) : lr2
        this.rowUpdate(Q, this.qAcc, io, f, uo, a, b, lr)
        if (hasBias) scalarUpdate(this.optimizer, bias, this.bAcc, item, gp + this.l2Bias * bias[item], lr)
      }
    }
    // Shared rows and biases. L2 follows the pairs a row's gradient sums, as in the per-slot step
    // where every pair decays its user row, its positive and each of its k negatives: user rows by
    // n_run, shared rows as if each pair had drawn NEG_L2_DRAWS of the M (size·NEG_L2_DRAWS/M).
    const l2Neg = (lr2 * size * NEG_L2_DRAWS) / M
    for (let j = 0; j < M; j++) {
      const item = items[j]
      const io = item * D
      const dq = oDQ + j * E
      if (normalize) {
        const nq = this.itemNorm[j]
        let dot = 0
        for (let k = 0; k < D; k++) dot += f[oQ + j * D + k] * f[dq + k]
        this.rowUpdate(Q, this.qAcc, io, f, dq, 1 / nq, l2Neg - dot / (nq * nq), lr)
      } else {
        this.rowUpdate(Q, this.qAcc, io, f, dq, 1, l2Neg, lr)
        if (hasBias) scalarUpdate(this.optimizer, bias, this.bAcc, item, f[dq + D] + this.l2Bias * bias[item], lr)
      }
    }
    // User rows.
    for (let r = 0; r < R; r++) {
      const uo = users[runStart[r]] * D
      const du = oDU + r * D
      const l2u = lr2 * (runStart[r + 1] - runStart[r])
      if (normalize) {
        const nu = this.runNorm[r]
        let dot = 0
        for (let k = 0; k < D; k++) dot += f[oU + r * E + k] * f[du + k]
        this.rowUpdate(P, this.pAcc, uo, f, du, 1 / nu, l2u - dot / (nu * nu), lr)
      } else this.rowUpdate(P, this.pAcc, uo, f, du, 1, l2u, lr)
    }
    return loss
  }

  private rowUpdate(
    theta: Float32Array,
    acc: Float32Array,
    to: number,
    src: Float32Array,
    so: number,
    a: number,
    b: number,
    lr: number,
  ): void {
    if (this.adagrad) adagradRow(theta, acc, to, src, so, a, b, this.dim, lr)
    else if (this.rowwise) adagradRowwise(theta, acc, to / this.dim, to, src, so, a, b, this.dim, lr)
    else sgdRow(theta, to, src, so, a, b, this.dim, lr)
  }
}

/**
 * Builds the batch-shared {@link Stepper}; registered as `'shared'` in `stepperFactories`.
 * @throws Error for a loss without a batch-shared form or dim not a multiple of 4.
 */
export function createSharedStepper(
  arrays: Record<string, Float32Array>,
  spec: SharedStepperSpec,
  _train: Interactions,
  _k: number,
): Stepper {
  const step = new SharedStep(arrays, spec)
  const scorer: FactorView = createDotScorer(arrays.left, arrays.right, arrays.bias ?? EMPTY_F32, spec.dim, spec.normalize !== 0 ? 1 : 0)
  return {
    scorer: () => scorer,
    step: (batch, negs, start, end, lr) => step.step(batch, negs, start, end, lr),
    sharedNegatives: true,
  }
}
