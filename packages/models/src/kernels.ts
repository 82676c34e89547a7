/**
 * `@decoy/models/kernels`: the engine room — step kernels (TypeScript references and their
 * WebAssembly twins), loss and optimiser codes, the training loop's pieces and memory layouts.
 * For benchmarks, tests and new model families; not needed to train or use a model.
 */
export {
  LOSS_BPR,
  LOSS_LOGISTIC,
  LOSS_SOFTMAX,
  LOSS_WARP,
  LOSS_GBCE,
  LOSS_CCL,
  HP_MARGIN,
  HP_NEG_WEIGHT,
  HP_INV_TEMPERATURE,
  HP_BETA,
  HP_LOGQ,
  HP_LENGTH,
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
  resolveLoss,
  sharedRunGrad,
  sharedLossCovers,
} from './losses/index.js'
export type { ResolvedLoss } from './losses/index.js'
export {
  OPT_SGD,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  ADAGRAD_EPS,
  SCHEDULE_CONSTANT,
  SCHEDULE_LINEAR,
  sgdRow,
  sgdRow64,
  adagradRow,
  adagradRow64,
  adagradRowwise,
  adagradRowwise64,
  accumulatorLength,
  scalarUpdate,
  scheduledRate,
  optimizerCode,
  optimizerNames,
  basicOptimizerNames,
  scheduleCode,
} from './optim/index.js'

// The shared training loop (for new families).
export { trainLoop, mergeSamplerStats, checkPositiveInt } from './train/fit.js'
export type { TrainPlan, ParallelRunner, EpochHooks } from './train/fit.js'
export { runShard } from './train/shard.js'
export type { ShardContext, ShardResult } from './train/shard.js'
export { createEpochTracker } from './train/stopping.js'
export type { EpochTracker, TrackedModel } from './train/stopping.js'
export { mergeFitConfig } from './train/fit-config.js'
export type { TrainConfigFields } from './train/fit-config.js'
export { trainerOptionSchema } from './train/options.js'
export type { Stepper, StepperFactory, TrainTarget, Examples } from './train/types.js'
export { stepperFactory } from './registry.js'
export { idMapFromJson, idMapToJson, MODEL_FORMAT, MODEL_FORMAT_VERSION } from './persist/format.js'

// Batch-shared negatives: the GEMM kernel and the step that reads SharedNegatives.
export { GemmArena, gemmRef, gemmWasmSupported } from './mf/gemm.js'
export { SharedStep, createSharedStepper } from './mf/shared-step.js'
export type { SharedStepperSpec } from './mf/shared-step.js'

// MF: dot-product step kernels.
export { dotStepRange, bprSgdRange, allocDotScratch } from './mf/kernels.js'
export type { DotViews } from './mf/kernels.js'
export { createDotStepper } from './mf/stepper.js'
export { createDotScorer } from './dot-scorer.js'
export type { DotStepperSpec } from './mf/stepper.js'
export { DotWasmKernel, createDotWasmLayout, dotWasmArrays, dotWasmCovers, dotWasmSupported } from './mf/kernels-wasm.js'
export type { DotWasmLayout, DotWasmLayoutSpec, DotWasmSettings, DotWasmConfig } from './mf/kernels-wasm.js'

// FM kernels.
export {
  fmRowSum,
  fmRowSum32,
  fmRowUpdate,
  fmStepRange,
  fmScorePair,
  fmScoreNaive,
  fmClassifierStepRange,
  allocFmScratch,
} from './fm/kernels.js'
export type { FmFeatureRows, FmViews } from './fm/kernels.js'
export { createFmStepper, createFmScorer } from './fm/stepper.js'
export type { FmStepperSpec, FmFactorView, FmScorerOptions } from './fm/stepper.js'
export { FmWasmKernel, createFmWasmLayout, fmWasmArrays, fmWasmCovers, fmWasmSupported } from './fm/kernels-wasm.js'
export type { FmWasmLayout, FmWasmLayoutSpec, FmWasmSettings, FmWasmConfig } from './fm/kernels-wasm.js'
export { ageBucket, USER_ID_FIELD, ITEM_ID_FIELD } from './fm/features.js'

// item2vec kernels.
export { buildHuffman, huffmanCode } from './item2vec/huffman.js'
export type { HuffmanTree } from './item2vec/huffman.js'
export { keepProbabilities } from './item2vec/subsample.js'
export { sgnsStep, hsStep, hsProbability } from './item2vec/kernels.js'
export { SgnsWasmKernel, createSgnsLayout, layoutArrays } from './item2vec/kernels-wasm.js'
export type { SgnsLayout, SgnsLayoutSpec, SgnsPrivateRows } from './item2vec/kernels-wasm.js'

// Implicit ALS: Gram matrix and per-row CG / Cholesky solves, TypeScript and WebAssembly.
export { gram, cgRows, cgScratch, CG_EPS } from './als/cg.js'
export type { CgScratch } from './als/cg.js'
export { choleskySolve, choleskyRows } from './als/cholesky.js'
export { confidenceMatrices } from './als/csr.js'
export type { ConfidenceCsr } from './als/csr.js'
export { alsWasmSupported, createAlsWasmLayout, alsWasmArrays, AlsWasmKernel } from './als/cg-wasm.js'
export type { AlsWasmLayout, AlsWasmLayoutSpec, AlsWasmCsr } from './als/cg-wasm.js'
export { alsLoss } from './als/engine.js'
export type { AlsSolver } from './als/engine.js'
