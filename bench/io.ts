/**
 * Interaction-log loading throughput: CSV → Interactions and Arrow IPC → Interactions on a
 * 1M-row synthetic log (20k users, 10k items with skewed popularity, rating and timestamp columns,
 * rows in time order so users arrive interleaved, as in a real log).
 *
 * Figures: rows/s (best of 3 runs after one warm-up run, parse + CSR build, bytes already in
 * memory), rows per CPU-second of the same runs (less sensitive to other processes on a shared
 * machine; GC threads count towards it) and the growth of
 * `rss` and `arrayBuffers` across one run (what the result and the transient buffers take).
 * Arrow is measured twice: a plain log (Int32 ids, Float32 rating, Float64 timestamp) as another
 * tool would write it, and the canonical cache written by `interactionsToArrow` (dictionary ids,
 * user-major), which loads without a sort. Targets: Arrow ≥ 10M rows/s, CSV ≥ 3M rows/s.
 *
 * Standalone: `npx tsx bench/io.ts` (re-runs itself with the `decoy-source` condition and
 * `--expose-gc`, so the packages resolve to their sources without a build).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const ROWS = 1_000_000
const USERS = 20_000
const ITEMS = 10_000
const REPEATS = 3

/** Runs the I/O benchmarks and returns their figures. */
export async function benchIo(): Promise<BenchRow[]> {
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const arrow = await import('@decoy/core/arrow')

  // Seeded synthetic log.
  const state = core.createRng('bench-io').fork('log').state
  const users = new Int32Array(ROWS)
  const items = new Int32Array(ROWS)
  const ratings = new Float32Array(ROWS)
  const times = new Float64Array(ROWS)
  for (let r = 0; r < ROWS; r++) {
    users[r] = 1 + core.prngBelow(state, USERS)
    const a = core.prngFloat(state)
    items[r] = 1 + Math.floor(a * a * ITEMS) // popularity skew
    ratings[r] = 0.5 * (1 + core.prngBelow(state, 10))
    times[r] = 1_500_000_000 + r * 3
  }
  const lines: string[] = ['userId,movieId,rating,timestamp\n']
  for (let r = 0; r < ROWS; r++) lines.push(`${users[r]},${items[r]},${ratings[r]},${times[r]}\n`)
  const csv = new TextEncoder().encode(lines.join(''))
  lines.length = 0
  const plainIpc = arrow.writeArrowIpc(arrow.arrowTableFromColumns({ userId: users, movieId: items, rating: ratings, timestamp: times }), 'file')
  const reference = core.parseInteractions(csv, { source: 'bench.csv' })
  const cacheIpc = arrow.writeArrowIpc(arrow.interactionsToArrow(reference), 'file')
  const nnz = reference.indptr[reference.numUsers]

  const rows: BenchRow[] = []
  const measure = (name: string, bytes: Uint8Array, load: () => { indptr: Int32Array; numUsers: number }): void => {
    let best = Infinity
    let bestCpu = Infinity
    let rss = 0
    let ab = 0
    load() // warm-up: lets the JIT optimise the scan loops before timing
    for (let k = 0; k < REPEATS; k++) {
      gc()
      const m0 = process.memoryUsage()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const x = load()
      const dt = performance.now() - t0
      const c = process.cpuUsage(c0)
      bestCpu = Math.min(bestCpu, (c.user + c.system) / 1000)
      const m1 = process.memoryUsage()
      if (x.indptr[x.numUsers] !== nnz) throw new Error(`${name}: loaded ${x.indptr[x.numUsers]} interactions, expected ${nnz}`)
      best = Math.min(best, dt)
      rss = Math.max(rss, m1.rss - m0.rss)
      ab = Math.max(ab, m1.arrayBuffers - m0.arrayBuffers)
    }
    rows.push({ name: `${name}: rows/s`, value: round(ROWS / (best / 1000)), unit: 'rows/s' })
    rows.push({ name: `${name}: time`, value: round(best, 1), unit: 'ms' })
    // CPU time of the same runs: what the figure would be on an idle core (the machine is shared).
    rows.push({ name: `${name}: rows per CPU-second`, value: round(ROWS / (bestCpu / 1000)), unit: 'rows/s' })
    rows.push({ name: `${name}: input`, value: round(bytes.length / 2 ** 20, 1), unit: 'MiB' })
    rows.push({ name: `${name}: rss growth`, value: round(rss / 2 ** 20, 1), unit: 'MiB' })
    rows.push({ name: `${name}: arrayBuffers growth`, value: round(ab / 2 ** 20, 1), unit: 'MiB' })
  }
  measure('csv → Interactions (1M rows)', csv, () => core.parseInteractions(csv, { source: 'bench.csv' }))
  measure('arrow ipc log → Interactions (1M rows)', plainIpc, () => arrow.readArrowIpc(plainIpc, { source: 'bench.arrow' }))
  measure('arrow ipc cache → Interactions (1M rows)', cacheIpc, () => arrow.readArrowIpc(cacheIpc, { source: 'cache.arrow' }))
  return rows
}

function gc(): void {
  const g = (globalThis as { gc?: () => void }).gc
  if (g) g()
}

function round(x: number, digits = 0): number {
  const p = 10 ** digits
  return Math.round(x * p) / p
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    // Plain `npx tsx bench/io.ts`: rerun with the source condition (tsx's loader flags are in execArgv).
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', '--expose-gc', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  const rows = await benchIo()
  console.table(rows)
  console.log(JSON.stringify(rows))
}
