import { createDotStepper } from './dot-stepper.js'
import { createFmStepper } from '../fm/stepper.js'
import { createSharedStepper } from './shared-step.js'
import type { StepperFactory } from './types.js'

/**
 * Stepper factories by kind: how the training loop, on the main thread or in a worker, turns a
 * model's arrays and JSON spec into a step function. A plain object (no global mutable map); a
 * model family adds its kind here (`dot` serves MF and item2vec).
 */
export const stepperFactories: Readonly<Record<string, StepperFactory>> = {
  dot: createDotStepper,
  fm: createFmStepper,
  shared: createSharedStepper,
}
