/**
 * `runExperiment`: validate, load and split the data, run every missing cell (serially or in
 * worker threads), record each finished cell atomically, then write the results and plots.
 */
import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, readFileSync, readdirSync } from 'node:fs'
import { basename, dirname, join, resolve } from 'node:path'
import { parseJsonText } from '@decoy/core'
import { outputError, writeFileAtomic } from '@decoy/core/node'
import { cellFileName, runCell, type CellRecord } from './cell.js'
import { ConfigError, cellSampler, expandCells, samplerPairing, validateConfig, type CellSpec, type ExperimentConfig } from './config.js'
import { loadExperimentData, type ExperimentData } from './data.js'
import { runPool, type CellTask } from './pool.js'
import { writeReports, type ReportFiles } from './report.js'

/** Options of {@link runExperiment}. */
export interface RunExperimentOptions {
  /** Output folder (created): `cells/`, `results.{csv,json,md}`, `plots/*.svg`. */
  out: string
  /** Skip cells whose record is already in `out/cells/` for the same config (default true). */
  resume?: boolean
  /** Cells run at once in worker threads (default: the config's `parallel`, else 1 = in-thread). */
  workers?: number
  /** Progress and status lines (default: none). */
  log?: (message: string) => void
  /** Folder relative paths in the config are resolved against (default: the config file's, else cwd). */
  baseDir?: string
  /** Dataset options: local folder, cache, download switch, environment. */
  datasets?: { dir?: string; cacheDir?: string; download?: boolean; env?: Record<string, string | undefined> }
  /** Called after each cell's record is written (tests interrupt a run by throwing here). */
  onCellDone?: (record: CellRecord) => void
  /** Called after each epoch of a cell run in this thread or a worker (progress bars). */
  onEpoch?: (cellId: string, epoch: number, planned: number) => void
  /** Skip the SVG plots (default false). */
  noPlots?: boolean
}

/** What {@link runExperiment} returns. */
export interface ExperimentResult {
  /** Every cell-seed record, in grid order (cells, then seeds). */
  records: CellRecord[]
  /** Ids of the cells run now. */
  ran: string[]
  /** Ids of the cells found on disk and skipped. */
  skipped: string[]
  /** Files written. */
  files: ReportFiles
}

/** A cell record plus the fingerprint of what produced it. */
interface StoredCell {
  fingerprint: string
  record: CellRecord
}

function canonical(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(canonical).join(',') + ']'
  if (v !== null && typeof v === 'object') {
    return (
      '{' +
      Object.keys(v)
        .sort()
        .filter((k) => (v as Record<string, unknown>)[k] !== undefined)
        .map((k) => JSON.stringify(k) + ':' + canonical((v as Record<string, unknown>)[k]))
        .join(',') +
      '}'
    )
  }
  return JSON.stringify(v)
}

/**
 * Fingerprint of everything a cell-seed's result depends on: data, split, the cell's model and
 * sampler, loss, seed, budget, cut-offs and evaluation schedule (not `parallel`, names or baseline).
 */
export function cellFingerprint(c: ExperimentConfig & { k: number[]; evalEvery: number }, cell: CellSpec, seed: number | string): string {
  const { name: _m, ...model } = c.models[cell.model]
  const { name: _s, ...sampler } = cellSampler(c, cell)
  const pairing = samplerPairing(sampler)
  const key = {
    dataset: c.dataset,
    train: c.train,
    test: c.test,
    minRating: c.minRating,
    split: c.split,
    model,
    sampler,
    loss: cell.loss,
    ...(pairing ? { negatives: pairing.negatives } : {}),
    seed: String(seed),
    budget: c.budget,
    k: c.k,
    evalEvery: c.evalEvery,
    version: 1,
  }
  return createHash('sha256').update(canonical(key)).digest('hex').slice(0, 16)
}

/**
 * Reads and validates a config file (JSON).
 * @throws ConfigError naming the file and the JSON path of the bad field; Error for unreadable or
 * malformed JSON (with the parser's position).
 */
export function readConfigFile(path: string): ReturnType<typeof validateConfig> {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw new ConfigError('', (e as NodeJS.ErrnoException).code === 'ENOENT' ? 'no such config file' : (e as Error).message, path)
  }
  const r = parseJsonText(text.charCodeAt(0) === 0xfeff ? text.slice(1) : text)
  if (!r.ok) throw new ConfigError('', `line ${r.problem.line}, column ${r.problem.column}: not valid JSON: ${r.problem.reason}`, path)
  return validateConfig(r.value, path)
}

/**
 * Runs an experiment: every cell of models × samplers × losses, once per seed, within the
 * config's budget, with test metrics every `evalEvery` epochs.
 *
 * Each finished cell-seed is written atomically to `out/cells/<id>.json` (with a fingerprint of
 * what produced it); a rerun with `resume` skips cells already recorded for the same inputs, so an
 * interrupted experiment picks up where it stopped. Cells may run in `workers` threads; records do
 * not depend on the thread, so the results equal a serial run's. Finally `results.json` (no
 * timings: identical across runs of the same config), `results.csv`, `results.md` and the plots
 * are written.
 *
 * @param config - a config object or the path of a JSON config file.
 * @param opts - output folder, resume, workers, log, hooks.
 * @returns every record, which cells ran and which were skipped, and the files written.
 * @throws ConfigError (with the JSON path of the bad field) before anything runs; loader and
 * training errors naming the cell.
 * @example
 * ```ts
 * const r = await runExperiment('configs/shootout.json', { out: 'runs/shootout', log: console.error })
 * r.files.markdown // runs/shootout/results.md
 * ```
 */
export async function runExperiment(config: unknown, opts: RunExperimentOptions): Promise<ExperimentResult> {
  const fromFile = typeof config === 'string'
  const c = fromFile ? readConfigFile(config) : validateConfig(config)
  const baseDir = opts.baseDir ?? (fromFile ? dirname(resolve(config)) : process.cwd())
  const title = c.name ?? (fromFile ? basename(config, '.json') : 'experiment')
  const log = opts.log ?? (() => {})
  const resume = opts.resume ?? true
  const threads = opts.workers ?? c.parallel
  const out = resolve(opts.out)
  const cellsDir = join(out, 'cells')
  try {
    mkdirSync(cellsDir, { recursive: true })
  } catch (e) {
    throw outputError(e, opts.out)
  }

  const cells = expandCells(c)
  const tasks: (CellTask & { id: string; fingerprint: string; file: string })[] = []
  for (const cell of cells) {
    for (const seed of c.seeds) {
      const id = `${cell.name}#${seed}`
      tasks.push({ cell, seed, id, fingerprint: cellFingerprint(c, cell, seed), file: join(cellsDir, cellFileName(id)) })
    }
  }
  const byId = new Map<string, CellRecord>()
  const skipped: string[] = []
  if (resume) {
    for (const t of tasks) {
      if (!existsSync(t.file)) continue
      try {
        const stored = JSON.parse(readFileSync(t.file, 'utf8')) as StoredCell
        if (stored.fingerprint === t.fingerprint && stored.record?.id === t.id) {
          byId.set(t.id, stored.record)
          skipped.push(t.id)
        } else log(`${t.id}: recorded with another config, running it again`)
      } catch {
        log(`${t.id}: unreadable record ${t.file}, running it again`)
      }
    }
  }
  const todo = tasks.filter((t) => !byId.has(t.id))
  log(
    `${title}: ${cells.length} cells × ${c.seeds.length} seeds = ${tasks.length} runs` +
      (skipped.length ? `, ${skipped.length} already recorded` : '') +
      (todo.length ? `, running ${todo.length}` + (threads > 1 ? ` on ${Math.min(threads, todo.length)} threads` : '') : ''),
  )

  const ran: string[] = []
  const record = (t: (typeof tasks)[number], r: CellRecord) => {
    writeFileAtomic(t.file, JSON.stringify({ fingerprint: t.fingerprint, record: r }) + '\n')
    byId.set(t.id, r)
    ran.push(t.id)
    const m = r.final.metrics[c.metric]
    log(
      `  ${t.id}: ${c.metric} ${m.toFixed(4)}  epochs ${r.epochs}  score evals ${r.scoreEvaluations.toExponential(2)}  train ${r.timing.trainSeconds.toFixed(1)}s`,
    )
    opts.onCellDone?.(r)
  }
  let data: ExperimentData | null = null
  if (todo.length > 0) {
    // Loaded here even when workers run the cells, so that bad or unavailable data fails early.
    data = await loadData(c, baseDir, opts.datasets)
    if (threads > 1 && todo.length > 1) {
      const init = { config: c, baseDir, datasets: opts.datasets ?? {} }
      const byTask = new Map(todo.map((t) => [t as CellTask, t]))
      await runPool(
        todo,
        threads,
        init,
        (t, r) => record(byTask.get(t)!, r),
        opts.onEpoch ? (t, e, p) => opts.onEpoch!(byTask.get(t)!.id, e, p) : undefined,
      )
    } else {
      for (const t of todo) {
        const r = await runCell({
          config: c,
          cell: t.cell,
          seed: t.seed,
          data: data!,
          onEpoch: opts.onEpoch ? (e, p) => opts.onEpoch!(t.id, e, p) : undefined,
        })
        record(t, r)
      }
    }
  }
  // Stale records of cells no longer in the grid stay on disk but out of the results.
  const known = new Set(tasks.map((t) => cellFileName(t.id)))
  const stale = readdirSync(cellsDir).filter((f) => f.endsWith('.json') && !known.has(f))
  if (stale.length > 0) log(`${stale.length} record(s) in ${cellsDir} are not in this grid and are ignored`)
  const records = tasks.map((t) => byId.get(t.id)!)
  const files = await writeReports(out, c, records, { title, noPlots: opts.noPlots === true, dataDescription: describe(c) })
  return { records, ran, skipped, files }
}

/** Loads the data; a missing or unavailable input is a ConfigError at the field that named it. */
async function loadData(c: ExperimentConfig, baseDir: string, datasets: RunExperimentOptions['datasets']): Promise<ExperimentData> {
  try {
    return await loadExperimentData(c, { baseDir, datasets })
  } catch (e) {
    if ((e as Error).name === 'DataError') throw e
    throw new ConfigError(c.dataset !== undefined ? 'dataset' : 'train', (e as Error).message)
  }
}

function describe(c: ExperimentConfig): string {
  return c.dataset !== undefined
    ? `${c.dataset}, ${c.split?.strategy} split ${JSON.stringify(c.split)}`
    : `train ${c.train}, test ${c.test}`
}
