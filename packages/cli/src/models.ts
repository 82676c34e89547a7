import { readFileSync } from 'node:fs'
import type { FactorView, Interactions, NegativeSampler, Recommender, Scorer } from '@decoy/core'
import { IdMap } from '@decoy/core'
import { popularityRecommender } from '@decoy/eval'
import {
  ITEM2VEC_DEFAULTS,
  decodeModel,
  deserializeModel,
  encodeModel,
  idMapFromJson,
  factorizationMachine,
  item2vec,
  matrixFactorization,
  alsDefaults,
  alternatingLeastSquares,
  type FmFeatures,
  mfDefaults,
  type EpochStats,
  type Item2VecEpochStats,
  type Item2VecOptions,
  type LossName,
  type MatrixFactorizationOptions,
  type ModelHeader,
  type OptimizerName,
} from '@decoy/models'
import { InputError, UsageError } from './errors.js'

/** Models `decoy eval` builds from the training data alone. */
export const EVAL_MODELS = ['popularity'] as const

/** Models `decoy train` fits. The name → constructor map lives here, at the edge. */
export const TRAIN_MODELS = ['mf', 'fm', 'item2vec', 'als'] as const

/** One of {@link TRAIN_MODELS}. */
export type TrainModelName = (typeof TRAIN_MODELS)[number]

/** A model ready to score, and its name for reports. */
export interface NamedModel {
  /** `popularity`, or the saved model's kind. */
  name: string
  /** The model. */
  model: Recommender
}

/** Hyper-parameters `decoy train` collects from its flags (undefined = the model's default). */
export interface TrainSettings {
  factors?: number
  epochs?: number
  learningRate?: number
  l2?: number
  negatives?: number
  batchSize?: number
  workers: number
  seed: string
  loss?: LossName
  optimizer?: OptimizerName
  margin?: number
  temperature?: number
  window?: number | 'all'
  sample?: number
  output?: 'ns' | 'hs'
  /** Step kernels: WebAssembly SIMD, TypeScript, or auto (wasm where supported and covered). */
  kernel?: 'auto' | 'wasm' | 'js'
  /** FM only: the user/item feature rows (built by `decoy train` from --features and feature files). */
  features?: FmFeatures
  /** ALS only: L2 per row (absolute), confidence slope (c = 1 + alpha·r), CG steps per row. */
  reg?: number
  alpha?: number
  cgSteps?: number
}

/** Per-epoch progress reported while training. */
export interface EpochReport {
  epoch: number
  seconds: number
  loss?: number
  updates?: number
  pairs?: number
  learningRate: number
}

/** What a fit returns, normalised across model kinds. */
export interface TrainOutcome {
  model: Recommender & { serialize(): Uint8Array }
  trainSeconds: number
  updatesPerSecond: number
  updates: number
  config: Record<string, unknown>
  samplerStats: Record<string, number | undefined>
  epochs: EpochReport[]
}

/** The number of epochs a model kind trains by default. */
export function defaultEpochs(kind: TrainModelName): number {
  if (kind === 'als') return alsDefaults.iterations
  return kind === 'item2vec' ? 5 : mfDefaults.epochs
}

/**
 * Fits a model of `kind` on `train` with `sampler`; omitted settings take the models package's
 * recommended defaults (`mfDefaults`, `ITEM2VEC_DEFAULTS`).
 */
export async function trainModel(
  kind: TrainModelName,
  train: Interactions,
  sampler: NegativeSampler | null,
  s: TrainSettings,
  onEpoch: (e: EpochReport) => void,
): Promise<TrainOutcome> {
  if (kind === 'als') return trainAls(train, s, onEpoch)
  if (kind === 'mf' || kind === 'fm') {
    if (!sampler) throw new UsageError(`train: --model ${kind} needs --sampler`)
    const opts: MatrixFactorizationOptions = { seed: s.seed }
    if (s.factors !== undefined) opts.dim = s.factors
    if (kind === 'fm' && !s.features) throw new UsageError('train: --model fm needs features')
    // FM takes MF's options and defaults plus its feature rows; the fit options are the same.
    const m = kind === 'fm' ? factorizationMachine({ ...opts, features: s.features! }) : matrixFactorization(opts)
    const r = await m.fit(train, {
      sampler,
      seed: s.seed,
      workers: s.workers,
      ...(s.loss !== undefined ? { loss: s.loss } : {}),
      ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
      ...(s.learningRate !== undefined ? { learningRate: s.learningRate } : {}),
      ...(s.l2 !== undefined ? { l2: s.l2 } : {}),
      ...(s.negatives !== undefined ? { negatives: s.negatives } : {}),
      ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
      ...(s.optimizer !== undefined ? { optimizer: s.optimizer } : {}),
      ...(s.margin !== undefined ? { margin: s.margin } : {}),
      ...(s.temperature !== undefined ? { temperature: s.temperature } : {}),
      ...(s.kernel !== undefined ? { kernel: s.kernel } : {}),
      onEpoch: (e: EpochStats) => {
        onEpoch({ epoch: e.epoch, seconds: e.seconds, loss: e.loss, updates: e.updates, learningRate: e.learningRate })
      },
    })
    return {
      model: m,
      trainSeconds: r.trainSeconds,
      updatesPerSecond: r.updatesPerSecond,
      updates: r.updates,
      config: r.config,
      samplerStats: r.samplerStats,
      epochs: r.epochs.map((e) => ({ epoch: e.epoch, seconds: e.seconds, loss: e.loss, updates: e.updates, learningRate: e.learningRate })),
    }
  }
  const opts: Item2VecOptions = {}
  if (s.factors !== undefined) opts.dim = s.factors
  if (s.negatives !== undefined) opts.negatives = s.negatives
  if (s.learningRate !== undefined) opts.alpha = s.learningRate
  if (s.window !== undefined) opts.window = s.window
  if (s.sample !== undefined) opts.sample = s.sample
  if (s.output !== undefined) opts.output = s.output
  const m = item2vec(opts)
  const epochs: EpochReport[] = []
  const r = await m.fit(train, {
    ...(sampler ? { sampler } : {}),
    seed: s.seed,
    workers: s.workers,
    ...(s.epochs !== undefined ? { epochs: s.epochs } : {}),
    ...(s.batchSize !== undefined ? { batchSize: s.batchSize } : {}),
    ...(s.kernel !== undefined ? { kernel: s.kernel } : {}),
    onEpoch: (e: Item2VecEpochStats) => {
      const rep = { epoch: e.epoch, seconds: e.seconds, pairs: e.pairs, updates: e.negatives, learningRate: e.learningRate }
      epochs.push(rep)
      onEpoch(rep)
    },
  })
  const updates = epochs.reduce((a, e) => a + (e.updates ?? 0), 0)
  return {
    model: m,
    trainSeconds: r.seconds,
    updatesPerSecond: r.seconds > 0 ? updates / r.seconds : 0,
    updates,
    config: {
      model: 'item2vec',
      ...m.options,
      epochs: s.epochs ?? defaultEpochs('item2vec'),
      batchSize: s.batchSize ?? null,
      seed: s.seed,
      workers: s.workers,
      sampler: m.options.output === 'hs' ? null : (sampler?.config ?? null),
      pairs: r.pairs,
      pairsPerSecond: r.pairsPerSecond,
      kernel: r.kernel,
    },
    samplerStats: sampler && m.options.output !== 'hs' ? (sampler.stats() as Record<string, number | undefined>) : {},
    epochs,
  }
}

/** Fits implicit ALS (no sampler: it uses every negative); `epochs` are its iterations. */
async function trainAls(train: Interactions, s: TrainSettings, onEpoch: (e: EpochReport) => void): Promise<TrainOutcome> {
  const m = alternatingLeastSquares({ seed: s.seed, ...(s.factors !== undefined ? { dim: s.factors } : {}) })
  const r = await m.fit(train, {
    workers: s.workers,
    ...(s.epochs !== undefined ? { iterations: s.epochs } : {}),
    ...(s.reg !== undefined ? { reg: s.reg } : {}),
    ...(s.alpha !== undefined ? { alpha: s.alpha } : {}),
    ...(s.cgSteps !== undefined ? { cgSteps: s.cgSteps } : {}),
    ...(s.kernel !== undefined ? { kernel: s.kernel } : {}),
    onEpoch: (e: EpochStats) => onEpoch({ epoch: e.epoch, seconds: e.seconds, updates: e.updates, learningRate: 0 }),
  })
  return {
    model: m,
    trainSeconds: r.trainSeconds,
    updatesPerSecond: r.updatesPerSecond,
    updates: r.updates,
    config: r.config,
    samplerStats: {},
    epochs: r.epochs.map((e) => ({ epoch: e.epoch, seconds: e.seconds, updates: e.updates, learningRate: 0 })),
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
    const userIds = header.userIds ? idMapFromJson(header.userIds) : new IdMap()
    const itemIds = header.itemIds ? idMapFromJson(header.itemIds) : new IdMap()
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
    throw new UsageError(`eval: --model ${spec} must be trained first: decoy train --model ${spec} … --save model.arrow, then decoy eval --model model.arrow`)
  }
  if (!/[/\\.]/.test(spec)) throw new UsageError(`eval: unknown --model ${JSON.stringify(spec)}; expected ${EVAL_MODELS.join('|')} or a saved model file`)
  const saved = loadSavedModel(spec)
  checkSameIds(saved, train, spec)
  return { name: saved.kind, model: saved.model }
}

/** Throws unless the saved model's first `train.numUsers/numItems` ids are the training file's. */
function checkSameIds(saved: SavedModel, train: Interactions, path: string): void {
  if (saved.model.numItems !== train.numItems) {
    throw new InputError(`${path}: the model scores ${saved.model.numItems} items but the training data has ${train.numItems}; pass the --train it was trained on`, path)
  }
  for (let i = 0; i < train.numItems; i++) {
    if (String(saved.itemIds.external(i)) !== String(train.itemIds.external(i))) {
      throw new InputError(`${path}: item ids differ from the training data's at internal id ${i}; pass the --train it was trained on`, path)
    }
  }
  for (let u = 0; u < Math.min(train.numUsers, saved.userIds.size); u++) {
    if (String(saved.userIds.external(u)) !== String(train.userIds.external(u))) {
      throw new InputError(`${path}: user ids differ from the training data's at internal id ${u}; pass the --train it was trained on`, path)
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

/** Defaults shown in `decoy train --help`. */
export const TRAIN_DEFAULTS_TEXT = {
  factors: `${mfDefaults.dim} (item2vec ${ITEM2VEC_DEFAULTS.dim}, als ${alsDefaults.dim})`,
  epochs: `${mfDefaults.epochs} (item2vec 5, als ${alsDefaults.iterations})`,
  reg: String(alsDefaults.reg),
  alpha: String(alsDefaults.alpha),
  cgSteps: String(alsDefaults.cgSteps),
  lr: `${mfDefaults.learningRate} (item2vec ${ITEM2VEC_DEFAULTS.alpha})`,
  l2: String(mfDefaults.l2),
  negatives: `${mfDefaults.negatives} (item2vec ${ITEM2VEC_DEFAULTS.negatives})`,
  batchSize: `${mfDefaults.batchSize} (item2vec 2048)`,
  loss: mfDefaults.loss,
  optimizer: mfDefaults.optimizer,
  window: String(ITEM2VEC_DEFAULTS.window),
  sample: String(ITEM2VEC_DEFAULTS.sample),
  output: ITEM2VEC_DEFAULTS.output,
  kernel: 'auto (wasm when WebAssembly SIMD is available, dim % 4 = 0 and, for mf/fm, the loss is not warp and scores are not cosine)',
}
