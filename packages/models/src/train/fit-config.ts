import type { LossName } from '../losses/index.js'
import type { OptimizerName, ScheduleName } from '../optim/optim.js'
import { checkPositiveInt } from './fit.js'
import type { FitOptions } from './types.js'

/** The training fields every dot-product-style model keeps in its config (MF, FM). */
export interface TrainConfigFields {
  loss: LossName
  negatives: number
  epochs: number
  batchSize: number
  learningRate: number
  minLearningRate: number | null
  l2: number
  l2Bias: number | null
  optimizer: OptimizerName
  schedule: ScheduleName | null
  margin: number
  temperature: number
  logQCorrection: boolean
  gbceT: number
}

/**
 * Overlays `fit` options on a model's config and validates the result, so that every model
 * resolves and checks its training options the same way.
 *
 * @param factory - the model's factory name, for the missing-seed message.
 * @returns the merged config, with the run's seed (`fit` options only: the seed has one place).
 * @throws Error naming the option when an option is invalid.
 */
export function mergeFitConfig<C extends TrainConfigFields>(
  c: C,
  opts: Omit<FitOptions, 'sampler'>,
  factory: string,
): C & { seed: string } {
  const merged: C = {
    ...c,
    loss: opts.loss ?? c.loss,
    negatives: opts.negatives ?? c.negatives,
    epochs: opts.epochs ?? c.epochs,
    batchSize: opts.batchSize ?? c.batchSize,
    learningRate: opts.learningRate ?? c.learningRate,
    minLearningRate: opts.minLearningRate ?? c.minLearningRate,
    l2: opts.l2 ?? c.l2,
    l2Bias: opts.l2Bias ?? c.l2Bias,
    optimizer: opts.optimizer ?? c.optimizer,
    schedule: opts.schedule ?? c.schedule,
    margin: opts.margin ?? c.margin,
    temperature: opts.temperature ?? c.temperature,
    logQCorrection: opts.logQCorrection ?? c.logQCorrection,
    gbceT: opts.gbceT ?? c.gbceT,
  }
  if (opts.seed === undefined || opts.seed === null) throw new Error(`fit: a seed is required: ${factory}(…).fit(train, { sampler, seed })`)
  checkPositiveInt('negatives', merged.negatives)
  checkPositiveInt('epochs', merged.epochs)
  checkPositiveInt('batchSize', merged.batchSize)
  if (!(merged.learningRate > 0)) throw new Error(`fit: learningRate must be > 0, got ${merged.learningRate}`)
  if (!(merged.l2 >= 0)) throw new Error(`fit: l2 must be >= 0, got ${merged.l2}`)
  return { ...merged, seed: String(opts.seed) }
}
