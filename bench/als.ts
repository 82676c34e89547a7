/**
 * Implicit ALS (`@decoy/models` kind `als`) seconds per iteration at dim 64 with 3 CG steps, on
 * data shaped like ml-latest-small (610 users × 9,724 items, ~80k interactions, heavy-tailed user
 * activity and item popularity), for the WebAssembly SIMD kernels and the TypeScript reference,
 * measured in alternating rounds as process CPU time per iteration (median over rounds) so that the
 * ratio holds on a busy machine; wall time per iteration on 2 worker threads against 1. Also: a
 * whole 30-iteration `fit` with the default kernel (implicit's
 * CPU ALS takes 1.7 s for it on ml-latest-small on one thread of the reference machine).
 *
 * Standalone: `npx tsx bench/als.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const USERS = 610
const ITEMS = 9724
const ROUNDS = 3

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Runs the ALS benchmark.
 * @returns rows: CPU seconds per iteration (wasm, TypeScript) and their ratio, the 2-worker speed-up, a 30-iteration fit's CPU and wall seconds.
 */
export async function benchAls(): Promise<BenchRow[]> {
  const core = await import('@decoy/core')
  const { prngFloat } = await import('@decoy/core/kernels')
  const { alternatingLeastSquares } = await import('@decoy/models')
  const st = core.createRng('bench-als').state
  // User activity: a 0.9-power tail from 31 to 2,000 (mean ≈ 130), item popularity ~ x^3 (a few items take most).
  const us: number[] = []
  const is: number[] = []
  const mark = new Int32Array(ITEMS).fill(-1)
  for (let u = 0; u < USERS; u++) {
    const n = Math.min(2000, Math.floor(31 / Math.pow(1 - prngFloat(st) * 0.995, 0.9)))
    for (let c = 0; c < n; c++) {
      let it = Math.floor(ITEMS * Math.pow(prngFloat(st), 3))
      while (mark[it] === u) it = Math.floor(ITEMS * Math.pow(prngFloat(st), 3))
      mark[it] = u
      us.push(u)
      is.push(it)
    }
  }
  const train = core.buildInteractions({ users: Int32Array.from(us), items: Int32Array.from(is) }, { numUsers: USERS, numItems: ITEMS })
  // Single-thread rows use process CPU time (user + system) per iteration, which a busy machine
  // inflates far less than wall time; the 2-worker row needs wall time (per-iteration epochs).
  const cpu = { wasm: [] as number[], js: [] as number[] }
  const wall = { wasm: [] as number[], two: [] as number[] }
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of ['wasm', 'js', 'two'] as const) {
      const m = alternatingLeastSquares({ dim: 64, reg: 30, alpha: 2, cgSteps: 3 })
      const kernel = run === 'js' ? 'js' : 'wasm'
      const iterations = kernel === 'wasm' ? 10 : 3
      const c0 = process.cpuUsage()
      const res = await m.fit(train, { kernel, seed: r, iterations, workers: run === 'two' ? 2 : 1 })
      const c = process.cpuUsage(c0)
      if (run !== 'two') cpu[run].push((c.user + c.system) / 1e6 / iterations)
      // The first iteration starts from near-zero factors (CG exits early on tiny residuals): skip it.
      if (run !== 'js') for (const e of res.epochs.slice(1)) wall[run].push(e.seconds)
    }
  }
  const wasm = median(cpu.wasm)
  const js = median(cpu.js)
  const full = alternatingLeastSquares({ dim: 64, reg: 30, alpha: 2, iterations: 30 })
  const c0 = process.cpuUsage()
  const fit = await full.fit(train, { seed: 'full' })
  const c = process.cpuUsage(c0)
  return [
    {
      name: `als iteration, dim 64, 3 CG steps, wasm kernel (${USERS}×${ITEMS}, ${train.items.length} interactions), CPU`,
      value: +wasm.toFixed(4),
      unit: 's/iteration',
    },
    { name: 'als iteration, TypeScript reference kernel, CPU', value: +js.toFixed(4), unit: 's/iteration' },
    { name: 'als TypeScript / wasm CPU time per iteration', value: +(js / wasm).toFixed(1), unit: '×' },
    {
      name: 'als 1 / 2 worker threads wall time per iteration (wasm)',
      value: +(median(wall.wasm) / median(wall.two)).toFixed(2),
      unit: '×',
    },
    { name: `als fit, 30 iterations, kernel ${fit.kernel}, CPU`, value: +((c.user + c.system) / 1e6).toFixed(3), unit: 's' },
    { name: `als fit, 30 iterations, kernel ${fit.kernel}, wall`, value: +fit.trainSeconds.toFixed(3), unit: 's' },
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
    })
    process.exit(child.status ?? 1)
  }
  console.table(await benchAls())
}
