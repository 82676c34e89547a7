import type { NegativeSampler, SamplerConfig } from '@decoy/core'
import { createSampler, samplerKinds, uniformSampler } from '@decoy/samplers'
import { describeRecommender } from '@decoy/testkit'
import { alternatingLeastSquares, deserializeModel } from '@decoy/models'

const hard = (samplerKinds as readonly string[]).includes('hard')
  ? (): NegativeSampler => createSampler({ kind: 'hard' } as SamplerConfig)
  : undefined

// ALS ignores the sampler the suite passes (it uses every negative); the hard sampler's test still
// checks that the fitted model's scorer serves a model-aware sampler.
describeRecommender('als', {
  make: () => alternatingLeastSquares({ dim: 16, reg: 1, alpha: 10, iterations: 8 }),
  uniform: () => uniformSampler(),
  hard,
  serialize: (m) => m.serialize(),
  deserialize: (b) => deserializeModel(b),
})
