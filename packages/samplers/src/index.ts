/**
 * @decoy/samplers — negative-sampling strategies behind one contract (`NegativeSampler` from
 * `@decoy/core`), each exact about exclusion and about the logQ it reports.
 */
export { uniformSampler, type UniformConfig, type UniformOptions } from './uniform.js'
export { randomSampler, type RandomConfig, type RandomOptions } from './random.js'
export {
  popularitySampler,
  popularityWeights,
  popularityLaw,
  type PopularityConfig,
  type PopularityOptions,
} from './popularity.js'
export { hardSampler, type HardConfig, type HardOptions, type CreateBase } from './hard.js'
export { dynamicSampler, type DynamicConfig, type DynamicOptions } from './dynamic.js'
export {
  buildExclusion,
  isPositive,
  nthNonPositive,
  weightedNonPositive,
  cumulative,
  positiveMass,
  DEFAULT_MAX_TRIALS,
  type Exclusion,
  type ExclusionOptions,
} from './exclusion.js'
export { SamplerStatsCounter } from './stats.js'
export { adaptiveSampler, type AdaptiveConfig, type AdaptiveOptions } from './adaptive.js'
export { inBatchSampler, type InBatchConfig, type InBatchOptions } from './in-batch.js'
export { mixedSampler, splitDraws, type MixedConfig, type MixedOptions, type MixedPart } from './mixed.js'
export {
  sharedSampler,
  allItemsSampler,
  sharedProposal,
  type SharedConfig,
  type SharedOptions,
  type SharedProposal,
  type AllItemsConfig,
  type AllItemsOptions,
} from './shared.js'
export type { CommonOptions } from './config.js'
export {
  createSampler,
  samplerKinds,
  type SamplerKind,
  type SamplerBuilder,
  type CustomSamplerFactory,
  type CreateSamplerOptions,
} from './registry.js'
export { samplerPairings, recommendedPairing, type SamplerPairing } from './pairings.js'
