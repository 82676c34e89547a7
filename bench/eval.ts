/**
 * Full-ranking evaluation throughput next to the cost of the scores alone.
 *
 * Shape: a dot-product model with 10k users × 10k items and 64-dim random factors (scoreAll is
 * `gemv` from @decoy/core); each user has 20 training and 5 test items. Both timings run over the
 * same users; "scores alone" is the bare `gemv` loop, "evaluate" is the whole protocol (score,
 * mask, partial top-K at K = 50, metrics at K = 10, 20, 50, coverage, popularity). Target: evaluate
 * ≤ 1.5× scores alone. Only a slice of the 10k users is timed (the machine is shared); users/s
 * extrapolates linearly because every user costs the same. Times are process CPU time
 * (`process.cpuUsage`), medians of 7 interleaved runs (the ratio is the median of per-run ratios),
 * so other jobs on the machine distort them less.
 *
 * Standalone: `npx tsx bench/eval.ts` (re-runs itself with the `decoy-source` condition so the
 * packages resolve to their sources without a build).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const NUM_USERS = 10_000
const NUM_ITEMS = 10_000
const DIM = 64
const TRAIN_PER_USER = 20
const TEST_PER_USER = 5
const TIMED_USERS = 300
const REPEATS = 7

/**
 * Measures evaluation users/s against scoring users/s on a 10k × 10k, 64-dim random model.
 * @returns rows: scores-only users/s, evaluate users/s, their cost ratio, sampled evaluate users/s.
 */
export async function benchEval(): Promise<BenchRow[]> {
  // Imported lazily so that the standalone entry can re-exec with the source condition first.
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const { evaluate } = await import('@decoy/eval')
  const rng = core.createRng('bench-eval')
  const state = rng.state

  const userFactors = new Float32Array(NUM_USERS * DIM)
  const itemFactors = new Float32Array(NUM_ITEMS * DIM)
  for (let i = 0; i < userFactors.length; i++) userFactors[i] = core.prngNormal(state) * 0.1
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = core.prngNormal(state) * 0.1

  // Distinct random items per user: the first TRAIN_PER_USER go to train, the next to test.
  const perUser = TRAIN_PER_USER + TEST_PER_USER
  const trU = new Int32Array(NUM_USERS * TRAIN_PER_USER)
  const trI = new Int32Array(NUM_USERS * TRAIN_PER_USER)
  const teU = new Int32Array(NUM_USERS * TEST_PER_USER)
  const teI = new Int32Array(NUM_USERS * TEST_PER_USER)
  const picked = new Int32Array(NUM_ITEMS).fill(-1)
  for (let u = 0, a = 0, b = 0; u < NUM_USERS; u++) {
    for (let c = 0; c < perUser; c++) {
      let it = core.prngBelow(state, NUM_ITEMS)
      while (picked[it] === u) it = core.prngBelow(state, NUM_ITEMS)
      picked[it] = u
      if (c < TRAIN_PER_USER) {
        trU[a] = u
        trI[a++] = it
      } else {
        teU[b] = u
        teI[b++] = it
      }
    }
  }
  const ids = { numUsers: NUM_USERS, numItems: NUM_ITEMS }
  const train = core.buildInteractions({ users: trU, items: trI }, ids)
  const test = core.buildInteractions({ users: teU, items: teI }, ids)

  const model = {
    numItems: NUM_ITEMS,
    scoreAll(user: number, out: Float32Array): void {
      core.gemv(itemFactors, NUM_ITEMS, DIM, userFactors, user * DIM, out)
    },
  }
  const users = new Int32Array(TIMED_USERS)
  for (let i = 0; i < TIMED_USERS; i++) users[i] = i * (NUM_USERS / TIMED_USERS)

  const scores = new Float32Array(NUM_ITEMS)
  const scoreOnly = (): void => {
    for (let i = 0; i < users.length; i++) model.scoreAll(users[i], scores)
  }
  const evalOnly = (): void => {
    evaluate(model, train, test, { k: [10, 20, 50], users })
  }
  // Interleave short runs of the two so that contention from other processes hits both alike, and
  // take medians: on a shared 2-core machine single runs swing by ±50%.
  scoreOnly()
  evalOnly()
  const scoreMs: number[] = []
  const evalMs: number[] = []
  const ratios: number[] = []
  for (let r = 0; r < REPEATS; r++) {
    const a = time(scoreOnly)
    const b = time(evalOnly)
    scoreMs.push(a)
    evalMs.push(b)
    ratios.push(b / a)
  }
  const sampledUsers = users.subarray(0, TIMED_USERS / 2)
  const quietWarn = console.warn
  console.warn = () => {}
  let sampledMs: number
  try {
    sampledMs = time(() => evaluate(model, train, test, { k: [10], users: sampledUsers, sampled: { negatives: 100, seed: 1 } }))
  } finally {
    console.warn = quietWarn
  }

  const scoreRate = (TIMED_USERS / median(scoreMs)) * 1000
  const evalRate = (TIMED_USERS / median(evalMs)) * 1000
  return [
    { name: 'eval: scores alone (gemv, 10k items × 64)', value: round(scoreRate), unit: 'users/s' },
    { name: 'eval: full-ranking evaluate (K = 10, 20, 50)', value: round(evalRate), unit: 'users/s' },
    { name: 'eval: evaluate / scores cost ratio (target ≤ 1.5)', value: round(median(ratios), 3), unit: '×' },
    { name: 'eval: sampled evaluate (100 negatives)', value: round((sampledUsers.length / sampledMs) * 1000), unit: 'users/s' },
  ]
}

/** Milliseconds of this process's CPU time spent in f: on a shared machine, wall time mostly measures the neighbours. */
function time(f: () => void): number {
  const t0 = process.cpuUsage()
  f()
  const d = process.cpuUsage(t0)
  return (d.user + d.system) / 1000
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

function round(x: number, digits = 0): number {
  const p = 10 ** digits
  return Math.round(x * p) / p
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    // Plain `npx tsx bench/eval.ts`: rerun with the source condition (tsx's loader flags are in execArgv).
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  const rows = await benchEval()
  console.table(rows)
  console.log(JSON.stringify(rows))
}
