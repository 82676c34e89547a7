export {
  LOSS_BPR,
  LOSS_LOGISTIC,
  LOSS_SOFTMAX,
  LOSS_WARP,
  LOSS_GBCE,
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
  lossGrad,
} from './grad.js'
export type { LossName } from './grad.js'
export { resolveLoss } from './config.js'
export type { LossOptions, ResolvedLoss } from './config.js'
