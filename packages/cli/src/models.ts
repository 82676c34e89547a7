import { existsSync } from 'node:fs'
import type { FactorView, Interactions, Recommender, Scorer } from '@decoy/core'
import { popularityRecommender } from '@decoy/eval'
import { InputError, UsageError } from './errors.js'

/** Models `decoy eval` builds from the training data alone. */
export const EVAL_MODELS = ['popularity'] as const

/** A model ready to score, and its name for reports. */
export interface NamedModel {
  /** `popularity`, or the saved model's kind. */
  name: string
  /** The model. */
  model: Recommender
}

/**
 * Resolves `--model` for evaluation: a baseline name built from `train`, or a saved model file.
 */
export async function loadModelForEval(spec: string, train: Interactions): Promise<NamedModel> {
  if (spec === 'popularity') return { name: 'popularity', model: popularityRecommender(train) }
  if (existsSync(spec)) throw new InputError(`${spec}: loading saved models is not available yet`, spec)
  throw new UsageError(`eval: unknown --model ${JSON.stringify(spec)}; expected ${EVAL_MODELS.join('|')} or a saved model file`)
}

/**
 * Loads a saved model and returns its live scorer, for model-aware samplers in `decoy sample`.
 */
export async function loadSavedScorer(path: string, train: Interactions): Promise<Scorer | FactorView> {
  void train
  if (!existsSync(path)) throw new InputError(`${path}: no such model file`, path)
  throw new InputError(`${path}: loading saved models is not available yet`, path)
}
