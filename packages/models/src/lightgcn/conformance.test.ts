import type { NegativeSampler, SamplerConfig } from '@decoy/core'
import { createSampler, samplerKinds, uniformSampler } from '@decoy/samplers'
import { describeRecommender } from '@decoy/testkit'
import { deserializeModel, lightGcn } from '@decoy/models'

// Small batches so the planted fixture gets enough propagations per epoch.
const fitOptions = { epochs: 8, negatives: 8, batchSize: 64, learningRate: 0.05, l2: 0.005 }

const hard = (samplerKinds as readonly string[]).includes('hard')
  ? (): NegativeSampler => createSampler({ kind: 'hard' } as SamplerConfig)
  : undefined

describeRecommender('lightgcn', {
  make: () => lightGcn({ dim: 16, layers: 2 }),
  uniform: () => uniformSampler(),
  hard,
  fitOptions,
  serialize: (m) => m.serialize(),
  deserialize: (b) => deserializeModel(b),
})
