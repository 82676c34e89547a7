export { factorizationMachine, FactorizationMachine, fmDefaults, fitClassifier } from './fm.js'
export type { FactorizationMachineOptions, FactorizationMachineConfig, FmFitOptions, FeatureInput, FmClassifier, FmClassifierOptions } from './fm.js'
export { FeatureDictionary, FmFeatureBuilder, featureRow, ageBucket, USER_ID_FIELD, ITEM_ID_FIELD } from './features.js'
export type {
  FeatureRows,
  FieldInfo,
  FeatureDictionaryJson,
  FmFeatures,
  ItemMetaLike,
  UserMetaLike,
  TagRecordsLike,
  UnknownIdPolicy,
  FeatureBuilderOptions,
  FeatureFileOptions,
} from './features.js'
export { fmRowSum, fmRowSum32, fmRowUpdate, fmStepRange, fmScorePair, fmScoreNaive, fmClassifierStepRange, allocFmScratch } from './kernels.js'
export type { FmFeatureRows, FmViews } from './kernels.js'
export { createFmStepper, createFmScorer } from './stepper.js'
export type { FmStepperSpec, FmFactorView, FmScorerOptions } from './stepper.js'
