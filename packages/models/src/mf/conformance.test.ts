import type { NegativeSampler, SamplerConfig } from '@decoy/core'
import { createSampler, samplerKinds, uniformSampler } from '@decoy/samplers'
import { describeRecommender } from '@decoy/testkit'
import { deserializeModel, matrixFactorization } from '@decoy/models'

const fitOptions = { epochs: 5, negatives: 8, learningRate: 0.05, l2: 0.005 }

const hard = (samplerKinds as readonly string[]).includes('hard')
  ? (): NegativeSampler => createSampler({ kind: 'hard' } as SamplerConfig)
  : undefined

describeRecommender('mf', {
  make: () => matrixFactorization({ dim: 16 }),
  uniform: () => uniformSampler(),
  hard,
  fitOptions,
  serialize: (m) => m.serialize(),
  deserialize: (b) => deserializeModel(b),
})
