/**
 * Cost growth with the log's size (issue 15): 1M, 5M and 25M interactions of the MovieLens-25M
 * shape (`synthetic:users=162000·s,items=59000·s,interactionsPerUser=20-290,clusters=64`, s = 1/25,
 * 1/5, 1), each run in its own child process so that its peak RSS is its own. Per size:
 *
 * - generate: the synthetic log in memory;
 * - split: random 80/20 per user, both files written as TSV (streamed), as `decoy split` does;
 * - load: train.tsv read back, then test.tsv into train's id space, as `decoy train` does;
 * - epoch: one epoch of MF (dim 64, softmax, Adagrad: the defaults) with 4 uniform negatives (the
 *   issue's setting; the default 32 would make the 25M epoch ~8× longer), 2 Hogwild workers;
 * - eval: full ranking of every test user (blocked kernel, 2 worker threads), K = 10, 20;
 * - peak RSS of the whole child (`process.resourceUsage().maxRSS`, worker threads included);
 * - CPU time per stage (`process.cpuUsage`, all threads), steadier than wall time on a shared machine.
 *
 * The growth factor between consecutive sizes is printed for each stage: 5× the interactions
 * means 5× users and 5× items here, so evaluation (users × items) grows ~25× per step.
 *
 * `pnpm bench scale` runs the three sizes (the 25M one takes several minutes and ~2 GB);
 * `pnpm bench` with every group runs 1M and 5M only. `DECOY_BENCH_SCALE_SIZES=1,5,25` (millions)
 * overrides the sizes. Standalone: `npx tsx bench/scale.ts [sizes]`.
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

/** Stage timings and peak memory of one size. */
interface SizeResult {
  millions: number
  interactions: number
  users: number
  items: number
  generate: number
  split: number
  load: number
  epoch: number
  eval: number
  peakRssMiB: number
  ndcg10: number
  /** CPU seconds (all threads) per stage. */
  cpu: Record<string, number>
}

const STAGES = ['generate', 'split', 'load', 'epoch', 'eval', 'peakRssMiB'] as const

/**
 * Runs the sizes (millions of interactions) each in a child process.
 * @param full - include 25M (`pnpm bench scale`); otherwise 1M and 5M.
 */
export async function benchScale(full = true): Promise<BenchRow[]> {
  const env = process.env.DECOY_BENCH_SCALE_SIZES
  const sizes = env ? env.split(',').map(Number) : full ? [1, 5, 25] : [1, 5]
  const results: SizeResult[] = []
  for (const m of sizes) {
    console.error(`bench scale: ${m}M…`)
    const r = spawnSync(
      process.execPath,
      ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url), '--child', String(m)],
      {
        stdio: ['ignore', 'pipe', 'inherit'],
        encoding: 'utf8',
        maxBuffer: 1 << 20,
      },
    )
    if (r.status !== 0) throw new Error(`bench scale: the ${m}M child failed (exit ${r.status})`)
    results.push(JSON.parse(r.stdout.trim().split('\n').pop()!) as SizeResult)
  }
  const rows: BenchRow[] = []
  for (const s of results) {
    const tag = `scale ${s.millions}M (${s.users}×${s.items}, ${(s.interactions / 1e6).toFixed(2)}M)`
    for (const k of STAGES)
      rows.push({
        name: `${tag}: ${k === 'peakRssMiB' ? 'peak RSS' : k}`,
        value: round(s[k], k === 'peakRssMiB' ? 0 : 2),
        unit: k === 'peakRssMiB' ? 'MiB' : 's',
      })
    for (const k of Object.keys(s.cpu)) rows.push({ name: `${tag}: ${k}, CPU time (all threads)`, value: round(s.cpu[k], 2), unit: 's' })
    rows.push({ name: `${tag}: ndcg@10 after 1 epoch`, value: round(s.ndcg10, 4), unit: '' })
  }
  for (let i = 1; i < results.length; i++) {
    const a = results[i - 1]
    const b = results[i]
    for (const k of STAGES)
      rows.push({
        name: `scale growth ${a.millions}M → ${b.millions}M: ${k === 'peakRssMiB' ? 'peak RSS' : k}`,
        value: round(b[k] / a[k], 2),
        unit: '×',
      })
    for (const k of Object.keys(b.cpu))
      rows.push({ name: `scale growth ${a.millions}M → ${b.millions}M: ${k}, CPU time`, value: round(b.cpu[k] / a.cpu[k], 2), unit: '×' })
  }
  return rows
}

/** One size, in this (child) process; prints a {@link SizeResult} as the last stdout line. */
async function child(millions: number): Promise<void> {
  const core = await import('@decoy/core')
  const node = await import('@decoy/core/node')
  const { generateSynthetic } = await import('@decoy/datasets')
  const { matrixFactorization } = await import('@decoy/models')
  const { uniformSampler } = await import('@decoy/samplers')
  const { evaluateAsync } = await import('@decoy/eval')
  const s = millions / 25
  const users = Math.round(162_000 * s)
  const items = Math.round(59_000 * s)
  const dir = mkdtempSync(join(tmpdir(), 'decoy-bench-scale-'))
  const clock = (): number => performance.now() / 1000
  const cpu: Record<string, number> = {}
  let c0 = process.cpuUsage()
  const lap = (stage: string): void => {
    const d = process.cpuUsage(c0)
    cpu[stage] = (d.user + d.system) / 1e6
    c0 = process.cpuUsage()
  }
  try {
    let t = clock()
    let data: ReturnType<typeof generateSynthetic> | null = generateSynthetic({
      users,
      items,
      interactionsPerUser: [20, 290],
      clusters: 64,
      seed: 1,
    })
    const interactions = data.interactions.items.length
    const generate = clock() - t
    lap('generate')
    t = clock()
    node.writeSplit(dir, core.splitRandom(data.interactions, { testFraction: 0.2, seed: 1 }))
    data = null // the log and the split are dropped, as the separate `decoy split` process ends
    const splitSeconds = clock() - t
    lap('split')
    t = clock()
    const train = node.readInteractionsFile(join(dir, 'train.tsv'))
    const test = node.readInteractionsFile(join(dir, 'test.tsv'), {
      userIds: core.IdMap.from(train.userIds.toArray(), train.userIds.kind),
      itemIds: core.IdMap.from(train.itemIds.toArray(), train.itemIds.kind),
      unknownUsers: 'add',
    })
    const load = clock() - t
    lap('load')
    t = clock()
    const model = matrixFactorization()
    await model.fit(train, { sampler: uniformSampler(), negatives: 4, epochs: 1, workers: 2, seed: 1 })
    const epoch = clock() - t
    lap('epoch')
    t = clock()
    const r = await evaluateAsync(model, train, test, {
      k: [10, 20],
      topK: (f, u, k, ex) => node.dotTopKParallel(f, u, k, { exclude: ex, workers: 2 }),
    })
    const evalSeconds = clock() - t
    lap('eval')
    const out: SizeResult = {
      millions,
      interactions,
      users,
      items,
      generate,
      split: splitSeconds,
      load,
      epoch,
      eval: evalSeconds,
      peakRssMiB: process.resourceUsage().maxRSS / 1024,
      ndcg10: r.metrics['ndcg@10'],
      cpu,
    }
    console.log(JSON.stringify(out))
  } finally {
    rmSync(dir, { recursive: true, force: true })
  }
}

function round(x: number, digits = 0): number {
  const p = 10 ** digits
  return Math.round(x * p) / p
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  const at = process.argv.indexOf('--child')
  if (at >= 0) await child(Number(process.argv[at + 1]))
  else {
    if (!process.execArgv.join(' ').includes('decoy-source')) {
      const r = spawnSync(
        process.execPath,
        ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url), ...process.argv.slice(2)],
        { stdio: 'inherit' },
      )
      process.exit(r.status ?? 1)
    }
    const arg = process.argv[2]
    if (arg) process.env.DECOY_BENCH_SCALE_SIZES = arg
    console.table(await benchScale(true))
  }
}
