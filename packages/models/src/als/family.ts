import type { ModelFamily } from '../model.js'
import { AlternatingLeastSquares, alsDefaults, alsOptionSchema, alternatingLeastSquares, type AlsOptions } from './als.js'

/** Implicit ALS in the model registry (`kind: 'als'`): trains without a sampler. */
export const alsFamily: ModelFamily<AlternatingLeastSquares> = Object.freeze({
  kind: 'als',
  summary: 'implicit ALS (confidence-weighted least squares over every negative, CG row solves): no sampler',
  options: alsOptionSchema,
  fitOptions: {},
  create: (options: Record<string, unknown>) => alternatingLeastSquares(options as AlsOptions),
  decode: AlternatingLeastSquares.fromDecoded,
  objective: () => 'wls',
  epochsFor: (options: Readonly<Record<string, unknown>>) => (options.iterations as number | undefined) ?? alsDefaults.iterations,
  defaults: { epochs: alsDefaults.iterations, batchSize: 1 },
  usesSampler: () => false,
  samplerless:
    'ALS uses every unobserved item as a negative (weight 1) through weighted least squares, so it samples none and has no loss to choose',
})
