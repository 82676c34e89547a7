import type { ModelFamily } from '../model.js'
import { createDotStepper } from './stepper.js'
import { createSharedStepper } from './shared-step.js'
import { MatrixFactorization, matrixFactorization, mfDefaults, mfOptionSchema, type MatrixFactorizationOptions } from './mf.js'

/** Matrix factorization in the model registry (`kind: 'mf'`). */
export const mfFamily: ModelFamily<MatrixFactorization> = Object.freeze({
  kind: 'mf',
  // The sampler of the documented defaults (32 negatives from popularity^0.3, logQ-corrected: the
  // best mean rank across four datasets' validation splits, packages/experiments/scripts/defaults.ts),
  // so `decoy train --model mf` needs no --sampler.
  defaultSampler: 'popularity',
  defaultSamplerConfig: Object.freeze({ alpha: 0.3 }),
  summary: 'matrix factorization: p_u·q_i + b_i, any loss and sampler',
  options: mfOptionSchema,
  fitOptions: {},
  create: (options: Record<string, unknown>) => matrixFactorization(options as MatrixFactorizationOptions),
  decode: MatrixFactorization.fromDecoded,
  steppers: { dot: createDotStepper, shared: createSharedStepper },
  objective: (options: Readonly<Record<string, unknown>>) => (options.loss as string | undefined) ?? mfDefaults.loss,
  defaults: { epochs: mfDefaults.epochs, batchSize: mfDefaults.batchSize },
  usesSampler: () => true,
})
