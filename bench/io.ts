/**
 * Interaction-log loading throughput: CSV → Interactions and Arrow IPC → Interactions on a
 * 1M-row synthetic log (20k users, 10k items with skewed popularity, rating and timestamp columns,
 * rows in time order so users arrive interleaved, as in a real log).
 *
 * Figures: rows/s (best of 3 runs after one warm-up run, parse + CSR build, bytes already in
 * memory), rows per CPU-second of the same runs (less sensitive to other processes on a shared
 * machine; GC threads count towards it) and the growth of
 * `rss` and `arrayBuffers` across one run (what the result and the transient buffers take).
 * Arrow is measured three times: a plain log (Int32 ids, Float32 rating, Float64 timestamp) as another
 * tool would write it, the same rows user-major with plain ids, and the canonical cache written by
 * `interactionsToArrow` and `decoy data convert` (dictionary ids, user-major), which loads without
 * interning or a sort. The same rows are also read from files through `readInteractions`: CSV,
 * gzip-compressed CSV (streamed through zlib) and Parquet (snappy, dictionary pages, 128k-row row
 * groups, as Spark and pyarrow write by default). Cases run interleaved, best of 3 each.
 * Targets: CSV ≥ 5M rows/s, unsorted Arrow ≥ 10M rows/s, Parquet ≥ 5M rows/s.
 *
 * Standalone: `npx tsx bench/io.ts` (re-runs itself with the `decoy-source` condition and
 * `--expose-gc`, so the packages resolve to their sources without a build).
 */
import { spawnSync } from 'node:child_process'
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
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
  const plainIpc = arrow.writeArrowIpc(
    arrow.arrowTableFromColumns({ userId: users, movieId: items, rating: ratings, timestamp: times }),
    'file',
  )
  const reference = core.parseInteractions(csv, { source: 'bench.csv' })
  const cacheIpc = arrow.writeArrowIpc(arrow.interactionsToArrow(reference), 'file')
  const nnz = reference.indptr[reference.numUsers]

  // The same rows as files, for the one reader every command uses (readInteractions).
  const node = await import('@decoy/core/node')
  const pw = await import('parquet-wasm')
  const { tableToIPC } = await import('apache-arrow')
  const dir = mkdtempSync(join(tmpdir(), 'decoy-bench-io-'))
  const csvPath = join(dir, 'log.csv')
  const gzPath = join(dir, 'log.csv.gz')
  const pqPath = join(dir, 'log.parquet')
  writeFileSync(csvPath, csv)
  const gz = gzipSync(csv, { level: 6 })
  writeFileSync(gzPath, gz)
  // As Spark and pyarrow write by default: snappy pages, dictionary encoding, 128k-row row groups.
  const props = new pw.WriterPropertiesBuilder()
    .setCompression(pw.Compression.SNAPPY)
    .setMaxRowGroupSize(128 * 1024)
    .build()
  const logTable = arrow.arrowTableFromColumns({ userId: users, movieId: items, rating: ratings, timestamp: times })
  const pq = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(logTable, 'stream')), props)
  writeFileSync(pqPath, pq)
  // Layouts `decoy data convert` could write: user-major with dictionary ids (chosen) or plain ids.
  const sortedPlainIpc = arrow.writeArrowIpc(arrow.interactionsToArrow(reference, { ids: 'plain' }), 'file')

  type Load = () => { indptr: Int32Array; numUsers: number } | Promise<{ indptr: Int32Array; numUsers: number }>
  const cases: Array<{ name: string; bytes: number; load: Load; best: number; bestCpu: number; rss: number; ab: number }> = []
  const add = (name: string, bytes: number, load: Load): void => {
    cases.push({ name, bytes, load, best: Infinity, bestCpu: Infinity, rss: 0, ab: 0 })
  }
  add('csv → Interactions (1M rows)', csv.length, () => core.parseInteractions(csv, { source: 'bench.csv' }))
  add('csv file → Interactions (1M rows, readInteractions)', csv.length, () => node.readInteractions(csvPath))
  add('csv.gz file → Interactions (1M rows, streamed gunzip)', gz.length, () => node.readInteractions(gzPath))
  add('parquet file → Interactions (1M rows, snappy, 8 row groups)', pq.length, () => node.readInteractions(pqPath))
  add('arrow ipc log → Interactions (1M rows)', plainIpc.length, () => arrow.readArrowIpc(plainIpc, { source: 'bench.arrow' }))
  add('arrow ipc sorted, plain ids → Interactions (1M rows)', sortedPlainIpc.length, () =>
    arrow.readArrowIpc(sortedPlainIpc, { source: 'sorted.arrow' }),
  )
  add('arrow ipc cache → Interactions (1M rows)', cacheIpc.length, () => arrow.readArrowIpc(cacheIpc, { source: 'cache.arrow' }))
  // Warm-up (lets the JIT optimise the scan loops), then REPEATS rounds with the cases interleaved,
  // so load from other processes on a shared machine spreads over all of them alike.
  for (const c of cases) await c.load()
  for (let k = 0; k < REPEATS; k++) {
    for (const c of cases) {
      gc()
      const m0 = process.memoryUsage()
      const c0 = process.cpuUsage()
      const t0 = performance.now()
      const x = await c.load()
      const dt = performance.now() - t0
      const cpu = process.cpuUsage(c0)
      const m1 = process.memoryUsage()
      if (x.indptr[x.numUsers] !== nnz) throw new Error(`${c.name}: loaded ${x.indptr[x.numUsers]} interactions, expected ${nnz}`)
      c.best = Math.min(c.best, dt)
      c.bestCpu = Math.min(c.bestCpu, (cpu.user + cpu.system) / 1000)
      c.rss = Math.max(c.rss, m1.rss - m0.rss)
      c.ab = Math.max(c.ab, m1.arrayBuffers - m0.arrayBuffers)
    }
  }
  rmSync(dir, { recursive: true, force: true })
  const rows: BenchRow[] = []
  for (const c of cases) {
    rows.push({ name: `${c.name}: rows/s`, value: round(ROWS / (c.best / 1000)), unit: 'rows/s' })
    rows.push({ name: `${c.name}: time`, value: round(c.best, 1), unit: 'ms' })
    // CPU time of the same runs: what the figure would be on an idle core (the machine is shared).
    rows.push({ name: `${c.name}: rows per CPU-second`, value: round(ROWS / (c.bestCpu / 1000)), unit: 'rows/s' })
    rows.push({ name: `${c.name}: input`, value: round(c.bytes / 2 ** 20, 1), unit: 'MiB' })
    rows.push({ name: `${c.name}: rss growth`, value: round(c.rss / 2 ** 20, 1), unit: 'MiB' })
    rows.push({ name: `${c.name}: arrayBuffers growth`, value: round(c.ab / 2 ** 20, 1), unit: 'MiB' })
  }
  // Ratios of CPU time within this run (cases interleaved): steadier than wall time on a shared machine.
  const speed = (a: string, b: string): number => {
    const x = cases.find((c) => c.name.startsWith(a))!
    const y = cases.find((c) => c.name.startsWith(b))!
    return round(y.bestCpu / x.bestCpu, 2)
  }
  rows.push({
    name: 'arrow cache (dictionary ids) / sorted plain ids, load speed (CPU)',
    value: speed('arrow ipc cache', 'arrow ipc sorted'),
    unit: '×',
  })
  rows.push({ name: 'csv.gz / csv file, load time (CPU)', value: speed('csv file', 'csv.gz'), unit: '×' })
  rows.push({ name: 'parquet / csv file, load speed (CPU)', value: speed('parquet', 'csv file'), unit: '×' })
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
