import {
  HP_BETA,
  HP_INV_TEMPERATURE,
  HP_LENGTH,
  HP_LOGQ,
  HP_MARGIN,
  HP_NEG_WEIGHT,
  LOSS_CCL,
  LOSS_GBCE,
  gbceBeta,
  lossNames,
  type LossName,
} from './grad.js'

/** Loss hyper-parameters shared by every model (JSON, stored in saved models). */
export interface LossOptions {
  /** Hinge margin of WARP (default 1, as in the paper), or CCL's margin on cosines (must be < 1 there). */
  margin?: number
  /** CCL's weight of the mean negative term (default 1; SimpleX tunes it over 1–300). */
  negativeWeight?: number
  /** Softmax temperature τ (default 1; with `normalize`, 0.05–0.2 is typical). */
  temperature?: number
  /** Subtract the sampler's logQ from softmax logits (default true). */
  logQCorrection?: boolean
  /** gBCE calibration t ∈ [0, 1] (default 0.75, as in gSASRec). */
  gbceT?: number
}

/** A loss resolved for a dataset and negative count: the code and `hp` array the kernels read. */
export interface ResolvedLoss {
  /** Loss name. */
  readonly name: LossName
  /** `LOSS_*` code. */
  readonly code: number
  /** Hyper-parameters at `HP_*` indices. */
  readonly hp: Float64Array
}

/**
 * Resolves a loss name and its options to the integer code and `hp` array of the kernels.
 * gBCE's β depends on the sampling rate, hence `negatives` and `numItems`.
 *
 * @throws Error naming the option when a name or value is invalid.
 * @example
 * ```ts
 * const { code, hp } = resolveLoss('softmax', { temperature: 0.1 }, 100, 9000)
 * ```
 */
export function resolveLoss(name: LossName, opts: LossOptions, negatives: number, numItems: number): ResolvedLoss {
  const code = lossNames.indexOf(name)
  if (code < 0) throw new Error(`loss: unknown loss ${JSON.stringify(name)}; expected one of ${lossNames.join(', ')}`)
  const hp = new Float64Array(HP_LENGTH)
  const margin = opts.margin ?? 1
  const temperature = opts.temperature ?? 1
  if (!(Number.isFinite(margin) && margin >= 0)) throw new Error(`loss: margin must be a finite number >= 0, got ${margin}`)
  if (!(Number.isFinite(temperature) && temperature > 0)) throw new Error(`loss: temperature must be > 0, got ${temperature}`)
  if (code === LOSS_CCL && !(margin < 1)) {
    throw new Error(`loss: ccl needs a margin below 1 (scores are cosines; SimpleX uses 0.4–0.9), got ${margin}`)
  }
  const negativeWeight = opts.negativeWeight ?? 1
  if (!(Number.isFinite(negativeWeight) && negativeWeight >= 0)) {
    throw new Error(`loss: negativeWeight must be a finite number >= 0, got ${negativeWeight}`)
  }
  hp[HP_MARGIN] = margin
  hp[HP_NEG_WEIGHT] = negativeWeight
  hp[HP_INV_TEMPERATURE] = 1 / temperature
  hp[HP_LOGQ] = opts.logQCorrection === false ? 0 : 1
  hp[HP_BETA] = code === LOSS_GBCE ? gbceBeta(negatives, numItems, opts.gbceT ?? 0.75) : 1
  return { name, code, hp }
}
