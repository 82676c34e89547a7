import { lossGrad, sigmoid, softplus } from '../losses/grad.js'
import { ADAGRAD_EPS, OPT_ADAGRAD } from '../optim/optim.js'

/** The training feature rows of users and items (CSR: pointers, feature ids, values). */
export interface FmFeatureRows {
  /** User rows: pointers, feature ids, values. */
  uPtr: Int32Array
  uFeat: Int32Array
  uVal: Float32Array
  /** Item rows: pointers, feature ids, values. */
  iPtr: Int32Array
  iFeat: Int32Array
  iVal: Float32Array
}

/**
 * Everything the FM step kernel reads: parameters (global bias `w0`, linear weights `w`, factors
 * `V` with stride `dim`), optimiser state, loss, the user-side and item-side feature rows, and
 * per-thread scratch. Built once per thread over the same (possibly shared) arrays.
 *
 * With user row U and item row I the degree-2 FM score (Rendle 2010) splits as
 * `ŷ = w0 + c_U + c_I + s_U·s_I`, where `s_R = Σ_{m∈R} v_m x_m` and
 * `c_R = Σ_{m∈R} w_m x_m + ½(|s_R|² − Σ_{m∈R} |v_m|² x_m²)` (the sum-of-squares identity).
 */
export interface FmViews extends FmFeatureRows {
  /** Factor dimension. */
  dim: number
  /** Items the sampler draws from (training items; WARP's |I|). */
  numItems: number
  /** `[1]` global bias. */
  w0: Float32Array
  /** `[numFeatures]` linear weights. */
  w: Float32Array
  /** `[numFeatures * dim]` factors. */
  V: Float32Array
  /** Adagrad accumulators (length 0 with SGD). */
  w0Acc: Float32Array
  /** Adagrad accumulators of `w` (length 0 with SGD). */
  wAcc: Float32Array
  /** Adagrad accumulators of `V` (length 0 with SGD). */
  VAcc: Float32Array
  /** `OPT_*` code. */
  optimizer: number
  /** `LOSS_*` code. */
  loss: number
  /** Loss hyper-parameters. */
  hp: Float64Array
  /** L2 on touched factor rows. */
  l2: number
  /** L2 on touched linear weights. */
  l2Bias: number
  /** Training CSR row pointers (WARP's |I| − |I_u⁺|; length 0: numItems − 1). */
  indptr: Int32Array
  /**
   * `[numUsers * dim]` user-side sums P_u = s_U lent to samplers through the FM's `FactorView`
   * (length 0: none to keep). {@link fmStepRange} rewrites the slot user's row after its update.
   */
  userFactors: Float32Array
  /** Scratch `[1 + k]`. */
  scores: Float64Array
  /** Scratch `[1 + k]`. */
  grads: Float64Array
  /** Scratch `[1 + k]`. */
  exps: Float64Array
  /** Scratch `[dim]`: the user-side sum. */
  userSum: Float64Array
  /** Scratch `[(1 + k) * dim]`: the candidates' item-side sums. */
  candSums: Float64Array
  /** Scratch `[dim]`: Σ_c g_c s_c (the user side's factor gradient). */
  gradU: Float64Array
  /** Scratch `[1]`: the last {@link fmRowSum}'s constant. */
  rowConst: Float64Array
}

/**
 * Allocates the scratch of {@link FmViews} for `k` negatives per slot.
 * @remarks O((1 + k)·dim); once per thread.
 */
export function allocFmScratch(
  k: number,
  dim: number,
): Pick<FmViews, 'scores' | 'grads' | 'exps' | 'userSum' | 'candSums' | 'gradU' | 'rowConst'> {
  return {
    scores: new Float64Array(k + 1),
    grads: new Float64Array(k + 1),
    exps: new Float64Array(k + 1),
    userSum: new Float64Array(dim),
    candSums: new Float64Array((k + 1) * dim),
    gradU: new Float64Array(dim),
    rowConst: new Float64Array(1),
  }
}

/**
 * Sum-of-squares pass over one sparse row `feat/val[start..end)`: writes `s = Σ v_m x_m` into
 * `out[oo..oo+dim)` and returns `c = Σ w_m x_m + ½(|s|² − Σ |v_m|² x_m²)`.
 * @remarks O((end − start)·dim); allocates nothing.
 */
export function fmRowSum(
  w: Float32Array,
  V: Float32Array,
  dim: number,
  feat: Int32Array,
  val: Float32Array,
  start: number,
  end: number,
  out: Float64Array,
  oo: number,
): number {
  for (let f = 0; f < dim; f++) out[oo + f] = 0
  let lin = 0
  let sq = 0
  for (let p = start; p < end; p++) {
    const m = feat[p]
    const x = val[p]
    lin += w[m] * x
    const mo = m * dim
    for (let f = 0; f < dim; f++) {
      const t = V[mo + f] * x
      out[oo + f] += t
      sq += t * t
    }
  }
  let ss = 0
  for (let f = 0; f < dim; f++) ss += out[oo + f] * out[oo + f]
  return lin + 0.5 * (ss - sq)
}

/** Same as {@link fmRowSum}, writing the sum into a `Float32Array` (the item cache). */
export function fmRowSum32(
  w: Float32Array,
  V: Float32Array,
  dim: number,
  feat: Int32Array,
  val: Float32Array,
  start: number,
  end: number,
  out: Float32Array,
  oo: number,
  tmp: Float64Array,
): number {
  const c = fmRowSum(w, V, dim, feat, val, start, end, tmp, 0)
  for (let f = 0; f < dim; f++) out[oo + f] = tmp[f]
  return c
}

/**
 * Updates the parameters of one sparse row for a score gradient: every feature m of
 * `feat/val[start..end)` gets `∂/∂w_m = g·x_m` and `∂/∂v_mf = x_m·(a·S_f + T_f) − g·v_mf·x_m²`,
 * where `S` = `sumA[sa..)`, `T` = `sumB[sb..)` (pass `b = 0` to ignore T), plus L2 on the touched
 * values. The row's factor gradient is the FM's `x_m(Σ_j v_j x_j − v_m x_m)` with the total sum
 * split into the two sides.
 * @remarks O((end − start)·dim); allocates nothing.
 */
export function fmRowUpdate(
  v: FmViews,
  feat: Int32Array,
  val: Float32Array,
  start: number,
  end: number,
  g: number,
  a: number,
  sumA: Float64Array,
  sa: number,
  b: number,
  sumB: Float64Array,
  sb: number,
  lr: number,
): void {
  const dim = v.dim
  const w = v.w
  const V = v.V
  const l2 = v.l2
  const l2b = v.l2Bias
  const adagrad = v.optimizer === OPT_ADAGRAD
  const wAcc = v.wAcc
  const VAcc = v.VAcc
  for (let p = start; p < end; p++) {
    const m = feat[p]
    const x = val[p]
    const gw = g * x + l2b * w[m]
    if (adagrad) {
      const h = wAcc[m] + gw * gw
      wAcc[m] = h
      w[m] -= (lr * gw) / Math.sqrt(h + ADAGRAD_EPS)
    } else w[m] -= lr * gw
    const mo = m * dim
    const gx2 = g * x * x
    if (adagrad) {
      for (let f = 0; f < dim; f++) {
        const q = V[mo + f]
        const gv = x * (a * sumA[sa + f] + b * sumB[sb + f]) - gx2 * q + l2 * q
        const h = VAcc[mo + f] + gv * gv
        VAcc[mo + f] = h
        V[mo + f] = q - (lr * gv) / Math.sqrt(h + ADAGRAD_EPS)
      }
    } else {
      for (let f = 0; f < dim; f++) {
        const q = V[mo + f]
        V[mo + f] = q - lr * (x * (a * sumA[sa + f] + b * sumB[sb + f]) - gx2 * q + l2 * q)
      }
    }
  }
}

/**
 * One SGD/Adagrad step of any loss for the batch slots `[start, end)` of an FM over user and item
 * feature rows: the user side's sum is computed once per slot, each candidate's item side once,
 * the score is `w0 + c_U + c_I + s_U·s_I`; {@link lossGrad} gives dL/ds per candidate; then each
 * candidate's item features, the user features and `w0` are updated with gradients taken at the
 * pre-step sums. A negative's feature row replaces the positive's; masked (-1) negatives are
 * skipped. When `v.userFactors` is non-empty the slot user's row of it is then rewritten with the
 * user side's post-update sum (O(nnz_u·dim)).
 *
 * @returns the summed loss of the slots.
 * @remarks O((end − start)·(k + 1)·nnz·dim) where nnz is the mean active features per row;
 * allocates nothing. Hogwild-safe as {@link dotStepRange}.
 * @see Rendle, "Factorization Machines", ICDM 2010.
 */
export function fmStepRange(
  v: FmViews,
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
  const dim = v.dim
  const w = v.w
  const V = v.V
  const uPtr = v.uPtr
  const uFeat = v.uFeat
  const uVal = v.uVal
  const iPtr = v.iPtr
  const iFeat = v.iFeat
  const iVal = v.iVal
  const scores = v.scores
  const grads = v.grads
  const su = v.userSum
  const cs = v.candSums
  const gU = v.gradU
  const indptr = v.indptr
  const hasIndptr = indptr.length > 0
  const numItems = v.numItems
  const P = v.userFactors
  let total = 0
  for (let s = start; s < end; s++) {
    const u = users[s]
    const no = s * k
    const w0 = v.w0[0]
    const cu = fmRowSum(w, V, dim, uFeat, uVal, uPtr[u], uPtr[u + 1], su, 0)
    for (let c = 0; c <= k; c++) {
      const item = c === 0 ? positives[s] : negItems[no + c - 1]
      if (item < 0) {
        scores[c] = 0
        continue
      }
      const co = c * dim
      const ci = fmRowSum(w, V, dim, iFeat, iVal, iPtr[item], iPtr[item + 1], cs, co)
      let d = 0
      for (let f = 0; f < dim; f++) d += su[f] * cs[co + f]
      scores[c] = w0 + cu + ci + d
    }
    const negCount = hasIndptr ? numItems - (indptr[u + 1] - indptr[u]) : numItems - 1
    total += lossGrad(v.loss, scores, 0, negItems, logQ, no, k, negCount, trials[s], v.hp, v.exps, grads, 0)
    let G = 0
    for (let f = 0; f < dim; f++) gU[f] = 0
    for (let c = 0; c <= k; c++) {
      const g = grads[c]
      if (g === 0) continue
      const item = c === 0 ? positives[s] : negItems[no + c - 1]
      if (item < 0) continue
      G += g
      const co = c * dim
      for (let f = 0; f < dim; f++) gU[f] += g * cs[co + f]
      // Item side: ∂ŷ/∂v_mf = x_m (s_U,f + s_I,f) − v_mf x_m².
      fmRowUpdate(v, iFeat, iVal, iPtr[item], iPtr[item + 1], g, g, su, 0, g, cs, co, lr)
    }
    // User side: Σ_c g_c [x_m (s_U,f + s_c,f) − v_mf x_m²] = x_m (G s_U,f + Σ_c g_c s_c,f) − G v_mf x_m².
    fmRowUpdate(v, uFeat, uVal, uPtr[u], uPtr[u + 1], G, G, su, 0, 1, gU, 0, lr)
    // The sampler reads P_u before the user's next step: give it the post-update sum (su is free now).
    if (P.length > 0) {
      fmRowSum(w, V, dim, uFeat, uVal, uPtr[u], uPtr[u + 1], su, 0)
      const po = u * dim
      for (let f = 0; f < dim; f++) P[po + f] = su[f]
    }
    if (G !== 0) {
      if (v.optimizer === OPT_ADAGRAD) {
        const h = v.w0Acc[0] + G * G
        v.w0Acc[0] = h
        v.w0[0] -= (lr * G) / Math.sqrt(h + ADAGRAD_EPS)
      } else v.w0[0] -= lr * G
    }
  }
  return total
}

/**
 * FM score of one example given as two sparse row parts (either may be empty), with `tmp` of
 * length ≥ 2·dim as scratch.
 * @remarks O(nnz·dim); allocates nothing.
 */
export function fmScorePair(
  w0: number,
  w: Float32Array,
  V: Float32Array,
  dim: number,
  aFeat: Int32Array,
  aVal: Float32Array,
  aStart: number,
  aEnd: number,
  bFeat: Int32Array,
  bVal: Float32Array,
  bStart: number,
  bEnd: number,
  tmp: Float64Array,
): number {
  const ca = fmRowSum(w, V, dim, aFeat, aVal, aStart, aEnd, tmp, 0)
  const cb = fmRowSum(w, V, dim, bFeat, bVal, bStart, bEnd, tmp, dim)
  let d = 0
  for (let f = 0; f < dim; f++) d += tmp[f] * tmp[dim + f]
  return w0 + ca + cb + d
}

/**
 * The naive degree-2 FM score `w0 + Σ w_i x_i + Σ_{i<j} ⟨v_i, v_j⟩ x_i x_j` over the
 * concatenation of two row parts: the O(n²·k) definition, kept as the oracle of the tests.
 * @remarks O(n²·dim); allocates nothing.
 */
export function fmScoreNaive(
  w0: number,
  w: Float32Array,
  V: Float32Array,
  dim: number,
  feat: Int32Array,
  val: Float32Array,
  start: number,
  end: number,
): number {
  let y = w0
  for (let p = start; p < end; p++) {
    y += w[feat[p]] * val[p]
    for (let q = p + 1; q < end; q++) {
      let d = 0
      const po = feat[p] * dim
      const qo = feat[q] * dim
      for (let f = 0; f < dim; f++) d += V[po + f] * V[qo + f]
      y += d * val[p] * val[q]
    }
  }
  return y
}

/**
 * One weighted logistic step per example `order[start..end)` of a labelled row table (the FM as a
 * binary classifier): `ŷ = w0 + c_R`, `L = weight·(softplus(ŷ) − y·ŷ)`, `∂L/∂ŷ = weight·(σ(ŷ) − y)`.
 *
 * @param labels - 0/1 per row; `weights` per row (length 0: all 1).
 * @returns the summed weighted loss.
 * @remarks O((end − start)·nnz·dim); allocates nothing.
 */
export function fmClassifierStepRange(
  v: FmViews,
  rowPtr: Int32Array,
  rowFeat: Int32Array,
  rowVal: Float32Array,
  labels: Float32Array,
  weights: Float32Array,
  order: Int32Array,
  start: number,
  end: number,
  lr: number,
): number {
  const dim = v.dim
  const sum = v.userSum
  const hasW = weights.length > 0
  const adagrad = v.optimizer === OPT_ADAGRAD
  let total = 0
  for (let e = start; e < end; e++) {
    const r = order[e]
    const c = fmRowSum(v.w, v.V, dim, rowFeat, rowVal, rowPtr[r], rowPtr[r + 1], sum, 0)
    const yhat = v.w0[0] + c
    const y = labels[r]
    const wt = hasW ? weights[r] : 1
    total += wt * (softplus(yhat) - y * yhat)
    const g = wt * (sigmoid(yhat) - y)
    if (g === 0) continue
    fmRowUpdate(v, rowFeat, rowVal, rowPtr[r], rowPtr[r + 1], g, g, sum, 0, 0, sum, 0, lr)
    if (adagrad) {
      const h = v.w0Acc[0] + g * g
      v.w0Acc[0] = h
      v.w0[0] -= (lr * g) / Math.sqrt(h + ADAGRAD_EPS)
    } else v.w0[0] -= lr * g
  }
  return total
}
