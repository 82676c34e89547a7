/**
 * Implicit ALS (`@decoy/models` kind `als`) seconds per iteration at dim 64 with 3 CG steps, on
 * data shaped like ml-latest-small (610 users × 9,724 items, ~80k interactions, heavy-tailed user
 * activity and item popularity), for the WebAssembly SIMD kernels and the TypeScript reference,
 * measured in alternating rounds (median of the per-iteration times of each) so that the ratio
 * holds on a busy machine; the same with 2 worker threads. Also: a whole 30-iteration `fit` with the default kernel (implicit's
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
 * @returns rows: seconds per iteration (wasm, TypeScript, wasm on 2 workers), their ratios, seconds of a 30-iteration fit.
 */
export async function benchAls(): Promise<BenchRow[]> {
  const core = await import('@decoy/core')
  const { prngFloat } = await import('@decoy/core/kernels')
  const { alternatingLeastSquares } = await import('@decoy/models')
  const st = core.createRng('bench-als').state
  // User activity: a 0.9-power tail from 35 to 2,000 (mean ≈ 130), item popularity ~ x^3 (a few items take most).
  const us: number[] = []
  const is: number[] = []
  const mark = new Int32Array(ITEMS).fill(-1)
  for (let u = 0; u < USERS; u++) {
    const n = Math.min(2000, Math.floor(35 / Math.pow(1 - prngFloat(st) * 0.995, 0.9)))
    for (let c = 0; c < n; c++) {
      let it = Math.floor(ITEMS * Math.pow(prngFloat(st), 3))
      while (mark[it] === u) it = Math.floor(ITEMS * Math.pow(prngFloat(st), 3))
      mark[it] = u
      us.push(u)
      is.push(it)
    }
  }
  const train = core.buildInteractions({ users: Int32Array.from(us), items: Int32Array.from(is) }, { numUsers: USERS, numItems: ITEMS })
  const perIter = { wasm: [] as number[], js: [] as number[], two: [] as number[] }
  for (let r = 0; r < ROUNDS; r++) {
    for (const run of ['wasm', 'js', 'two'] as const) {
      const m = alternatingLeastSquares({ dim: 64, reg: 30, alpha: 2, cgSteps: 3 })
      const kernel = run === 'js' ? 'js' : 'wasm'
      const res = await m.fit(train, { kernel, seed: r, iterations: kernel === 'wasm' ? 10 : 2, workers: run === 'two' ? 2 : 1 })
      // The first iteration starts from near-zero factors (CG exits early on tiny residuals): skip it.
      for (const e of res.epochs.slice(1)) perIter[run].push(e.seconds)
    }
  }
  const wasm = median(perIter.wasm)
  const js = median(perIter.js)
  const two = median(perIter.two)
  const full = alternatingLeastSquares({ dim: 64, reg: 30, alpha: 2, iterations: 30 })
  const fit = await full.fit(train, { seed: 'full' })
  return [
    { name: `als iteration, dim 64, 3 CG steps, wasm kernel (${USERS}×${ITEMS}, ${train.items.length} interactions)`, value: +wasm.toFixed(4), unit: 's/iteration' },
    { name: 'als iteration, TypeScript reference kernel', value: +js.toFixed(4), unit: 's/iteration' },
    { name: 'als TypeScript / wasm time per iteration', value: +(js / wasm).toFixed(1), unit: '×' },
    { name: 'als iteration, wasm kernel, 2 worker threads', value: +two.toFixed(4), unit: 's/iteration' },
    { name: 'als speed-up of 2 worker threads over 1', value: +(wasm / two).toFixed(2), unit: '×' },
    { name: `als fit, 30 iterations, kernel ${fit.kernel}`, value: +fit.trainSeconds.toFixed(3), unit: 's' },
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url)], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  console.table(await benchAls())
}
