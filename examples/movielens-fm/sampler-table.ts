/**
 * The sampler comparison of `packages/models/src/fm/README.md`: loss × sampler × k on
 * ml-latest-small (`splitRandom(…, { testFraction: 0.2, seed: 42 })`, full ranking, training items
 * masked), NDCG@10 and Recall@20 mean ± std over model seeds — the rows of the MF table in
 * `packages/models/README.md`, plus BPR with AOBPR. One JSON line per run goes to `--out` (appended,
 * so an interrupted sweep resumes: runs already in the file are skipped); the markdown table is
 * printed from everything in the file at the end.
 *
 *   DECOY_DATA_DIR=/work/shared/datasets nice -n 19 pnpm --filter @decoy/example-movielens-fm \
 *     sampler-table --model fm --features id --epochs 10 --dim 64 --seeds 1,2,3 --out /tmp/runs.jsonl
 *
 * `--rows a,b` runs only the named rows (see ROWS); `--model mf` runs MF with the same settings;
 * `--features meta` adds genres, 5-year buckets and tags (on ≥ 2 items) to the id fields;
 * `--kernel js|wasm|auto` picks the step kernel of MF or FM (runs are then labelled `<model>-<kernel>`).
 * One thread (`workers: 1`), CPU seconds per run are recorded.
 */
import { existsSync, readFileSync, appendFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { splitRandom, type Recommender, type SamplerConfig } from '@decoy/core'
import { loadDataset } from '@decoy/datasets'
import { evaluate } from '@decoy/eval'
import { FmFeatureBuilder, factorizationMachine, matrixFactorization, type FitResult, type LossName } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

/** A row of the table: loss, sampler config, negatives per positive. */
interface Row {
  name: string
  label: string
  loss: LossName
  sampler: SamplerConfig
  k: number
}

const ROWS: Row[] = [
  { name: 'softmax-uniform', label: 'softmax | uniform', loss: 'softmax', sampler: { kind: 'uniform' }, k: 32 },
  {
    name: 'softmax-popularity',
    label: 'softmax | popularity α=0.75 (logQ-corrected)',
    loss: 'softmax',
    sampler: { kind: 'popularity', alpha: 0.75 },
    k: 32,
  },
  { name: 'bpr-uniform', label: 'bpr | uniform', loss: 'bpr', sampler: { kind: 'uniform' }, k: 1 },
  { name: 'bpr-popularity', label: 'bpr | popularity α=0.75', loss: 'bpr', sampler: { kind: 'popularity', alpha: 0.75 }, k: 1 },
  { name: 'bpr-dns', label: 'bpr | hard (DNS, M = 16)', loss: 'bpr', sampler: { kind: 'hard', candidates: 16 }, k: 1 },
  { name: 'warp-adaptive', label: 'warp | adaptive (WARP search)', loss: 'warp', sampler: { kind: 'adaptive', variant: 'warp' }, k: 1 },
  { name: 'logistic-uniform', label: 'logistic | uniform', loss: 'logistic', sampler: { kind: 'uniform' }, k: 32 },
  { name: 'bpr-aobpr', label: 'bpr | adaptive (AOBPR, λ = 0.05)', loss: 'bpr', sampler: { kind: 'adaptive', variant: 'aobpr' }, k: 1 },
]

// `pnpm <script> -- --flag` hands the script a literal "--": drop it.
const argv = process.argv.slice(2)
const { values } = parseArgs({
  args: argv[0] === '--' ? argv.slice(1) : argv,
  options: {
    model: { type: 'string', default: 'fm' },
    features: { type: 'string', default: 'id' },
    rows: { type: 'string' },
    seeds: { type: 'string', default: '1,2,3' },
    epochs: { type: 'string', default: '10' },
    dim: { type: 'string', default: '64' },
    out: { type: 'string', default: 'sampler-table.jsonl' },
    kernel: { type: 'string' },
  },
})
const model = values.model!
if (model !== 'fm' && model !== 'mf') throw new Error(`--model must be fm or mf, got ${model}`)
const featureSet = values.features!
if (featureSet !== 'id' && featureSet !== 'meta') throw new Error(`--features must be id or meta (genres, year, tags), got ${featureSet}`)
if (model === 'mf' && featureSet !== 'id') throw new Error('--model mf takes no --features')
const epochs = Number(values.epochs)
const dim = Number(values.dim)
const seeds = values.seeds!.split(',').map(Number)
const wanted = values.rows ? values.rows.split(',') : ROWS.map((r) => r.name)
for (const w of wanted)
  if (!ROWS.some((r) => r.name === w)) throw new Error(`unknown row ${w} (known: ${ROWS.map((r) => r.name).join(', ')})`)
const out = values.out!
// The step kernel ('auto' | 'wasm' | 'js'; the model's default, 'auto', when absent).
const kernel = values.kernel as 'auto' | 'wasm' | 'js' | undefined
if (kernel !== undefined && kernel !== 'auto' && kernel !== 'wasm' && kernel !== 'js')
  throw new Error(`--kernel must be auto, wasm or js, got ${kernel}`)

interface Run {
  model: string
  features: string
  row: string
  epochs: number
  dim: number
  seed: number
  ndcg10: number
  recall20: number
  cpuSeconds: number
  samplerStats: Record<string, number | undefined>
}

const tag = (r: Pick<Run, 'model' | 'features' | 'row' | 'epochs' | 'dim' | 'seed'>): string =>
  `${r.model}/${r.features}/${r.row}/e${r.epochs}/d${r.dim}/s${r.seed}`
const readRuns = (): Run[] =>
  existsSync(out)
    ? readFileSync(out, 'utf8')
        .split('\n')
        .filter(Boolean)
        .map((l) => JSON.parse(l) as Run)
    : []
const done = new Set(readRuns().map(tag))

const ds = await loadDataset('ml-latest-small', { download: false })
const { train, test } = splitRandom(ds.interactions, { testFraction: 0.2, seed: 42 })
const features =
  featureSet === 'meta'
    ? new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
        .addItemMeta(ds.items!)
        .addItemTags(ds.tags!, { minItems: 2 })
        .build()
    : undefined

for (const row of ROWS.filter((r) => wanted.includes(r.name))) {
  for (const seed of seeds) {
    const key = { model: kernel ? `${model}-${kernel}` : model, features: featureSet, row: row.name, epochs, dim, seed }
    if (done.has(tag(key))) continue
    const fitOpts = { sampler: createSampler(row.sampler), loss: row.loss, negatives: row.k, epochs, seed, workers: 1 }
    const cpu0 = process.cpuUsage()
    let m: Recommender
    let res: FitResult
    if (model === 'fm') {
      const fm = factorizationMachine({ dim, features })
      res = await fm.fit(train, kernel ? { ...fitOpts, kernel } : fitOpts)
      m = fm
    } else {
      const mf = matrixFactorization({ dim })
      res = await mf.fit(train, kernel ? { ...fitOpts, kernel } : fitOpts)
      m = mf
    }
    const metrics = evaluate(m, train, test, { k: [10, 20] }).metrics
    const cpu = process.cpuUsage(cpu0)
    const run: Run = {
      ...key,
      ndcg10: metrics['ndcg@10'],
      recall20: metrics['recall@20'],
      cpuSeconds: (cpu.user + cpu.system) / 1e6,
      samplerStats: res.samplerStats,
    }
    appendFileSync(out, JSON.stringify(run) + '\n')
    console.error(`${tag(key)}  NDCG@10 ${run.ndcg10.toFixed(4)}  Recall@20 ${run.recall20.toFixed(4)}  ${run.cpuSeconds.toFixed(1)} CPU s`)
  }
}

// The table, from every run in the file (grouped by model, features, epochs, dim).
const fmt = (xs: number[]): string => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0
  return xs.length > 1 ? `${mean.toFixed(4)} ± ${std.toFixed(4)}` : mean.toFixed(4)
}
const groups = new Map<string, Run[]>()
for (const r of readRuns()) {
  const g = `${r.model}/${r.features}/${r.row}/e${r.epochs}/d${r.dim}`
  groups.set(g, [...(groups.get(g) ?? []), r])
}
console.log('| model | features | epochs | dim | loss | sampler | k | seeds | NDCG@10 | Recall@20 | CPU s/run |')
console.log('|---|---|---|---|---|---|---|---|---|---|---|')
for (const rs of groups.values()) {
  const r0 = rs[0]
  const row = ROWS.find((r) => r.name === r0.row)!
  const cpu = rs.reduce((a, r) => a + r.cpuSeconds, 0) / rs.length
  console.log(
    `| ${r0.model} | ${r0.features} | ${r0.epochs} | ${r0.dim} | ${row.label} | ${row.k} | ${rs.map((r) => r.seed).join(',')} | ${fmt(rs.map((r) => r.ndcg10))} | ${fmt(rs.map((r) => r.recall20))} | ${cpu.toFixed(0)} |`,
  )
}
