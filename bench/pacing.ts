/**
 * The cost of `fit`'s progress reports and yielding (`onProgress`, `yieldEvery`): MF (WebAssembly
 * kernel, softmax, uniform sampler) on the same data with neither, with `onProgress`, with
 * `yieldEvery: 'auto'` (25 ms slices) and with `yieldEvery: 'batch'` (a turn of the event loop after
 * every batch, the worst case), interleaved over rounds; the rows are median wall-clock seconds
 * relative to the plain fit (compare ratios, not seconds, on a busy machine). Data: a planted log of
 * 6,000 users × 2,000 items (~240k interactions).
 *
 * Standalone: `npx tsx bench/pacing.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

/**
 * Runs the pacing benchmark.
 * @returns rows: seconds of the plain fit and the ratio of each paced variant to it (medians over rounds).
 */
export async function benchPacing(): Promise<BenchRow[]> {
  const { generateSynthetic } = await import('@decoy/datasets')
  const { matrixFactorization } = await import('@decoy/models')
  const { uniformSampler } = await import('@decoy/samplers')
  type Fit = Parameters<ReturnType<typeof matrixFactorization>['fit']>[1]
  const train = generateSynthetic({
    users: 6000,
    items: 2000,
    clusters: 40,
    interactionsPerUser: [20, 60],
    seed: 'bench-pacing',
  }).interactions
  let reports = 0
  const variants: Record<string, Partial<Fit>> = {
    plain: { yieldEvery: 'never' },
    onProgress: { yieldEvery: 'never', onProgress: () => void reports++ },
    "yieldEvery 'auto'": { yieldEvery: 'auto' },
    "yieldEvery 'batch'": { yieldEvery: 'batch' },
  }
  const times: Record<string, number[]> = {}
  const rounds = Number(process.env.PACING_BENCH_ROUNDS ?? 5)
  for (let r = 0; r < rounds; r++) {
    for (const [name, extra] of Object.entries(variants)) {
      const model = matrixFactorization({ dim: 32, loss: 'softmax', negatives: 16 })
      const t0 = performance.now()
      await model.fit(train, { sampler: uniformSampler(), seed: 1, epochs: 3, ...extra })
      ;(times[name] ??= []).push((performance.now() - t0) / 1000)
    }
  }
  const median = (a: number[]): number => {
    const s = [...a].sort((x, y) => x - y)
    return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
  }
  const base = median(times.plain)
  const rows: BenchRow[] = [
    {
      name: `MF fit, 3 epochs, ${train.items.length} interactions, batch 256, no pacing (median of ${rounds})`,
      value: Number(base.toFixed(3)),
      unit: 's',
    },
  ]
  for (const name of Object.keys(variants)) {
    if (name === 'plain') continue
    rows.push({ name: `MF fit with ${name} / without`, value: Number((median(times[name]) / base).toFixed(3)), unit: '×' })
  }
  rows.push({ name: 'onProgress calls per fit', value: Math.round(reports / rounds), unit: '' })
  return rows
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
    })
    process.exit(child.status ?? 1)
  }
  console.table(await benchPacing())
}
