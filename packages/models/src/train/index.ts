export { trainLoop, mergeSamplerStats, checkPositiveInt } from './fit.js'
export type { TrainPlan, ParallelRunner, EpochHooks } from './fit.js'
export { runShard } from './shard.js'
export type { ShardContext, ShardResult } from './shard.js'
export { dotStepRange, bprSgdRange, allocDotScratch } from './dot-step.js'
export type { DotViews } from './dot-step.js'
export { createDotStepper, createDotScorer } from './dot-stepper.js'
export type { DotStepperSpec } from './dot-stepper.js'
export { DotWasmKernel, createDotWasmLayout, dotWasmArrays, dotWasmCovers, dotWasmSupported } from './dot-step-wasm.js'
export type { DotWasmLayout, DotWasmLayoutSpec, DotWasmSettings, DotWasmConfig } from './dot-step-wasm.js'
export type {
  EpochStats,
  EarlyStoppingOptions,
  EvaluateFn,
  FitOptions,
  FitResult,
  Stepper,
  StepperFactory,
  TrainTarget,
  Examples,
} from './types.js'
