/**
 * One cell of the grid at one seed: build the model and sampler from the config, train within the
 * budget, evaluate on the test split every few epochs and at the end, and record everything.
 */
import type { NegativeSampler, SamplerConfig, Scorer, SamplerContext } from '@decoy/core'
import { evaluate, type EvaluableModel, type EvalResult } from '@decoy/eval'
import { createModel, modelFamily, validateOptions, type EpochStats } from '@decoy/models'
import { createSampler } from '@decoy/samplers'
import { cellSampler, modelLabel, samplerLabel, samplerPairing, type CellSpec, type ExperimentConfig, type ModelSpec } from './config.js'
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
        // The batched path (model-aware samplers score candidates through it) is counted too.
        if (base.scoreBatch) {
          const batched = base.scoreBatch.bind(base)
          wrapped.scoreBatch = (users, items, count, out) => {
            counter.scores += count
            batched(users, items, count, out)
          }
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

/** A model's options from its spec: the family's schema keys (aliases resolved), without kind and name. */
function modelOptions(m: ModelSpec, path: string): Record<string, unknown> {
  const { kind: _k, name: _n, sampler: _s, ...rest } = m
  void _k
  void _n
  void _s
  return validateOptions(modelFamily(m.kind).options, rest, path, { aliases: true })
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
function recommendedPopularity(
  model: { recommend(users: Int32Array, k: number): { items: Int32Array } },
  users: Int32Array,
  k: number,
  popularity: Int32Array,
): number[] {
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
  const samplerSpec = cellSampler(config, cell)
  const { name: _n, pairing: _p, ...samplerConfig } = samplerSpec
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
  const evalNow = (model: EvaluableModel): EvalResult => {
    const t0 = performance.now()
    const r = evaluate(model, train, test, { k })
    evalSeconds += (performance.now() - t0) / 1000
    return r
  }

  // Every family trains the same way: the registry builds it, the shared contract runs the epochs.
  const path = `models[${cell.model}]`
  const family = modelFamily(spec.kind)
  const options = modelOptions(spec, path)
  if (Object.hasOwn(family.options, 'loss')) options.loss = cell.loss
  // A sampler at its pairing (`pairing: true`) brings its negatives per positive.
  const pairing = samplerPairing(samplerSpec)
  if (pairing && Object.hasOwn(family.options, 'negatives')) options.negatives = pairing.negatives
  const model = createModel({ kind: spec.kind, ...options })
  let r
  try {
    r = await model.fit(train, {
      ...(family.usesSampler(options) ? { sampler } : {}),
      epochs: maxEpochs,
      seed,
      workers: 1,
      ...(data.meta ? { metadata: data.meta } : {}),
      onEpoch: (e: EpochStats) => {
        const samplerScores = counter.scores - lastScores
        lastScores = counter.scores
        const cost = e.slots + e.updates + samplerScores
        spent += cost
        const n = e.epoch + 1
        const loss = Number.isFinite(e.loss) ? { loss: round(e.loss) } : {}
        epochStats.push({ epoch: n, ...loss, updates: e.updates, scoreEvaluations: cost, samplerScores })
        let stop = n >= maxEpochs
        if (budget.scoreEvaluations !== undefined && spent + spent / n > budget.scoreEvaluations) stop = true
        if (stop || n % config.evalEvery === 0) {
          last = evalNow(model)
          curve.push({ epoch: n, ...loss, scoreEvaluations: spent, metrics: roundAll(last.metrics) })
        }
        input.onEpoch?.(n, maxEpochs)
        return !stop
      },
    })
  } catch (e) {
    // An option the family reports on (`features: the data has no tags`) is named by its path.
    const msg = (e as Error).message
    const key = /^(\w+): /.exec(msg)?.[1]
    if (key && Object.hasOwn(family.options, key)) throw new Error(`${path}.${msg}`)
    throw e
  }
  const trainSeconds = r.trainSeconds
  const updatesPerSecond = r.updatesPerSecond
  const updates = r.updates
  const resolved: Record<string, unknown> = { ...r.config, sampler: family.usesSampler(options) ? inner.config : null }
  const final = last as EvalResult | null
  if (!final) throw new Error(`cell ${cell.name}#${seed}: no evaluation ran`)
  const perUser: Record<string, number[]> = {}
  for (const key of Object.keys(final.perUser).sort()) perUser[key] = Array.from(final.perUser[key], round)
  return {
    id: `${cell.name}#${seed}`,
    cell: cell.name,
    model: modelLabel(spec),
    sampler: family.samplerless ? 'none' : samplerLabel(samplerSpec),
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
