/**
 * `@decoy/models`: models trained through any negative sampler, behind one contract (`Model`) and
 * one registry (`createModel`). Browser-safe: Node-only code (worker threads, file I/O) is in
 * `@decoy/models/node`; kernels, loss codes and WebAssembly plumbing are in `@decoy/models/kernels`.
 */
// The contract and the registry.
export { createModel, deserializeModel, modelFamilies, modelFamily, modelKinds } from './registry.js'
export type { ModelRegistryOptions } from './registry.js'
export type { Model, ModelConfig, ModelFamily } from './model.js'
export { checkOption, optionFlag, validateOptions } from './schema.js'
export type { OptionSchema, OptionSpec, OptionType } from './schema.js'
export type {
  CommonFitOptions,
  EarlyStoppingOptions,
  EpochStats,
  EvaluateFn,
  EvaluateInput,
  FitOptions,
  FitResult,
  ModelMetadata,
} from './train/types.js'
export type { FitProgress, YieldEvery } from './train/pacer.js'
export { lossNames } from './losses/grad.js'
export type { LossName } from './losses/grad.js'
export type { LossOptions } from './losses/config.js'
export type { OptimizerName, ScheduleName } from './optim/optim.js'

// Matrix factorization.
export { MatrixFactorization, matrixFactorization, mfDefaults } from './mf/mf.js'
export type { MatrixFactorizationConfig, MatrixFactorizationFitOptions, MatrixFactorizationOptions } from './mf/mf.js'

// Factorization machines.
export { FactorizationMachine, factorizationMachine, fmDefaults } from './fm/fm.js'
export { fitClassifier } from './fm/classifier.js'
export type { FmClassifier, FmClassifierOptions } from './fm/classifier.js'
export type { FactorizationMachineConfig, FactorizationMachineOptions, FeatureInput, FmFitOptions } from './fm/fm.js'
export { FM_METADATA_FIELDS, FeatureDictionary, FmFeatureBuilder, featureRow, fmFeaturesFrom } from './fm/features.js'
export type {
  FeatureBuilderOptions,
  FeatureDictionaryJson,
  FeatureFileInput,
  FeatureFileOptions,
  FeatureRows,
  FieldInfo,
  FmFeatureSources,
  FmFeatures,
  ItemMetaLike,
  TagRecordsLike,
  UnknownIdPolicy,
  UserMetaLike,
} from './fm/features.js'

// item2vec.
export { ITEM2VEC_DEFAULTS, Item2Vec, item2vec, sentencesByTime } from './item2vec/model.js'
export type { Item2VecFitOptions, Item2VecOptions, Item2VecState } from './item2vec/model.js'

// Implicit ALS (no sampler).
export { AlternatingLeastSquares, alternatingLeastSquares, alsDefaults } from './als/als.js'
export type { AlsConfig, AlsFitOptions, AlsOptions } from './als/als.js'

// LightGCN.
export { LightGcn, lightGcn, lightGcnDefaults } from './lightgcn/model.js'
export type { LightGcnConfig, LightGcnOptions } from './lightgcn/model.js'

// Model files and the engine.
export { MODELS_VERSION, decodeModel, encodeModel } from './persist/format.js'
export type { IdMapJson, ModelHeader, StoredArray } from './persist/format.js'
export { wasmSimdSupported } from './item2vec/kernels-wasm.js'
