import type { ModelFamily } from '../model.js'
import { FactorizationMachine, factorizationMachine, fmDefaults, fmOptionSchema, type FactorizationMachineOptions } from './fm.js'
import { createFmStepper } from './stepper.js'

/** Factorization machines in the model registry (`kind: 'fm'`). */
export const fmFamily: ModelFamily<FactorizationMachine> = Object.freeze({
  kind: 'fm',
  // The sampler of the documented defaults (32 uniform negatives), so `decoy train --model fm` needs no --sampler.
  defaultSampler: 'uniform',
  summary: 'factorization machine over user and item features (ids, metadata, feature files)',
  options: fmOptionSchema,
  fitOptions: {},
  create: (options: Record<string, unknown>) => factorizationMachine(options as FactorizationMachineOptions),
  decode: FactorizationMachine.fromDecoded,
  steppers: { fm: createFmStepper },
  objective: (options: Readonly<Record<string, unknown>>) => (options.loss as string | undefined) ?? fmDefaults.loss,
  metadataOptions: ['features'],
  defaults: { epochs: fmDefaults.epochs, batchSize: fmDefaults.batchSize },
  usesSampler: () => true,
})
