/**
 * One cell of the grid at one seed: build the model and sampler from the config, train within the
 * budget, evaluate on the test split every few epochs and at the end, and record everything.
 */
import type { NegativeSampler, SamplerConfig, Scorer, SamplerContext } from '@decoy/core'
import { evaluate, type EvalResult } from '@decoy/eval'
import {
  FmFeatureBuilder,
  factorizationMachine,
  item2vec,
  matrixFactorization,
  type EpochStats,
  type FactorizationMachineOptions,
  type FmFeatures,
  type Item2VecOptions,
  type LossName,
  type MatrixFactorizationOptions,
} from '@decoy/models'
import { createSampler } from '@decoy/samplers'
import { fmFeatureFields, modelLabel, samplerLabel, type CellSpec, type ExperimentConfig, type ModelSpec } from './config.js'
import type { ExperimentData } from './data.js'

/** Metrics after one evaluated epoch. */
export interface CurvePoint {
  /** 1-based epoch count. */
  epoch: number
  /** Mean training loss of the epoch (mf). */
  loss?: number
  /** Score evaluations spent so far. */
  scoreEvaluations: number
  /** Test metrics after this epoch. */
  metrics: Record<string, number>
}

/** Per-epoch figures recorded for every epoch, evaluated or not. */
export interface EpochRecord {
  /** 1-based epoch count. */
  epoch: number
  /** Mean training loss (mf). */
  loss?: number
  /** Positive–negative pair updates of the epoch. */
  updates: number
  /** Score evaluations of the epoch (loss scores + sampler scores). */
  scoreEvaluations: number
  /** Scores the sampler asked of the model this epoch. */
  samplerScores: number
}

/** Wall-clock figures of a cell: reported, but kept out of `results.json` (they vary run to run). */
export interface CellTiming {
  /** Training seconds (evaluation excluded). */
  trainSeconds: number
  /** Pair updates per training second. */
  updatesPerSecond: number
  /** Seconds spent evaluating. */
  evalSeconds: number
}

/** Everything one finished cell-seed records (the JSON of `out/cells/<id>.json`). */
export interface CellRecord {
  /** `<cell>#<seed>`. */
  id: string
  /** Cell name `model/sampler/loss`. */
  cell: string
  /** Model label. */
  model: string
  /** Sampler label. */
  sampler: string
  /** Loss (or the model's objective). */
  loss: string
  /** Seed as a string. */
  seed: string
  /** Resolved training configuration (model, loss, sampler config with defaults). */
  config: Record<string, unknown>
  /** Epochs trained. */
  epochs: number
  /** Total score evaluations (loss scores + sampler scores). */
  scoreEvaluations: number
  /** Total pair updates. */
  updates: number
  /** Per-epoch figures. */
  epochStats: EpochRecord[]
  /** Test metrics of evaluated epochs. */
  curve: CurvePoint[]
  /** Final test metrics with per-user arrays (aligned with `users`). */
  final: { metrics: Record<string, number>; users: number[]; perUser: Record<string, number[]> }
  /** The sampler's diagnostics at the end of training. */
  samplerStats: Record<string, number>
  /**
   * Share of the top-k recommendations (k = the largest cut-off) falling into each popularity
   * decile of the catalogue (decile 0 = the 10% most popular items by training count).
   */
  recommendedPopularity: number[]
  /** Timings (excluded from `results.json`). */
  timing: CellTiming
}

/** Sanitised file name of a cell-seed id. */
export function cellFileName(id: string): string {
  return id.replace(/[^A-Za-z0-9._#=-]+/g, '_') + '.json'
}

/**
 * Wraps a sampler so that every score it asks of the model is counted. The wrapped scorer
 * inherits the model's scorer (prototype), so a `FactorView`'s factors stay visible.
 */
function countingSampler(inner: NegativeSampler, counter: { scores: number }): NegativeSampler {
  return {
    config: inner.config,
    requires: inner.requires,
    prepare(ctx: SamplerContext) {
      let scorer = ctx.scorer
      if (scorer) {
        const base: Scorer = scorer
        const wrapped = Object.create(base) as Scorer
        wrapped.scoreItems = (user, items, count, out) => {
          counter.scores += count
          base.scoreItems(user, items, count, out)
        }
        scorer = wrapped
      }
      inner.prepare({ ...ctx, scorer })
    },
    sample: (batch, out) => inner.sample(batch, out),
    ...(inner.onEpochEnd ? { onEpochEnd: (epoch: number) => inner.onEpochEnd!(epoch) } : {}),
    stats: () => inner.stats(),
  }
}

function modelOptions(m: ModelSpec): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(m)) {
    if (key === 'kind' || key === 'name' || key === 'loss' || key === 'features') continue
    out[key === 'factors' ? 'dim' : key] = m[key]
  }
  return out
}

/**
 * An `fm` model's feature rows: user and item id fields, plus the metadata fields its `features`
 * lists, taken from the dataset's metadata and joined on external ids (metadata of items or users
 * outside the training split is skipped, so the FM ranks the same items as every other cell).
 * @throws Error naming the model's path when the data lacks a listed field's metadata.
 */
function fmFeatures(spec: ModelSpec, data: ExperimentData, path: string): FmFeatures {
  const fb = new FmFeatureBuilder({ userIds: data.train.userIds, itemIds: data.train.itemIds })
  const fields = typeof spec.features === 'string' ? fmFeatureFields(spec.features) : []
  const meta = data.meta
  const missing = (what: string): Error => new Error(`${path}.features: the data has no ${what} (MovieLens datasets have genres, year and tags; ml-100k and ml-1m demographics)`)
  const genres = fields.includes('genres')
  const year = fields.includes('year')
  if (genres || year) {
    if (!meta?.items) throw missing('item metadata')
    fb.addItemMeta(meta.items, { genres, year, unknownIds: 'skip' })
  }
  if (fields.includes('tags')) {
    if (!meta?.tags) throw missing('tags')
    fb.addItemTags(meta.tags)
  }
  if (fields.includes('demographics')) {
    if (!meta?.users) throw missing('user demographics')
    fb.addUserMeta(meta.users, { unknownIds: 'skip' })
  }
  return fb.build()
}

function numbersOnly(s: Record<string, number | undefined>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const key of Object.keys(s).sort()) {
    const v = s[key]
    if (typeof v === 'number' && Number.isFinite(v)) out[key] = v
  }
  return out
}

/** Rounds to 12 significant digits so that JSON is stable and compact. */
function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x
}

function roundAll(r: Record<string, number>): Record<string, number> {
  const out: Record<string, number> = {}
  for (const key of Object.keys(r)) out[key] = round(r[key])
  return out
}

/**
 * Popularity deciles of the top-`k` lists of every evaluated user.
 * @remarks O(users · numItems) through `recommend`; allocates the top-k lists.
 */
function recommendedPopularity(model: { recommend(users: Int32Array, k: number): { items: Int32Array } }, users: Int32Array, k: number, popularity: Int32Array): number[] {
  const n = popularity.length
  const order = new Int32Array(n)
  for (let i = 0; i < n; i++) order[i] = i
  // Most popular first; ties by item id, so deciles are deterministic.
  const sorted = Array.from(order).sort((a, b) => popularity[b] - popularity[a] || a - b)
  const decile = new Int32Array(n)
  for (let r = 0; r < n; r++) decile[sorted[r]] = Math.min(9, Math.floor((r * 10) / n))
  const counts = new Float64Array(10)
  const top = model.recommend(users, k)
  let total = 0
  for (let j = 0; j < top.items.length; j++) {
    const item = top.items[j]
    if (item < 0 || item >= n) continue
    counts[decile[item]]++
    total++
  }
  return Array.from(counts, (c) => round(total > 0 ? c / total : 0))
}

/** Inputs of {@link runCell}. */
export interface RunCellInput {
  /** The validated experiment config. */
  config: ExperimentConfig & { k: number[]; evalEvery: number }
  /** The cell. */
  cell: CellSpec
  /** The seed. */
  seed: number | string
  /** Train/test data. */
  data: ExperimentData
  /** Called after each epoch (progress). */
  onEpoch?: (epoch: number, planned: number) => void
}

/**
 * Trains and evaluates one cell at one seed.
 *
 * The model trains on one thread (`workers: 1`, bit-identical for a seed), so a cell's record
 * minus its timing is a function of the config alone. With `budget.scoreEvaluations`, training
 * stops before the epoch whose cost (the mean epoch cost so far) would exceed the budget; at least
 * one epoch always runs.
 *
 * @returns the cell's record.
 */
export async function runCell(input: RunCellInput): Promise<CellRecord> {
  const { config, cell, data } = input
  const seed = String(input.seed)
  const spec = config.models[cell.model]
  const samplerSpec = config.samplers[cell.sampler]
  const { name: _n, ...samplerConfig } = samplerSpec
  const inner = createSampler(samplerConfig as SamplerConfig)
  const counter = { scores: 0 }
  const sampler = countingSampler(inner, counter)
  const budget = config.budget
  const maxEpochs = budget.epochs ?? (budget.scoreEvaluations !== undefined ? 100 : 1)
  const k = config.k
  const maxK = k[k.length - 1]
  const { train, test } = data

  const curve: CurvePoint[] = []
  const epochStats: EpochRecord[] = []
  let evalSeconds = 0
  let spent = 0
  let lastScores = 0
  let last: EvalResult | null = null
  const evalNow = (model: Parameters<typeof evaluate>[0]): EvalResult => {
    const t0 = performance.now()
    const r = evaluate(model, train, test, { k })
    evalSeconds += (performance.now() - t0) / 1000
    return r
  }

  let trainSeconds: number
  let updatesPerSecond: number
  let updates: number
  let resolved: Record<string, unknown>
  let model: Parameters<typeof evaluate>[0] & { recommend(users: Int32Array, k: number): { items: Int32Array } }

  if (spec.kind === 'mf' || spec.kind === 'fm') {
    // MF and FM share the training loop: the same epoch hook, budget and evaluation curve.
    const loopModel =
      spec.kind === 'mf'
        ? matrixFactorization({ ...(modelOptions(spec) as MatrixFactorizationOptions), seed })
        : factorizationMachine({ ...(modelOptions(spec) as FactorizationMachineOptions), seed, features: fmFeatures(spec, data, `models[${cell.model}]`) })
    model = loopModel
    const r = await loopModel.fit(train, {
      sampler,
      loss: cell.loss as LossName,
      epochs: maxEpochs,
      seed,
      workers: 1,
      onEpoch: (e: EpochStats) => {
        const samplerScores = counter.scores - lastScores
        lastScores = counter.scores
        const cost = e.slots + e.updates + samplerScores
        spent += cost
        const n = e.epoch + 1
        epochStats.push({ epoch: n, loss: round(e.loss), updates: e.updates, scoreEvaluations: cost, samplerScores })
        let stop = n >= maxEpochs
        if (budget.scoreEvaluations !== undefined && spent + spent / n > budget.scoreEvaluations) stop = true
        if (stop || n % config.evalEvery === 0) {
          last = evalNow(loopModel)
          curve.push({ epoch: n, loss: round(e.loss), scoreEvaluations: spent, metrics: roundAll(last.metrics) })
        }
        input.onEpoch?.(n, maxEpochs)
        return !stop
      },
    })
    trainSeconds = r.trainSeconds
    updatesPerSecond = r.updatesPerSecond
    updates = r.updates
    // An FM's resolved config carries its feature fields and count (`features`) from the fit.
    resolved = { ...(spec.kind === 'fm' ? { model: 'fm' } : {}), ...r.config, sampler: inner.config }
  } else {
    const opts = modelOptions(spec) as Item2VecOptions
    const m = item2vec(opts)
    model = m
    const hs = (m.options.output ?? 'ns') === 'hs'
    // item2vec cannot stop between epochs: under a score-evaluation budget alone it runs its default 5.
    const epochs = budget.epochs ?? 5
    const r = await m.fit(train, {
      ...(hs ? {} : { sampler }),
      epochs,
      seed,
      workers: 1,
      onEpoch: (e) => {
        const samplerScores = counter.scores - lastScores
        lastScores = counter.scores
        const cost = e.pairs + e.negatives + samplerScores
        spent += cost
        epochStats.push({ epoch: e.epoch + 1, updates: e.negatives, scoreEvaluations: cost, samplerScores })
        input.onEpoch?.(e.epoch + 1, epochs)
      },
    })
    // item2vec builds its user vectors after training, so it is evaluated once, at the end.
    last = evalNow(m)
    curve.push({ epoch: epochStats.length, scoreEvaluations: spent, metrics: roundAll(last.metrics) })
    trainSeconds = r.seconds
    updates = epochStats.reduce((a, e) => a + e.updates, 0)
    updatesPerSecond = r.seconds > 0 ? updates / r.seconds : 0
    resolved = { model: 'item2vec', ...m.options, epochs: epochStats.length, seed, sampler: hs ? null : inner.config }
  }
  const final = last as EvalResult | null
  if (!final) throw new Error(`cell ${cell.name}#${seed}: no evaluation ran`)
  const perUser: Record<string, number[]> = {}
  for (const key of Object.keys(final.perUser).sort()) perUser[key] = Array.from(final.perUser[key], round)
  return {
    id: `${cell.name}#${seed}`,
    cell: cell.name,
    model: modelLabel(spec),
    sampler: samplerLabel(samplerSpec),
    loss: cell.loss,
    seed,
    config: resolved,
    epochs: epochStats.length,
    scoreEvaluations: spent,
    updates,
    epochStats,
    curve,
    final: { metrics: roundAll(final.metrics), users: Array.from(final.users), perUser },
    samplerStats: roundAll(numbersOnly(inner.stats() as Record<string, number | undefined>)),
    recommendedPopularity: recommendedPopularity(model, final.users, maxK, data.popularity),
    timing: { trainSeconds, updatesPerSecond, evalSeconds },
  }
}

