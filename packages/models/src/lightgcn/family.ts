import type { ModelFamily } from '../model.js'
import { LightGcn, lightGcn, lightGcnDefaults, lightGcnOptionSchema, type LightGcnOptions } from './model.js'

/** LightGCN in the model registry (`kind: 'lightgcn'`). */
export const lightGcnFamily: ModelFamily<LightGcn> = Object.freeze({
  kind: 'lightgcn',
  // The sampler of the documented defaults (32 uniform negatives), so `decoy train --model lightgcn` needs no --sampler.
  defaultSampler: 'uniform',
  summary: 'LightGCN: embeddings propagated over the normalised user–item graph (K layers, averaged), any loss and sampler',
  options: lightGcnOptionSchema,
  fitOptions: {},
  create: (options: Record<string, unknown>) => lightGcn(options as LightGcnOptions),
  decode: LightGcn.fromDecoded,
  objective: (options: Readonly<Record<string, unknown>>) => (options.loss as string | undefined) ?? lightGcnDefaults.loss,
  defaults: { epochs: lightGcnDefaults.epochs, batchSize: lightGcnDefaults.batchSize },
  usesSampler: () => true,
})
