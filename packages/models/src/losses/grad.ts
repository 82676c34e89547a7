/**
 * Loss kernels over scores: given the model's score of a positive and of its k sampled negatives,
 * each kernel returns the loss of one training slot and writes dL/ds for every score. They know
 * nothing about parameters, so every model whose score is differentiable reuses them: MF chains
 * them through a dot product (`dotStepRange`), FM through its feature sums. (item2vec's SGNS and
 * hierarchical-softmax kernels are their own, in `item2vec/kernels.ts`.)
 *
 * Layout shared by every kernel: `scores[so]` is the positive's score and `scores[so+1+j]` the
 * score of negative j (j < k); `negItems[no+j] === -1` marks a masked negative, whose score is
 * ignored and whose gradient is written as 0. Gradients go to `grad[go..go+1+k)` (positive first).
 */

/** Loss codes: the step kernels switch on an integer so that call sites stay monomorphic. */
export const LOSS_BPR = 0
/** Pointwise logistic (skip-gram negative sampling style). */
export const LOSS_LOGISTIC = 1
/** Sampled softmax over the positive and its negatives, logQ-corrected. */
export const LOSS_SOFTMAX = 2
/** WARP-weighted hinge. */
export const LOSS_WARP = 3
/** gBCE (generalised binary cross-entropy). */
export const LOSS_GBCE = 4
/** SimpleX's cosine contrastive loss (margin on the negatives' scores, weighted mean). */
export const LOSS_CCL = 5

/** Names of the losses, as used in configs and on the command line. */
export type LossName = 'bpr' | 'logistic' | 'softmax' | 'warp' | 'gbce' | 'ccl'

/** Every loss name, in code order. */
export const lossNames: readonly LossName[] = ['bpr', 'logistic', 'softmax', 'warp', 'gbce', 'ccl']

/** Index of each hyper-parameter in the `hp` array read by {@link lossGrad}. */
export const HP_MARGIN = 0
/** 1/τ: scores are divided by the temperature τ before the softmax. */
export const HP_INV_TEMPERATURE = 1
/** gBCE's β (exponent of σ(s⁺)). */
export const HP_BETA = 2
/** 1 to subtract logQ from the negatives' softmax logits, 0 not to. */
export const HP_LOGQ = 3
/** CCL's weight w of the mean negative term. */
export const HP_NEG_WEIGHT = 4
/** Length of the `hp` array. */
export const HP_LENGTH = 5

/** Numerically stable log(1 + e^x). */
export function softplus(x: number): number {
  return x > 0 ? x + Math.log1p(Math.exp(-x)) : Math.log1p(Math.exp(x))
}

/** Logistic sigmoid 1 / (1 + e^-x), stable for large |x|. */
export function sigmoid(x: number): number {
  if (x >= 0) return 1 / (1 + Math.exp(-x))
  const e = Math.exp(x)
  return e / (1 + e)
}

/**
 * Harmonic number H_n = Σ_{r=1..n} 1/r, WARP's rank weight L(n). Exact sum below 64, then the
 * asymptotic expansion ln n + γ + 1/(2n) − 1/(12n²) (error < 1e-9 there). H_0 = 0.
 * @remarks O(1) for n ≥ 64, allocates nothing.
 */
export function harmonic(n: number): number {
  if (n <= 0) return 0
  if (n < 64) {
    let h = 0
    for (let r = 1; r <= n; r++) h += 1 / r
    return h
  }
  return Math.log(n) + 0.5772156649015329 + 1 / (2 * n) - 1 / (12 * n * n)
}

/**
 * BPR: L = Σ_j −log σ(s⁺ − s_j) over unmasked negatives (one pairwise term per negative).
 * @returns the slot's loss.
 * @see Rendle et al., "BPR: Bayesian Personalized Ranking from Implicit Feedback", UAI 2009.
 * @remarks O(k), allocates nothing.
 */
export function bprGrad(
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  no: number,
  k: number,
  grad: Float64Array,
  go: number,
): number {
  const sp = scores[so]
  let loss = 0
  let gp = 0
  for (let j = 0; j < k; j++) {
    if (negItems[no + j] < 0) {
      grad[go + 1 + j] = 0
      continue
    }
    const d = sp - scores[so + 1 + j]
    loss += softplus(-d)
    const c = sigmoid(-d)
    gp -= c
    grad[go + 1 + j] = c
  }
  grad[go] = gp
  return loss
}

/**
 * Pointwise logistic / gBCE: L = −β·log σ(s⁺) − Σ_j log(1 − σ(s_j)). β = 1 is the logistic loss of
 * skip-gram negative sampling; β < 1 is gBCE.
 * @param beta - exponent of σ(s⁺); see {@link gbceBeta}.
 * @returns the slot's loss.
 * @see Mikolov et al., "Distributed Representations of Words and Phrases", NeurIPS 2013.
 * @see Petrov & Macdonald, "gSASRec: Reducing Overconfidence in Sequential Recommendation Trained
 * with Negative Sampling", RecSys 2023.
 * @remarks O(k), allocates nothing.
 */
export function logisticGrad(
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  no: number,
  k: number,
  beta: number,
  grad: Float64Array,
  go: number,
): number {
  const sp = scores[so]
  let loss = beta * softplus(-sp)
  grad[go] = beta * (sigmoid(sp) - 1)
  for (let j = 0; j < k; j++) {
    if (negItems[no + j] < 0) {
      grad[go + 1 + j] = 0
      continue
    }
    const s = scores[so + 1 + j]
    loss += softplus(s)
    grad[go + 1 + j] = sigmoid(s)
  }
  return loss
}

/**
 * gBCE's β from the sampling rate α = k / (|I| − 1) and the calibration knob t ∈ [0, 1]:
 * β = α·(t·(1 − 1/α) + 1/α) = 1 − t·(1 − α). t = 0 gives plain BCE (β = 1), t = 1 gives β = α.
 * @see Petrov & Macdonald, RecSys 2023, eq. 6.
 */
export function gbceBeta(k: number, numItems: number, t: number): number {
  if (!(t >= 0 && t <= 1)) throw new Error(`gbceBeta: t must be in [0, 1], got ${t}`)
  if (!(numItems > 1)) throw new Error(`gbceBeta: need at least 2 items, got ${numItems}`)
  const alpha = Math.min(1, k / (numItems - 1))
  return alpha * (t * (1 - 1 / alpha) + 1 / alpha)
}

/**
 * Sampled softmax with logQ correction: logits z⁺ = s⁺/τ and z_j = s_j/τ − logQ_j (when
 * `logQ` is on), L = −z⁺ + log Σ exp(z). The positive is always in the candidate set and is not
 * corrected; each negative's logit is corrected by the log-probability its sampler reported, so
 * in-batch and popularity negatives do not over-penalise popular items.
 *
 * @param logQ - per-draw log proposal probabilities (`NegativeBuffer.logQ`), read at `no + j`.
 * @param invTemperature - 1/τ.
 * @param correct - 1 to subtract logQ, 0 for the plain sampled softmax.
 * @param exps - scratch of length ≥ 1 + k.
 * @returns the slot's loss.
 * @see Bengio & Senécal, "Adaptive importance sampling to accelerate training of a neural
 * probabilistic language model", IEEE TNN 2008.
 * @see Yi et al., "Sampling-Bias-Corrected Neural Modeling for Large Corpus Item
 * Recommendations", RecSys 2019.
 * @remarks O(k), allocates nothing.
 */
export function softmaxGrad(
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  logQ: Float32Array,
  no: number,
  k: number,
  invTemperature: number,
  correct: number,
  exps: Float64Array,
  grad: Float64Array,
  go: number,
): number {
  const zp = scores[so] * invTemperature
  let max = zp
  for (let j = 0; j < k; j++) {
    if (negItems[no + j] < 0) continue
    const z = scores[so + 1 + j] * invTemperature - correct * logQ[no + j]
    exps[1 + j] = z
    if (z > max) max = z
  }
  let sum = Math.exp(zp - max)
  exps[0] = sum
  for (let j = 0; j < k; j++) {
    if (negItems[no + j] < 0) {
      exps[1 + j] = 0
      continue
    }
    const e = Math.exp(exps[1 + j] - max)
    exps[1 + j] = e
    sum += e
  }
  const inv = 1 / sum
  grad[go] = (exps[0] * inv - 1) * invTemperature
  for (let j = 0; j < k; j++) grad[go + 1 + j] = exps[1 + j] * inv * invTemperature
  return max + Math.log(sum) - zp
}

/**
 * WARP-weighted hinge: L = H(⌊negCount / trials⌋) · Σ_j max(0, margin − s⁺ + s_j), where
 * `trials` is the number of draws the sampler spent to find a violating negative (the rank
 * estimate) and `negCount` = |I| − |I_u⁺|. With a non-searching sampler (`trials` = 1) this is a
 * hinge with the largest weight.
 *
 * @returns the slot's loss.
 * @see Weston, Bengio & Usunier, "WSABIE: Scaling Up To Large Vocabulary Image Annotation", IJCAI 2011.
 * @remarks O(k) plus one harmonic number, allocates nothing.
 */
export function warpGrad(
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  no: number,
  k: number,
  margin: number,
  negCount: number,
  trials: number,
  grad: Float64Array,
  go: number,
): number {
  const t = trials > 0 ? trials : 1
  const weight = harmonic(Math.floor(negCount / t))
  const sp = scores[so]
  let loss = 0
  let gp = 0
  for (let j = 0; j < k; j++) {
    const h = margin - sp + scores[so + 1 + j]
    if (negItems[no + j] < 0 || h <= 0) {
      grad[go + 1 + j] = 0
      continue
    }
    loss += weight * h
    gp -= weight
    grad[go + 1 + j] = weight
  }
  grad[go] = gp
  return loss
}

/**
 * SimpleX's cosine contrastive loss: L = (1 − s⁺) + (w / n) · Σ_j max(0, s_j − margin) over the n
 * unmasked negatives, meant for cosine scores (train with `normalize: true`), where the margin filters out the
 * easy negatives and w balances the two terms.
 *
 * @returns the slot's loss.
 * @see Mao, Zhu, Wang, Zhang, Zhang, Ge, Zhang, "SimpleX: A Simple and Strong Baseline for
 * Collaborative Filtering", CIKM 2021.
 * @remarks O(k), allocates nothing.
 */
export function cclGrad(
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  no: number,
  k: number,
  margin: number,
  weight: number,
  grad: Float64Array,
  go: number,
): number {
  let n = 0
  for (let j = 0; j < k; j++) if (negItems[no + j] >= 0) n++
  const w = n > 0 ? weight / n : 0
  let loss = 1 - scores[so]
  grad[go] = -1
  for (let j = 0; j < k; j++) {
    const h = scores[so + 1 + j] - margin
    if (negItems[no + j] < 0 || h <= 0) {
      grad[go + 1 + j] = 0
      continue
    }
    loss += w * h
    grad[go + 1 + j] = w
  }
  return loss
}

/**
 * Dispatches to the kernel of loss `code` (`LOSS_*`), reading its hyper-parameters from `hp`
 * (`HP_*` indices). The one entry point the step kernels call.
 *
 * @param negCount - |I| − |I_u⁺| (WARP only).
 * @param trials - the slot's `NegativeBuffer.trials` (WARP only).
 * @param exps - scratch of length ≥ 1 + k (softmax only).
 * @returns the slot's loss; dL/ds written to `grad[go..go+1+k)`.
 * @remarks O(k), allocates nothing.
 */
export function lossGrad(
  code: number,
  scores: Float64Array,
  so: number,
  negItems: Int32Array,
  logQ: Float32Array,
  no: number,
  k: number,
  negCount: number,
  trials: number,
  hp: Float64Array,
  exps: Float64Array,
  grad: Float64Array,
  go: number,
): number {
  switch (code) {
    case LOSS_BPR:
      return bprGrad(scores, so, negItems, no, k, grad, go)
    case LOSS_LOGISTIC:
      return logisticGrad(scores, so, negItems, no, k, 1, grad, go)
    case LOSS_GBCE:
      return logisticGrad(scores, so, negItems, no, k, hp[HP_BETA], grad, go)
    case LOSS_SOFTMAX:
      return softmaxGrad(scores, so, negItems, logQ, no, k, hp[HP_INV_TEMPERATURE], hp[HP_LOGQ], exps, grad, go)
    case LOSS_WARP:
      return warpGrad(scores, so, negItems, no, k, hp[HP_MARGIN], negCount, trials, grad, go)
    case LOSS_CCL:
      return cclGrad(scores, so, negItems, no, k, hp[HP_MARGIN], hp[HP_NEG_WEIGHT], grad, go)
    default:
      throw new Error(`lossGrad: unknown loss code ${code}`)
  }
}
