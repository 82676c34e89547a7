/**
 * Negative-sampler throughput: draws per second for every registered sampler kind, with and
 * without exclusion of training positives.
 *
 * Shape (issue 3): 50k items, batches of 1024 (user, positive) pairs, k = 5 negatives per slot.
 * The training log has 10k users with 20–400 items each (≈ 1.6M interactions, Zipf-like item
 * popularity), so exclusion exercises both binary search and per-user bitsets. Model-aware
 * samplers score through a 64-dim random-factor dot-product scorer (a FactorView). Each figure is
 * the best of a few short timed runs (the machine is shared), after a warm-up.
 * Targets: popularity ≥ 30M draws/s without exclusion and ≥ 5M/s with; uniform at least as fast.
 * With `DECOY_DATA_DIR` set, the count-based samplers are also timed on ml-latest-small.
 *
 * Standalone: `npx tsx bench/samplers.ts` (re-runs itself with the `decoy-source` condition so the
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
const NUM_ITEMS = 50_000
const BATCH = 1024
const K = 5
const DIM = 64
const NUM_BATCHES = 32

/**
 * Measures draws/s per sampler kind at 50k items, batch 1024, k = 5, with and without exclusion.
 * @returns rows named `sampler <kind> [excl|no-excl]` in draws/s.
 */
export async function benchSamplers(): Promise<BenchRow[]> {
  // Imported lazily so that the standalone entry can re-exec with the source condition first.
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const { createSampler, recommendedPairing, samplerKinds } = await import('@decoy/samplers')
  const rng = core.createRng('bench-samplers')
  const st = rng.fork('data').state

  // Training log: Zipf-like item popularity (item = floor(n · u^3)), row lengths 20..400.
  const users: number[] = []
  const items: number[] = []
  for (let u = 0; u < NUM_USERS; u++) {
    const len = 20 + Math.floor(380 * Math.pow(core.prngFloat(st), 3))
    for (let c = 0; c < len; c++) {
      users.push(u)
      items.push(Math.floor(NUM_ITEMS * Math.pow(core.prngFloat(st), 3)))
    }
  }
  const train = core.buildInteractions(
    { users: Int32Array.from(users), items: Int32Array.from(items) },
    { numUsers: NUM_USERS, numItems: NUM_ITEMS },
  )
  const nnz = train.indptr[NUM_USERS]
  const owner = core.userOfInteraction(train)

  // Pre-built batches of uniformly drawn training pairs, cycled during timing.
  const batches = Array.from({ length: NUM_BATCHES }, () => {
    const b = core.createBatch(BATCH)
    for (let s = 0; s < BATCH; s++) {
      const p = core.prngBelow(st, nnz)
      b.users[s] = owner[p]
      b.positives[s] = train.items[p]
    }
    b.size = BATCH
    return b
  })
  const out = core.createNegativeBuffer(BATCH, K)

  // 64-dim random-factor model.
  const fst = rng.fork('factors').state
  const userFactors = new Float32Array(NUM_USERS * DIM)
  const itemFactors = new Float32Array(NUM_ITEMS * DIM)
  for (let i = 0; i < userFactors.length; i++) userFactors[i] = 0.1 * core.prngNormal(fst)
  for (let i = 0; i < itemFactors.length; i++) itemFactors[i] = 0.1 * core.prngNormal(fst)
  const scorer = {
    dim: DIM,
    userFactors,
    itemFactors,
    scoreItems(user: number, ids: Int32Array, count: number, dst: Float32Array): void {
      const uo = user * DIM
      for (let c = 0; c < count; c++) {
        const io = ids[c] * DIM
        let s = 0
        for (let f = 0; f < DIM; f++) s += userFactors[uo + f] * itemFactors[io + f]
        dst[c] = s
      }
    },
  }

  const rows: BenchRow[] = []
  // Every kind at its defaults, plus variants whose cost differs (AOBPR; streaming in-batch logQ),
  // and the model-aware kinds as their recommended pairings configure them (`recommendedPairing`).
  const configs: { kind: string; [option: string]: unknown }[] = [
    ...samplerKinds.map((kind) => ({ kind })),
    { kind: 'adaptive', variant: 'aobpr' },
    { kind: 'in-batch', frequency: 'streaming' },
    ...['hard', 'dynamic', 'adaptive'].map((kind) => ({ kind, ...recommendedPairing(kind)?.sampler, pairing: true })),
  ]
  for (const base of configs) {
    const kind = base.pairing
      ? `${base.kind} (recommended pairing)`
      : Object.entries(base)
          .map(([key, v]) => (key === 'kind' ? String(v) : `${key}=${String(v)}`))
          .join(' ')
    for (const exclude of [false, true]) {
      const { pairing: _pairing, ...config } = base
      const s = createSampler({ ...config, excludePositives: exclude })
      const needsScorer = s.requires.scorer || s.requires.factors === true
      s.prepare({ train, rng: rng.fork(`${kind}/${exclude}`), scorer: needsScorer ? scorer : null })
      // Warm-up (JIT), then the best of three ~0.25 s runs.
      const budget = 250
      let i = 0
      for (const t0 = performance.now(); performance.now() - t0 < 100; i++) s.sample(batches[i % NUM_BATCHES], out)
      let best = 0
      for (let rep = 0; rep < 3; rep++) {
        let calls = 0
        const t0 = performance.now()
        let t1 = t0
        while (t1 - t0 < budget) {
          s.sample(batches[(i + calls) % NUM_BATCHES], out)
          calls++
          t1 = performance.now()
        }
        i += calls
        best = Math.max(best, (calls * BATCH * K) / ((t1 - t0) / 1000))
      }
      rows.push({ name: `sampler ${kind} ${exclude ? 'excl' : 'no-excl'}`, value: Math.round(best), unit: 'draws/s' })
    }
  }
  rows.push(...(await benchMovieLens()))
  return rows
}

/**
 * The count-based samplers on ml-latest-small (610 users, 9.7k items, 100k ratings as implicit
 * positives), where every exclusion structure fits in cache: realistic figures for MovieLens-sized
 * data. Skipped (no rows) unless `DECOY_DATA_DIR` holds `ml-latest-small/ratings.csv`.
 */
async function benchMovieLens(): Promise<BenchRow[]> {
  const dir = process.env.DECOY_DATA_DIR
  if (!dir) return []
  const { existsSync } = await import('node:fs')
  const { join } = await import('node:path')
  const file = join(dir, 'ml-latest-small', 'ratings.csv')
  if (!existsSync(file)) return []
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const { readInteractionsFile } = await import('@decoy/core/node')
  const { createSampler } = await import('@decoy/samplers')
  const train = readInteractionsFile(file)
  const nnz = train.indptr[train.numUsers]
  const owner = core.userOfInteraction(train)
  const rng = core.createRng('bench-samplers/ml')
  const st = rng.fork('batches').state
  const batch = core.createBatch(BATCH)
  for (let s = 0; s < BATCH; s++) {
    const p = core.prngBelow(st, nnz)
    batch.users[s] = owner[p]
    batch.positives[s] = train.items[p]
  }
  batch.size = BATCH
  const out = core.createNegativeBuffer(BATCH, K)
  const rows: BenchRow[] = []
  for (const kind of ['uniform', 'random', 'popularity']) {
    for (const exclude of [false, true]) {
      const s = createSampler({ kind, excludePositives: exclude })
      s.prepare({ train, rng: rng.fork(kind), scorer: null })
      for (const t0 = performance.now(); performance.now() - t0 < 100; ) s.sample(batch, out)
      let best = 0
      for (let rep = 0; rep < 3; rep++) {
        let calls = 0
        const t0 = performance.now()
        let t1 = t0
        while (t1 - t0 < 250) {
          s.sample(batch, out)
          calls++
          t1 = performance.now()
        }
        best = Math.max(best, (calls * BATCH * K) / ((t1 - t0) / 1000))
      }
      rows.push({ name: `sampler ${kind} ${exclude ? 'excl' : 'no-excl'} (ml-latest-small)`, value: Math.round(best), unit: 'draws/s' })
    }
  }
  return rows
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    // Plain `npx tsx bench/samplers.ts`: rerun with the source condition (tsx's loader flags are in execArgv).
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  const rows = await benchSamplers()
  console.table(rows)
  console.log(JSON.stringify(rows))
}
