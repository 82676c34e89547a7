/**
 * `tune(...)`: hyper-parameter search for one model kind on a validation split carved from train
 * (the test part never enters the search), by random search with successive halving over epochs,
 * resumable from a journal in the output folder, and reported as `trials.csv`, `best.json`,
 * `trials.svg` and `leaderboard.md` written as one file set.
 */
import { closeSync, existsSync, fsyncSync, mkdirSync, openSync, readFileSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import type { Worker } from 'node:worker_threads'
import { splitRandom, type Interactions } from '@decoy/core'
import { spawnWorker, writeFileSet } from '@decoy/core/node'
import { evaluate } from '@decoy/eval'
import { modelFamily } from '@decoy/models'
import type { TopLevelSpec } from 'vega-lite'
import { renderSvg } from '../plots.js'
import type { TuneBudget } from './budget.js'
import { byScore, checkHalving, leaderboard, successiveHalving, type TrialOutcome, type TrialRecord, type TrialTask } from './halving.js'
import { defaultSpace, sampleConfig, validateSpace, type SearchSpace } from './space.js'
import { fitConfig, plain, round6, runTrial, type TrialContext } from './trial.js'

/** Options of {@link tune}. */
export interface TuneOptions {
  /** Training interactions (the validation part is carved from them). */
  train: Interactions
  /** Held-out test interactions: evaluated once, with the best configuration retrained on all of train. */
  test?: Interactions
  /** Model kind of the registry (`mf`, `als`, …). */
  model: string
  /** Search space (default: {@link defaultSpace} of the kind). */
  space?: SearchSpace
  /** Wall-clock seconds or a number of configurations. */
  budget: TuneBudget
  /** Metric maximised on validation (default `ndcg@10`). */
  metric?: string
  /** Share of each user's training interactions carved into validation (default 0.2). */
  validationFraction?: number
  /** Seed of the carving, the configurations and every model (default 42). */
  seed?: string | number
  /** Trials trained at once, each on its own worker thread (default 1: in process). */
  workers?: number
  /** Output folder: journal `trials.jsonl`, then `trials.csv`, `best.json`, `trials.svg`, `leaderboard.md`. */
  out: string
  /** Epochs of the halving rungs (default `[1, 3, 9, 27]`). */
  rungs?: number[]
  /** Keep the best 1/η at each rung (default 3). */
  eta?: number
  /** Early-stopping patience within a trial (default 2). */
  patience?: number
  /** Cut-offs of the test metrics (default `[10, 20]`). */
  k?: number[]
  /** Called after every finished task: progress and the best so far. */
  onProgress?(p: TuneProgress): void
  /** @internal The objective (tests inject a synthetic one); default: train and validate. */
  objective?: (task: TrialTask) => Promise<TrialOutcome>
}

/** Progress after a finished task. */
export interface TuneProgress {
  /** Share of the budget spent, in [0, 1]. */
  fraction: number
  /** Configurations tried so far. */
  trials: number
  /** Best validation score so far. */
  best: number
  /** Seconds since the search began (across resumed sessions). */
  seconds: number
}

/** What {@link tune} returns (the `--json` object plus the leaderboard and files). */
export interface TuneResult {
  /** The best configuration: a model config (`kind` + options + `epochs`/`iterations` + `sampler`). */
  best: Record<string, unknown>
  /** Validation metrics of the best configuration. */
  validation: Record<string, number>
  /** Test metrics of the best configuration retrained on all of train (with `test` only). */
  metrics?: Record<string, number>
  /** Configurations tried. */
  trials: number
  /** Seconds of search (across resumed sessions). */
  seconds: number
  /** Trials at their highest rung, best first. */
  leaderboard: TrialRecord[]
  /** Every finished task, in schedule order. */
  records: TrialRecord[]
  /** Tasks reused from an earlier session. */
  resumed: number
  /** Written files by name. */
  files: Record<string, string>
}

/** A bad tune option, naming its field (the CLI reports it with exit 2). */
export class TuneError extends Error {
  override readonly name = 'TuneError'
  readonly source = ''
  constructor(
    readonly field: string,
    message: string,
  ) {
    super(`${field}: ${message}`)
  }
}

const JOURNAL = 'trials.jsonl'

/**
 * Carves a validation part from train, per user and at random, by the rule of `decoy split
 * --strategy random` (`splitRandom`): users with one interaction stay whole in train.
 * @returns `{ train, validation }` over train's id space; no pair in both.
 */
export function carveValidation(
  train: Interactions,
  fraction: number,
  seed: string | number,
): { train: Interactions; validation: Interactions } {
  if (!(fraction > 0 && fraction < 1)) throw new TuneError('validationFraction', `must be in (0, 1), got ${fraction}`)
  const s = splitRandom(train, { testFraction: fraction, seed: `${seed}/validation` })
  return { train: s.train, validation: s.test }
}

function parseMetric(metric: string): number {
  const m = /^(ndcg|recall|hr|precision|map|mrr)@(\d+)$/.exec(metric)
  if (!m || Number(m[2]) < 1)
    throw new TuneError('metric', `expected <ndcg|recall|hr|precision|map|mrr>@<k>, e.g. ndcg@10, got ${JSON.stringify(metric)}`)
  return Number(m[2])
}

/** The option key that sets a family's epoch count: `epochs`, or the one `epochsFor` reads (ALS: `iterations`). */
function epochKey(kind: string): string {
  const f = modelFamily(kind)
  if (Object.hasOwn(f.options, 'epochs')) return 'epochs'
  for (const key of Object.keys(f.options)) if (f.options[key].type === 'int' && f.epochsFor?.({ [key]: 7919 }) === 7919) return key
  return 'epochs'
}

/** The journal's first line: a rerun must be the same search to continue it. */
function fingerprint(
  o: TuneOptions,
  space: SearchSpace,
  metric: string,
  fraction: number,
  rungs: number[],
  eta: number,
  patience: number,
): object {
  const t = o.train
  return {
    tune: 1,
    model: o.model,
    space,
    metric,
    validationFraction: fraction,
    seed: String(o.seed ?? 42),
    rungs,
    eta,
    patience,
    train: { users: t.numUsers, items: t.numItems, interactions: t.indptr[t.numUsers] },
  }
}

function readJournal(path: string, header: object): Map<string, TrialRecord> {
  const done = new Map<string, TrialRecord>()
  if (!existsSync(path)) return done
  const lines = readFileSync(path, 'utf8').split('\n')
  if (lines[0] === '') return done
  if (lines[0] !== JSON.stringify(header)) {
    throw new TuneError(
      'out',
      `${path} belongs to another search (model, space, metric, seed, rungs or train differ); use another --out or delete it`,
    )
  }
  for (let i = 1; i < lines.length; i++) {
    if (lines[i].trim() === '') continue
    let r: TrialRecord
    try {
      r = JSON.parse(lines[i]) as TrialRecord
    } catch {
      break // a line cut by an interruption: everything before it stands
    }
    done.set(`${r.trial}/${r.rung}`, r)
  }
  return done
}

/** Appends one line and flushes it to disk (a finished trial survives a kill). */
function appendLine(path: string, line: string): void {
  const fd = openSync(path, 'a')
  try {
    writeSync(fd, line + '\n')
    fsyncSync(fd)
  } finally {
    closeSync(fd)
  }
}

/** Runs tasks on worker threads, one trial per thread at a time. */
class TrialThreads {
  private readonly workers: Worker[] = []
  private readonly idle: Worker[] = []
  private readonly waiting: ((w: Worker) => void)[] = []
  private readonly pending = new Map<number, { resolve(o: TrialOutcome): void; reject(e: Error): void }>()
  private nextId = 0
  constructor(n: number, init: object) {
    for (let i = 0; i < n; i++) {
      const w = spawnWorker(import.meta.url, { source: '../tune-worker.ts', built: './tune-worker.js' }, init)
      this.workers.push(w)
      w.on(
        'message',
        (m: { ready?: boolean; id: number; outcome?: TrialOutcome; error?: { message: string; stack?: string; name?: string } }) => {
          if (m.ready) return this.release(w)
          const p = this.pending.get(m.id)!
          this.pending.delete(m.id)
          this.release(w)
          if (m.error) {
            const e = new Error(m.error.message)
            if (m.error.stack) e.stack = m.error.stack
            if (m.error.name) e.name = m.error.name
            p.reject(e)
          } else p.resolve(m.outcome!)
        },
      )
      w.on('error', (e) => {
        for (const p of this.pending.values()) p.reject(e)
        this.pending.clear()
      })
    }
  }
  private release(w: Worker): void {
    const next = this.waiting.shift()
    if (next) next(w)
    else this.idle.push(w)
  }
  async run(task: TrialTask): Promise<TrialOutcome> {
    const w = this.idle.pop() ?? (await new Promise<Worker>((res) => this.waiting.push(res)))
    const id = this.nextId++
    return new Promise<TrialOutcome>((resolve, reject) => {
      this.pending.set(id, { resolve, reject })
      w.postMessage({ id, config: task.config, epochs: task.epochs })
    })
  }
  async close(): Promise<void> {
    await Promise.all(this.workers.map((w) => w.terminate()))
  }
}

/** Planned task-epochs of a trial budget (for progress). */
function plannedWork(trials: number, rungs: readonly number[], eta: number): number {
  const size = eta ** (rungs.length - 1)
  let work = 0
  for (let left = trials; left > 0; left -= size) {
    let n = Math.min(size, left)
    for (const epochs of rungs) {
      work += n * epochs
      n = Math.ceil(n / eta)
    }
  }
  return work
}

/**
 * Tunes `model` on a validation split carved from `train`: random configurations from `space`,
 * successive halving over epochs (rungs 1, 3, 9, 27; best third kept), early stopping within each
 * trial; then, with `test`, retrains the best configuration on all of `train` and evaluates once.
 *
 * Every finished task is appended to `<out>/trials.jsonl`; a rerun with the same `out` (and the same
 * search) reuses them, so an interrupted search continues and gives the same leaderboard. With a
 * trial budget the result is a function of the seed alone (any number of workers: each trial trains
 * on one thread); a time budget ends when the time is up.
 *
 * @example
 * ```ts
 * const r = await tune({ train, test, model: 'mf', budget: { trials: 54 }, out: 'runs/tune-mf', workers: 2 })
 * r.best // { kind: 'mf', loss: 'softmax', …, epochs: 14, sampler: { kind: 'uniform' } }
 * ```
 */
export async function tune(o: TuneOptions): Promise<TuneResult> {
  const kind = o.model
  modelFamily(kind) // throws on an unknown kind, listing the known ones
  const metric = o.metric ?? 'ndcg@10'
  const cut = parseMetric(metric)
  const fraction = o.validationFraction ?? 0.2
  const seed = String(o.seed ?? 42)
  const rungs = o.rungs ?? [1, 3, 9, 27]
  const eta = o.eta ?? 3
  const patience = o.patience ?? 2
  const workers = o.workers ?? 1
  try {
    checkHalving(rungs, eta)
  } catch (e) {
    throw new TuneError((e as Error).message.split(':')[0], (e as Error).message.replace(/^[^:]*: /, ''))
  }
  if (!Number.isInteger(workers) || workers < 1) throw new TuneError('workers', `must be an integer >= 1, got ${workers}`)
  if (o.budget.trials === undefined && !(o.budget.seconds! > 0)) throw new TuneError('budget', 'give seconds > 0 or trials >= 1')
  const space = validateSpace(o.space ?? defaultSpace(kind), kind)
  const k = [...new Set([cut, 10, 20])].sort((a, b) => a - b)
  const parts = carveValidation(o.train, fraction, seed)

  mkdirSync(o.out, { recursive: true })
  const journal = join(o.out, JOURNAL)
  const header = fingerprint(o, space, metric, fraction, rungs, eta, patience)
  const done = readJournal(journal, header)
  if (!existsSync(journal) || readFileSync(journal, 'utf8') === '') appendLine(journal, JSON.stringify(header))

  const ctx: TrialContext = { kind, train: parts.train, validation: parts.validation, metric, k, patience, seed }
  const threads =
    !o.objective && workers > 1
      ? new TrialThreads(workers, { kind, metric, k, patience, seed, train: plain(parts.train), validation: plain(parts.validation) })
      : null
  const objective = o.objective ?? ((t: TrialTask) => (threads ? threads.run(t) : runTrial(ctx, t.config, t.epochs)))
  const planned = o.budget.trials !== undefined ? plannedWork(o.budget.trials, rungs, eta) : 0
  let work = 0
  let best = -Infinity
  const seen = new Set<number>()
  let records: TrialRecord[]
  try {
    records = await successiveHalving({
      sample: (i) => sampleConfig(space, seed, i),
      run: objective,
      rungs,
      eta,
      budget: o.budget,
      concurrency: workers,
      done,
      onRecord: (r, fresh) => {
        if (fresh) appendLine(journal, JSON.stringify(r))
        work += r.epochs
        seen.add(r.trial)
        if (r.score > best) best = r.score
        const fractionDone = o.budget.trials !== undefined ? work / planned : r.seconds / o.budget.seconds!
        o.onProgress?.({ fraction: Math.min(1, fractionDone), trials: seen.size, best, seconds: r.seconds })
      },
    })
  } finally {
    await threads?.close()
  }
  const board = leaderboard(records)
  if (board.length === 0) throw new TuneError('budget', 'no trial finished within the budget; give more time')
  const top = board[0]
  const { sampler, ...options } = top.config
  const family = modelFamily(kind)
  const bestConfig: Record<string, unknown> = { kind, ...options, [epochKey(kind)]: top.bestEpoch }
  if (family.usesSampler(options))
    bestConfig.sampler =
      sampler ?? (family.defaultSampler ? { kind: family.defaultSampler, ...family.defaultSamplerConfig } : { kind: 'uniform' })
  let metrics: Record<string, number> | undefined
  if (o.test) {
    const { sampler: s, kind: _k, ...rest } = bestConfig
    void _k
    const { model } = await fitConfig(kind, { ...rest, ...(s ? { sampler: s } : {}) }, o.train, top.bestEpoch, seed)
    const r = evaluate(model as never, o.train, o.test, { k: o.k ?? [10, 20] })
    metrics = {}
    for (const [key, v] of Object.entries(r.metrics)) metrics[key] = round6(v)
  }
  const seconds = records.reduce((m, r) => Math.max(m, r.seconds), 0)
  const files = writeFileSet(o.out, {
    'trials.csv': trialsCsv(records),
    'best.json': JSON.stringify(bestConfig, null, 2) + '\n',
    'leaderboard.md': leaderboardText(board, metric, 20),
    'trials.svg': await renderSvg(trialsPlotSpec(records, metric)),
  })
  return {
    best: bestConfig,
    validation: top.validation,
    ...(metrics ? { metrics } : {}),
    trials: board.length,
    seconds,
    leaderboard: board,
    records,
    resumed: [...done.keys()].length,
    files,
  }
}

function csvCell(v: unknown): string {
  const s = typeof v === 'string' ? v : (JSON.stringify(v) ?? '')
  return /[",\n]/.test(s) ? `"${s.replace(/"/g, '""')}"` : s
}

/** One row per finished task: trial, rung, epochs, best epoch, score, seconds, then the configuration's keys. */
export function trialsCsv(records: readonly TrialRecord[]): string {
  const keys = [...new Set(records.flatMap((r) => Object.keys(r.config)))].sort()
  const rows = [['trial', 'rung', 'epochs', 'best_epoch', 'score', 'seconds', ...keys].join(',')]
  for (const r of records)
    rows.push([r.trial, r.rung, r.epochs, r.bestEpoch, r.score, r.seconds, ...keys.map((k) => csvCell(r.config[k]))].map(csvCell).join(','))
  return rows.join('\n') + '\n'
}

function describe(config: Record<string, unknown>): string {
  return Object.keys(config)
    .sort()
    .map((k) => `${k}=${typeof config[k] === 'object' ? JSON.stringify(config[k]).replace(/"/g, '') : String(config[k])}`)
    .join(' ')
}

/** The leaderboard as a Markdown table (best first), the top `n` rows. */
export function leaderboardText(board: readonly TrialRecord[], metric: string, n = 10): string {
  const lines = [`| # | trial | rung (epochs) | best epoch | ${metric} | configuration |`, '|---|---|---|---|---|---|']
  board
    .slice(0, n)
    .forEach((r, i) =>
      lines.push(`| ${i + 1} | ${r.trial} | ${r.rung} (${r.epochs}) | ${r.bestEpoch} | ${r.score.toFixed(4)} | ${describe(r.config)} |`),
    )
  return lines.join('\n') + '\n'
}

/** Every task's validation score against the seconds it finished at, and the best-so-far line. */
export function trialsPlotSpec(records: readonly TrialRecord[], metric: string): TopLevelSpec {
  const points = [...records].sort((a, b) => a.seconds - b.seconds || byScore(a, b))
  let best = -Infinity
  const rows = points.map((r) => {
    if (r.score > best) best = r.score
    return { seconds: r.seconds, score: r.score, best, rung: `rung ${r.rung} (${r.epochs} epochs)`, trial: r.trial }
  })
  return {
    $schema: 'https://vega.github.io/schema/vega-lite/v6.json',
    title: `validation ${metric} of every trial (points) and the best so far (line)`,
    data: { values: rows },
    config: { font: 'sans-serif' },
    width: 420,
    height: 260,
    layer: [
      {
        mark: { type: 'point', filled: true, opacity: 0.7 },
        encoding: {
          x: { field: 'seconds', type: 'quantitative', title: 'seconds' },
          y: { field: 'score', type: 'quantitative', title: metric, scale: { zero: false } },
          color: { field: 'rung', type: 'nominal', title: null },
        },
      },
      {
        mark: { type: 'line', interpolate: 'step-after', color: 'black' },
        encoding: { x: { field: 'seconds', type: 'quantitative' }, y: { field: 'best', type: 'quantitative' } },
      },
    ],
  } as TopLevelSpec
}
