import type { ModelFamily } from '../model.js'
import { ITEM2VEC_DEFAULTS, Item2Vec, item2vec, item2vecFitOptionSchema, item2vecOptionSchema, type Item2VecOptions } from './model.js'

/** item2vec in the model registry (`kind: 'item2vec'`). */
export const item2vecFamily: ModelFamily<Item2Vec> = Object.freeze({
  kind: 'item2vec',
  summary: 'item2vec: skip-gram over user histories, negatives from any sampler or a hierarchical softmax',
  options: item2vecOptionSchema,
  fitOptions: item2vecFitOptionSchema,
  create: (options: Record<string, unknown>) => item2vec(options as Item2VecOptions),
  decode: Item2Vec.fromDecoded,
  objective: (options: Readonly<Record<string, unknown>>) => ((options.output ?? ITEM2VEC_DEFAULTS.output) === 'hs' ? 'hs' : 'sgns'),
  defaults: { epochs: 20, batchSize: 2048 },
  usesSampler: (options: Readonly<Record<string, unknown>>) => (options.output ?? ITEM2VEC_DEFAULTS.output) !== 'hs',
  defaultSampler: 'popularity',
})
