export {
  LOSS_BPR,
  LOSS_LOGISTIC,
  LOSS_SOFTMAX,
  LOSS_WARP,
  LOSS_GBCE,
  LOSS_CCL,
  HP_NEG_WEIGHT,
  HP_MARGIN,
  HP_INV_TEMPERATURE,
  HP_BETA,
  HP_LOGQ,
  HP_LENGTH,
  lossNames,
  softplus,
  sigmoid,
  harmonic,
  bprGrad,
  logisticGrad,
  gbceBeta,
  softmaxGrad,
  warpGrad,
  cclGrad,
  lossGrad,
} from './grad.js'
export type { LossName } from './grad.js'
export { resolveLoss } from './config.js'
export type { LossOptions, ResolvedLoss } from './config.js'
export { sharedRunGrad, sharedLossCovers } from './shared-loss.js'
