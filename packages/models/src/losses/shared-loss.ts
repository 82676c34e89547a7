/**
 * Losses over batch-shared negatives, one *run* at a time: the consecutive slots of one user, who
 * share the row S[r, 0..M) of the batch's score product and the mask of the user's positives. The
 * negatives' part of each loss depends on the user only, so it is computed once per run and its
 * gradient is the sum over the run's slots.
 */
import { HP_INV_TEMPERATURE, HP_LOGQ, HP_MARGIN, HP_NEG_WEIGHT, LOSS_CCL, LOSS_SOFTMAX } from './grad.js'

/** True when {@link sharedRunGrad} implements loss `code` (softmax, ccl). */
export function sharedLossCovers(code: number): boolean {
  return code === LOSS_SOFTMAX || code === LOSS_CCL
}

/**
 * Loss and gradient of one run over the M shared negatives.
 *
 * - softmax: slot s's loss is −log softmax over {its positive} ∪ {unmasked negatives} of the logits
 *   z⁺ = s⁺/τ and z_j = s_j/τ − c·log(M·q_j) (c = 1 with logQ correction: the sampled-softmax
 *   estimate of Σ_{j ∉ I_u⁺} e^{s_j/τ}; for the `all` sampler log(M·q_j) = 0 and this is the exact
 *   full softmax with the user's other positives left out).
 * - ccl (SimpleX): (1 − s⁺) + (w / n_u) · Σ_j max(0, s_j − margin) over the n_u unmasked negatives.
 *
 * @param row - scores S[r, j] at `row[ro + j]` (dot + bias, or cosine); overwritten with dL/dS
 *   summed over the run's slots (0 where masked).
 * @param mask - `mask[j]` = 1 when draw j is one of the user's positives.
 * @param logQ - log q_j per draw (before exclusion).
 * @param pos - the run's positive scores `pos[po .. po+n)`; dL/ds⁺ goes to `posGrad` at the same offsets.
 * @returns the summed loss of the run's n slots.
 * @remarks O(M + n), allocates nothing.
 */
export function sharedRunGrad(
  code: number,
  row: Float32Array,
  ro: number,
  m: number,
  mask: Uint8Array,
  logQ: Float32Array,
  pos: Float64Array,
  po: number,
  n: number,
  hp: Float64Array,
  posGrad: Float64Array,
): number {
  if (code === LOSS_CCL) {
    const margin = hp[HP_MARGIN]
    let kept = 0
    for (let j = 0; j < m; j++) if (mask[j] === 0) kept++
    const w = kept > 0 ? (n * hp[HP_NEG_WEIGHT]) / kept : 0
    let loss = 0
    for (let j = 0; j < m; j++) {
      const h = row[ro + j] - margin
      if (mask[j] !== 0 || h <= 0) {
        row[ro + j] = 0
        continue
      }
      loss += w * h
      row[ro + j] = w
    }
    for (let s = 0; s < n; s++) {
      loss += 1 - pos[po + s]
      posGrad[po + s] = -1
    }
    return loss
  }
  if (code !== LOSS_SOFTMAX) throw new Error(`sharedRunGrad: loss code ${code} has no batch-shared form (softmax or ccl)`)
  const invT = hp[HP_INV_TEMPERATURE]
  const shift = hp[HP_LOGQ] !== 0 ? Math.log(m) : 0
  const correct = hp[HP_LOGQ]
  // The row holds the logits z_j, masked ones −∞, then e^{z_j − zmax}.
  let zmax = -Infinity
  for (let j = 0; j < m; j++) {
    const z = mask[j] !== 0 ? -Infinity : row[ro + j] * invT - correct * (logQ[j] + shift)
    row[ro + j] = z
    if (z > zmax) zmax = z
  }
  let zneg = 0
  for (let j = 0; j < m; j++) {
    const e = Math.exp(row[ro + j] - zmax)
    row[ro + j] = e
    zneg += e
  }
  loss0[0] = 0
  const loss = softmaxRunPositives(zmax, zneg, pos, po, n, invT, posGrad, loss0, 0)
  const scale = loss0[0] * invT
  for (let j = 0; j < m; j++) row[ro + j] *= scale
  return loss
}

const loss0 = new Float64Array(1)

/**
 * The positives' part of the batch-shared softmax of one run, given max z and Σ e^{z_j − max z}
 * over its unmasked negatives: each slot's loss log(e^{z⁺} + Σ_j e^{z_j}) − z⁺ and dL/ds⁺, and in
 * `scale[so]` the factor c = Σ_s 1/(e^{z⁺_s} + Σ_j e^{z_j}) (times e^{max z}) that turns the row of
 * e^{z_j − max z} into dL/dS once multiplied by c/τ.
 * @returns the summed loss of the run's slots.
 * @remarks O(n), allocates nothing.
 */
export function softmaxRunPositives(
  zmax: number,
  zneg: number,
  pos: Float64Array,
  po: number,
  n: number,
  invT: number,
  posGrad: Float64Array,
  scale: Float64Array,
  so: number,
): number {
  let loss = 0
  let c = 0
  for (let s = 0; s < n; s++) {
    const zp = pos[po + s] * invT
    if (zneg === 0) {
      posGrad[po + s] = 0
      continue
    }
    const mx = zp > zmax ? zp : zmax
    const ep = Math.exp(zp - mx)
    const en = Math.exp(zmax - mx)
    const denom = ep + zneg * en
    loss += mx + Math.log(denom) - zp
    posGrad[po + s] = (ep / denom - 1) * invT
    c += en / denom
  }
  scale[so] = c
  return loss
}
