import { readFileSync } from 'node:fs'
import type { FactorView, Interactions, NegativeSampler, Recommender, Scorer } from '@decoy/core'
import { IdMap } from '@decoy/core'
import { evaluate, popularityRecommender } from '@decoy/eval'
import {
  createModel,
  decodeModel,
  deserializeModel,
  encodeModel,
  modelFamily,
  modelKinds,
  type EpochStats,
  type FitProgress,
  type EvaluateInput,
  type Model,
  type ModelHeader,
  type ModelMetadata,
} from '@decoy/models'
import { InputError, UsageError } from './errors.js'

/** Models `decoy eval` builds from the training data alone. */
export const EVAL_MODELS = ['popularity'] as const

/** Models `decoy train` fits: every family of the model registry. */
export const TRAIN_MODELS: readonly string[] = modelKinds

/** A model ready to score, and its name for reports. */
export interface NamedModel {
  /** `popularity`, or the saved model's kind. */
  name: string
  /** The model. */
  model: Recommender
}

/** What `decoy train` collects: the model's options (its schema's keys) and the common fit options. */
export interface TrainSettings {
  /** Options of the model family, validated by its schema. */
  options: Record<string, unknown>
  epochs?: number
  batchSize?: number
  workers: number
  seed: string
  /** Step kernels: WebAssembly SIMD, TypeScript, or auto (wasm where supported and covered). */
  kernel?: 'auto' | 'wasm' | 'js'
  /** The dataset's metadata, for options built from it (FM's `features`). */
  metadata?: ModelMetadata
  /** Early stopping on a validation part (`--validation-fraction`): the best epoch is kept. */
  validation?: { data: Interactions; metric: string; k: number[] }
}

/** Per-epoch progress reported while training (`loss` when the model computes one, else `pairs`). */
export interface EpochReport {
  epoch: number
  seconds: number
  loss?: number
  updates?: number
  pairs?: number
  learningRate: number
}

/** What a fit returns. */
export interface TrainOutcome {
  model: Model
  trainSeconds: number
  updatesPerSecond: number
  updates: number
  config: Record<string, unknown>
  samplerStats: Record<string, number | undefined>
  epochs: EpochReport[]
  /** 1-based epoch whose parameters the model holds. */
  bestEpoch: number
  /** Validation metrics of that epoch (with `settings.validation`). */
  validation?: Record<string, number>
}

/** The number of epochs a model kind trains by default. */
export function defaultEpochs(kind: string, options: Readonly<Record<string, unknown>> = {}): number {
  const family = modelFamily(kind)
  return family.epochsFor?.(options) ?? family.defaults.epochs
}

function report(e: EpochStats): EpochReport {
  // Models without a loss (item2vec) report their (centre, context) pairs instead.
  return Number.isFinite(e.loss)
    ? { epoch: e.epoch, seconds: e.seconds, loss: e.loss, updates: e.updates, learningRate: e.learningRate }
    : { epoch: e.epoch, seconds: e.seconds, pairs: e.slots, updates: e.updates, learningRate: e.learningRate }
}

/**
 * Fits a model of `kind` through the registry (`createModel`) on `train` with `sampler`; omitted
 * settings take the family's defaults. No switch on the kind: every family fits the same way.
 * @throws UsageError for an option the model rejects.
 */
export async function trainModel(
  kind: string,
  train: Interactions,
  sampler: NegativeSampler | null,
  s: TrainSettings,
  onEpoch: (e: EpochReport) => void,
  onProgress?: (p: FitProgress) => void,
): Promise<TrainOutcome> {
  let model: Model
  try {
    model = createModel({ kind, ...s.options })
  } catch (e) {
    throw new UsageError(`train: ${(e as Error).message}`)
  }
  const r = await model.fit(train, {
    ...(sampler ? { sampler } : {}),
    seed: s.seed,
    workers: s.workers,
    ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
    ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
    ...(s.kernel !== undefined ? { kernel: s.kernel } : {}),
    ...(s.metadata ? { metadata: s.metadata } : {}),
    ...(s.validation
      ? {
          validation: s.validation.data,
          evaluateFn: ({ model: m, train: t, validation: v }: EvaluateInput) => evaluate(m as never, t, v, { k: s.validation!.k }).metrics,
          earlyStopping: { metric: s.validation.metric },
        }
      : {}),
    onEpoch: (e: EpochStats) => onEpoch(report(e)),
    ...(onProgress ? { onProgress } : {}),
  })
  return {
    model,
    trainSeconds: r.trainSeconds,
    updatesPerSecond: r.updatesPerSecond,
    updates: r.updates,
    config: r.config,
    samplerStats: r.samplerStats,
    epochs: r.epochs.map(report),
    bestEpoch: r.bestEpoch + 1,
    ...(s.validation ? { validation: r.epochs.find((e) => e.epoch === r.bestEpoch)?.validation ?? {} } : {}),
  }
}

/** Extra facts the CLI records in a saved model's header (`extra.cli`). */
export interface CliModelInfo {
  /** `--dataset` given at training time: titles are looked up in it. */
  dataset?: string
  /** The training input. */
  train?: string
  /** The test input. */
  test?: string
  /** Test metrics at save time. */
  metrics?: Record<string, number>
}

/** Serialises a fitted model with the CLI's info added to the header's `extra.cli`. */
export function serializeWithInfo(model: { serialize(): Uint8Array }, info: CliModelInfo): Uint8Array {
  const { header, arrays } = decodeModel(model.serialize())
  const { format: _f, formatVersion: _v, arrays: _a, ...rest } = header
  void _f
  void _v
  void _a
  return encodeModel({ ...rest, extra: { ...(rest.extra ?? {}), cli: info } }, arrays)
}

/** A saved model read back: the model, its header and the CLI's info. */
export interface SavedModel {
  /** Kind from the header (`mf`, `item2vec`). */
  kind: string
  /** The model. */
  model: Recommender
  /** The file's header. */
  header: ModelHeader
  /** External ⇄ internal user ids of the training data. */
  userIds: IdMap
  /** External ⇄ internal item ids of the training data. */
  itemIds: IdMap
  /** Info recorded by `decoy train --save`. */
  info: CliModelInfo
}

/** Reads a model saved by `decoy train --save` (or any Decoy model file). Errors exit 2. */
export function loadSavedModel(path: string): SavedModel {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new InputError(`${path}: ${code === 'ENOENT' ? 'no such model file' : (e as Error).message}`, path)
  }
  try {
    const { header } = decodeModel(bytes, path)
    const model = deserializeModel(bytes, path)
    const userIds = header.userIds ? model.userIds : new IdMap()
    const itemIds = header.itemIds ? model.itemIds : new IdMap()
    const info = ((header.extra as { cli?: CliModelInfo } | undefined)?.cli ?? {}) as CliModelInfo
    return { kind: header.kind, model, header, userIds, itemIds, info }
  } catch (e) {
    throw new InputError((e as Error).message, path)
  }
}

/**
 * Resolves `--model` for evaluation: a baseline name built from `train`, or a saved model file
 * (whose id maps must match the training file's, checked item by item).
 */
export async function loadModelForEval(spec: string, train: Interactions): Promise<NamedModel> {
  if (spec === 'popularity') return { name: 'popularity', model: popularityRecommender(train) }
  if ((TRAIN_MODELS as readonly string[]).includes(spec)) {
    throw new UsageError(
      `eval: --model ${spec} must be trained first: decoy train --model ${spec} … --save model.arrow, then decoy eval --model model.arrow`,
    )
  }
  if (!/[/\\.]/.test(spec))
    throw new UsageError(`eval: unknown --model ${JSON.stringify(spec)}; expected ${EVAL_MODELS.join('|')} or a saved model file`)
  const saved = loadSavedModel(spec)
  checkSameIds(saved, train, spec)
  return { name: saved.kind, model: saved.model }
}

/** Throws unless the saved model's first `train.numUsers/numItems` ids are the training file's. */
function checkSameIds(saved: SavedModel, train: Interactions, path: string): void {
  if (saved.model.numItems !== train.numItems) {
    throw new InputError(
      `${path}: the model scores ${saved.model.numItems} items but the training data has ${train.numItems}; pass the --train it was trained on`,
      path,
    )
  }
  for (let i = 0; i < train.numItems; i++) {
    if (String(saved.itemIds.external(i)) !== String(train.itemIds.external(i))) {
      throw new InputError(
        `${path}: item ids differ from the training data's at internal id ${i}; pass the --train it was trained on`,
        path,
      )
    }
  }
  for (let u = 0; u < Math.min(train.numUsers, saved.userIds.size); u++) {
    if (String(saved.userIds.external(u)) !== String(train.userIds.external(u))) {
      throw new InputError(
        `${path}: user ids differ from the training data's at internal id ${u}; pass the --train it was trained on`,
        path,
      )
    }
  }
}

/**
 * Loads a saved model and returns its live scorer, for model-aware samplers in `decoy sample`.
 */
export async function loadSavedScorer(path: string, train: Interactions): Promise<Scorer | FactorView> {
  const saved = loadSavedModel(path)
  checkSameIds(saved, train, path)
  return saved.model.scorer()
}
