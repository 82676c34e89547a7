/**
 * Results of an experiment: `results.json` (no timings, so identical across runs of one config),
 * `results.csv`, `results.md` (mean ± std over seeds, paired differences against the baseline
 * cell) and SVG plots.
 */
import { beginFileSet, type FileSetWriter } from '@decoy/core/node'
import { pairedComparison, type EvalResult } from '@decoy/eval'
import type { CellRecord } from './cell.js'
import type { ExperimentConfig } from './config.js'
import {
  diagnosticsSpec,
  finalMetricSpec,
  learningCurveSpec,
  popularitySpec,
  renderSvg,
  type CurveRow,
  type DiagnosticRow,
  type FinalRow,
  type PopularityRow,
} from './plots.js'

/** Paths of the files an experiment writes. */
export interface ReportFiles {
  /** `results.json`. */
  json: string
  /** `results.csv`. */
  csv: string
  /** `results.md`. */
  markdown: string
  /** SVG plots by name (`learning-curves`, `final-metrics`, `sampler-diagnostics`, `recommended-popularity`). */
  plots: Record<string, string>
}

/** Paired difference of a cell against the baseline on the headline metric. */
export interface PairedRow {
  /** The compared cell. */
  cell: string
  /** The baseline cell. */
  baseline: string
  /** Metric. */
  metric: string
  /** Users paired. */
  n: number
  /** Mean per-user difference cell − baseline (per-user values averaged over seeds first). */
  meanDiff: number
  /** 95% confidence interval of the mean difference. */
  ci: [number, number]
  /** Two-sided p-value. */
  pValue: number
}

/** Mean and standard deviation over seeds. */
export interface MeanStd {
  mean: number
  std: number
}

/** Summary of one cell over its seeds. */
export interface CellSummary {
  cell: string
  model: string
  sampler: string
  loss: string
  seeds: number
  epochs: MeanStd
  scoreEvaluations: MeanStd
  metrics: Record<string, MeanStd>
  samplerStats: Record<string, MeanStd>
}

/** Mean and sample standard deviation (n − 1; 0 for one value). */
export function meanStd(xs: number[]): MeanStd {
  const n = xs.length
  if (n === 0) return { mean: NaN, std: NaN }
  let s = 0
  for (let i = 0; i < n; i++) s += xs[i]
  const mean = s / n
  let v = 0
  for (let i = 0; i < n; i++) v += (xs[i] - mean) * (xs[i] - mean)
  return { mean: round(mean), std: round(n > 1 ? Math.sqrt(v / (n - 1)) : 0) }
}

function round(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(12)) : x
}

function groupBy(records: CellRecord[]): Map<string, CellRecord[]> {
  const out = new Map<string, CellRecord[]>()
  for (const r of records) {
    const list = out.get(r.cell)
    if (list) list.push(r)
    else out.set(r.cell, [r])
  }
  return out
}

/** Per-cell summaries, in grid order. */
export function summarize(records: CellRecord[]): CellSummary[] {
  const out: CellSummary[] = []
  for (const [cell, rs] of groupBy(records)) {
    const metrics: Record<string, MeanStd> = {}
    for (const key of Object.keys(rs[0].final.metrics)) metrics[key] = meanStd(rs.map((r) => r.final.metrics[key]))
    const samplerStats: Record<string, MeanStd> = {}
    const statKeys = [...new Set(rs.flatMap((r) => Object.keys(r.samplerStats)))].sort()
    for (const key of statKeys) samplerStats[key] = meanStd(rs.filter((r) => key in r.samplerStats).map((r) => r.samplerStats[key]))
    out.push({
      cell,
      model: rs[0].model,
      sampler: rs[0].sampler,
      loss: rs[0].loss,
      seeds: rs.length,
      epochs: meanStd(rs.map((r) => r.epochs)),
      scoreEvaluations: meanStd(rs.map((r) => r.scoreEvaluations)),
      metrics,
      samplerStats,
    })
  }
  return out
}

/** A cell's per-user values averaged over its seeds, as an `EvalResult` for `pairedComparison`. */
function seedAveraged(rs: CellRecord[], metric: string): EvalResult {
  const users = rs[0].final.users
  const sum = new Float64Array(users.length)
  for (const r of rs) {
    const col = r.final.perUser[metric]
    if (!col) throw new Error(`results: metric ${metric} has no per-user values in ${r.id}`)
    if (r.final.users.length !== users.length) throw new Error(`results: ${r.id} evaluated other users than ${rs[0].id}`)
    for (let i = 0; i < users.length; i++) sum[i] += col[i]
  }
  for (let i = 0; i < users.length; i++) sum[i] /= rs.length
  return {
    metrics: {},
    perUser: { [metric]: sum },
    users: Int32Array.from(users),
    numUsers: users.length,
    k: [],
    testItems: 0,
    unseenTestItems: 0,
    maskedTestItems: 0,
    sampled: false,
    warnings: [],
  }
}

/** Paired differences of every cell against `baseline` on `metric` (95% CI, per-user pairs). */
export function pairedAgainst(records: CellRecord[], baseline: string, metric: string): PairedRow[] {
  const groups = groupBy(records)
  const base = groups.get(baseline)
  if (!base) throw new Error(`results: baseline cell ${JSON.stringify(baseline)} has no records`)
  const b = seedAveraged(base, metric)
  const out: PairedRow[] = []
  for (const [cell, rs] of groups) {
    if (cell === baseline) continue
    const p = pairedComparison(seedAveraged(rs, metric), b, metric, { confidence: 0.95 })
    out.push({ cell, baseline, metric, n: p.n, meanDiff: round(p.meanDiff), ci: [round(p.ci[0]), round(p.ci[1])], pValue: round(p.pValue) })
  }
  return out
}

function tableMetrics(c: ExperimentConfig & { k: number[]; metric: string }): string[] {
  const keys = [c.metric]
  for (const k of c.k) for (const m of ['ndcg', 'recall']) if (!keys.includes(`${m}@${k}`)) keys.push(`${m}@${k}`)
  const maxK = c.k[c.k.length - 1]
  keys.push(`coverage@${maxK}`)
  return keys
}

function fmt(x: number, digits = 4): string {
  return Number.isFinite(x) ? x.toFixed(digits) : '–'
}

/** `mean ± std`, or the mean alone when there is one seed (a std of one value says nothing). */
function pm(m: MeanStd | undefined, digits = 4, seeds = 2): string {
  if (!m) return '–'
  return seeds > 1 ? `${fmt(m.mean, digits)} ± ${fmt(m.std, digits)}` : fmt(m.mean, digits)
}

function sci(x: number): string {
  return Number.isFinite(x) ? x.toExponential(2) : '–'
}

function csvField(v: unknown): string {
  const s = v === undefined || v === null ? '' : String(v)
  return /[",\n]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/** Options of {@link writeReports}. */
export interface ReportOptions {
  /** Title of `results.md`. */
  title: string
  /** One line describing the data. */
  dataDescription: string
  /** Skip the plots. */
  noPlots?: boolean
}

/**
 * Writes `results.json`, `results.csv`, `results.md` and the plots into `out` (atomically).
 * @returns the paths written.
 */
export async function writeReports(
  out: string,
  c: ExperimentConfig & { k: number[]; metric: string },
  records: CellRecord[],
  opts: ReportOptions,
): Promise<ReportFiles> {
  const summaries = summarize(records)
  const baseline = c.baseline ?? summaries[0].cell
  const paired = summaries.length > 1 ? pairedAgainst(records, baseline, c.metric) : []
  const { parallel: _p, ...configForJson } = c as ExperimentConfig

  // results.json: one row per cell and seed, no timings.
  const rows = records.map((r) => ({
    cell: r.cell,
    model: r.model,
    sampler: r.sampler,
    loss: r.loss,
    seed: r.seed,
    epochs: r.epochs,
    scoreEvaluations: r.scoreEvaluations,
    updates: r.updates,
    metrics: r.final.metrics,
    samplerStats: r.samplerStats,
    curve: r.curve,
    epochStats: r.epochStats,
    recommendedPopularity: r.recommendedPopularity,
    config: r.config,
  }))
  const json = {
    name: opts.title,
    data: opts.dataDescription,
    metric: c.metric,
    baseline,
    config: configForJson,
    rows,
    summary: summaries,
    paired,
  }
  // One set: a crash or a signal never leaves results.md of one run beside results.json of another.
  const set = beginFileSet(out)
  try {
    const files = await writeReportSet(set, c, records, opts, json, summaries, paired, baseline)
    set.commit()
    return files
  } finally {
    set.abort()
  }
}

async function writeReportSet(
  set: FileSetWriter,
  c: ExperimentConfig & { k: number[]; metric: string },
  records: CellRecord[],
  opts: ReportOptions,
  json: object,
  summaries: ReturnType<typeof summarize>,
  paired: ReturnType<typeof pairedAgainst>,
  baseline: string,
): Promise<ReportFiles> {
  const files: ReportFiles = { json: set.add('results.json', JSON.stringify(json, null, 2) + '\n'), csv: '', markdown: '', plots: {} }

  // results.csv: one row per cell and seed, timings included.
  const metricKeys = Object.keys(records[0].final.metrics).sort()
  const statKeys = [...new Set(records.flatMap((r) => Object.keys(r.samplerStats)))].sort()
  const header = [
    'cell',
    'model',
    'sampler',
    'loss',
    'seed',
    'epochs',
    'score_evaluations',
    'updates',
    ...metricKeys,
    ...statKeys.map((s) => `sampler_${s}`),
    'train_seconds',
    'updates_per_second',
  ]
  const lines = [header.join(',')]
  for (const r of records) {
    lines.push(
      [
        r.cell,
        r.model,
        r.sampler,
        r.loss,
        r.seed,
        r.epochs,
        r.scoreEvaluations,
        r.updates,
        ...metricKeys.map((k) => r.final.metrics[k]),
        ...statKeys.map((s) => r.samplerStats[s]),
        r.timing.trainSeconds.toFixed(3),
        Math.round(r.timing.updatesPerSecond),
      ]
        .map(csvField)
        .join(','),
    )
  }
  files.csv = set.add('results.csv', lines.join('\n') + '\n')

  // Plots.
  const groupOf = (r: { model: string; loss: string }) => `${r.model}/${r.loss}`
  const groups = new Set(records.map(groupOf)).size
  const plotNames = ['learning-curves', 'final-metrics', 'sampler-diagnostics', 'recommended-popularity']
  if (!opts.noPlots) {
    const curve: CurveRow[] = []
    const popularity: PopularityRow[] = []
    const diagnostics: DiagnosticRow[] = []
    for (const [cell, rs] of groupBy(records)) {
      const g = groupOf(rs[0])
      const epochs = [...new Set(rs.flatMap((r) => r.curve.map((p) => p.epoch)))].sort((a, b) => a - b)
      for (const e of epochs) {
        const vals = rs.map((r) => r.curve.find((p) => p.epoch === e)?.metrics[c.metric]).filter((v): v is number => v !== undefined)
        if (vals.length === rs.length) curve.push({ group: g, sampler: rs[0].sampler, epoch: e, value: meanStd(vals).mean })
      }
      for (let d = 0; d < 10; d++)
        popularity.push({ group: g, sampler: rs[0].sampler, decile: d + 1, share: meanStd(rs.map((r) => r.recommendedPopularity[d])).mean })
      const s = summaries.find((x) => x.cell === cell)!
      for (const [key, label] of [
        ['rejectionRate', 'rejection rate'],
        ['hardness', 'hardness'],
        ['meanTrials', 'mean trials'],
      ] as const) {
        const v = s.samplerStats[key]
        if (v && Number.isFinite(v.mean)) diagnostics.push({ group: g, sampler: rs[0].sampler, measure: label, value: v.mean })
      }
    }
    const final: FinalRow[] = summaries.map((s) => {
      const m = s.metrics[c.metric]
      return { group: `${s.model}/${s.loss}`, sampler: s.sampler, mean: m.mean, lo: m.mean - m.std, hi: m.mean + m.std }
    })
    const specs = [
      learningCurveSpec(curve, c.metric, groups),
      finalMetricSpec(final, c.metric, groups),
      diagnosticsSpec(diagnostics, groups),
      popularitySpec(popularity, c.k[c.k.length - 1], groups),
    ]
    for (let i = 0; i < specs.length; i++) {
      files.plots[plotNames[i]] = set.add(`plots/${plotNames[i]}.svg`, await renderSvg(specs[i]))
    }
  }

  // results.md
  const metricCols = tableMetrics(c)
  const md: string[] = []
  md.push(`# ${opts.title}`, '')
  md.push(
    `Data: ${opts.dataDescription}. Budget: ${JSON.stringify(c.budget)}. Seeds: ${c.seeds.join(', ')}. Full-ranking metrics on the test split, training items excluded${c.seeds.length > 1 ? '; mean ± std over seeds' : ''}.`,
    '',
  )
  md.push(`| cell | epochs | score evals | ${metricCols.join(' | ')} | train s | updates/s |`)
  md.push(`|---|---|---|${metricCols.map(() => '---').join('|')}|---|---|`)
  for (const s of summaries) {
    const rs = records.filter((r) => r.cell === s.cell)
    const secs = meanStd(rs.map((r) => r.timing.trainSeconds))
    const ups = meanStd(rs.map((r) => r.timing.updatesPerSecond))
    md.push(
      `| ${s.cell} | ${fmt(s.epochs.mean, s.epochs.std > 0 ? 1 : 0)} | ${sci(s.scoreEvaluations.mean)} | ${metricCols.map((k) => pm(s.metrics[k], 4, s.seeds)).join(' | ')} | ${fmt(secs.mean, 1)} | ${sci(ups.mean)} |`,
    )
  }
  md.push('')
  if (paired.length > 0) {
    md.push(`## Paired difference against \`${baseline}\` (${c.metric})`, '')
    md.push('Per-user values averaged over seeds, then paired by user: mean difference, 95% t confidence interval, two-sided p-value.', '')
    md.push('| cell | Δ mean | 95% CI | p | users |', '|---|---|---|---|---|')
    for (const p of paired)
      md.push(
        `| ${p.cell} | ${p.meanDiff >= 0 ? '+' : ''}${fmt(p.meanDiff)} | [${fmt(p.ci[0])}, ${fmt(p.ci[1])}] | ${p.pValue < 1e-4 ? p.pValue.toExponential(1) : fmt(p.pValue)} | ${p.n} |`,
      )
    md.push('')
  }
  md.push('## Sampler diagnostics', '')
  md.push('| cell | rejection rate | mean trials | hardness | masked | sampler scores |', '|---|---|---|---|---|---|')
  for (const s of summaries) {
    const rs = records.filter((r) => r.cell === s.cell)
    const scores = meanStd(rs.map((r) => r.epochStats.reduce((a, e) => a + e.samplerScores, 0)))
    md.push(
      `| ${s.cell} | ${pm(s.samplerStats.rejectionRate, 4, s.seeds)} | ${pm(s.samplerStats.meanTrials, 2, s.seeds)} | ${s.samplerStats.hardness ? pm(s.samplerStats.hardness, 3, s.seeds) : '–'} | ${fmt(s.samplerStats.masked?.mean ?? NaN, 0)} | ${sci(scores.mean)} |`,
    )
  }
  md.push('')
  if (!opts.noPlots) {
    md.push('## Plots', '')
    for (const name of plotNames) md.push(`![${name}](plots/${name}.svg)`, '')
  }
  md.push(
    'Timings (train s, updates/s) vary between runs and machines; they are in results.csv and results.md only, never in results.json.',
    '',
  )
  files.markdown = set.add('results.md', md.join('\n'))
  return files
}
