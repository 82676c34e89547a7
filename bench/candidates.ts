/**
 * Batched candidate scoring (issue 13): the scores per second the model-aware samplers get from
 * MF's batched scorer (`scoreBatch`, the WebAssembly `scorePairs` over the training memory), next
 * to the scores per second of the training kernel itself (softmax + Adagrad, k = 32: each slot
 * scores 33 items and updates them) and to the per-pair TypeScript path (`scoreItems`, one call
 * per slot). Target: batched scoring ≥ 0.7 of the training kernel's scores per second.
 *
 * Shape: 5,000 users × 10,000 items, dim 64; candidates laid out as the hard sampler does (runs
 * of 64 per slot, 256 slots = 16,384 pairs per call). Timings are process CPU time, the three
 * paths alternating, best of 3 after a warm-up, so the ratios are taken under the same load.
 *
 * The same for FM (`benchFmCandidates`, same shape): its WebAssembly stepper's `scoreBatch` (the
 * module's `scorePairs`, user side once per run) against its training kernel and against the
 * TypeScript path (`createFmScorer(...).scoreBatch`, float64 sums, what the `js` backend runs),
 * with id features only (as `decoy train --model fm` by default) and with 4 more item features
 * and 2 more user features per row (pools of 500 and 50).
 *
 * Standalone: `npx tsx bench/candidates.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const USERS = 5000
const ITEMS = 10_000
const DIM = 64
const K = 32
const BATCH = 256
const CANDIDATES = 64
const BATCHES = 200

/**
 * Runs the candidate-scoring benchmark.
 * @returns scores/s of the training kernel, the batched scorer and the per-pair scorer, and the ratios.
 */
export async function benchCandidates(): Promise<BenchRow[]> {
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const models = await import('@decoy/models/kernels')
  const st = core.createRng('bench-candidates').state
  const layout = models.createDotWasmLayout({
    dim: DIM,
    k: K,
    batchSize: BATCH,
    rows: USERS,
    numItems: ITEMS,
    bias: true,
    adagrad: true,
    threads: 1,
    shared: false,
  })
  if (!layout) throw new Error('bench candidates: no WebAssembly layout')
  const arrays = models.dotWasmArrays(layout)
  for (const a of [arrays.left, arrays.right]) for (let i = 0; i < a.length; i++) a[i] = 0.1 * core.prngNormal(st)
  const loss = models.resolveLoss('softmax', {}, K, ITEMS)
  const train = core.buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0) }, { numUsers: USERS, numItems: ITEMS })
  const spec = {
    dim: DIM,
    numItems: ITEMS,
    loss: loss.code,
    hp: Array.from(loss.hp),
    optimizer: models.OPT_ADAGRAD,
    normalize: 0,
    l2: 0.05,
    l2Bias: 0.05,
    wasm: layout,
  }
  const stepper = models.createDotStepper(arrays, spec, train, K)
  const scorer = stepper.scorer()

  // Pre-drawn batches: slot users and positives, k negatives, and 64 candidates per slot.
  const batches = drawBatches(core, st, 8)
  const out = new Float32Array(BATCH * CANDIDATES)
  const train1 = (): number =>
    cpu(() => {
      for (let r = 0; r < BATCHES; r++) {
        const x = batches[r % batches.length]
        stepper.step(x.b, x.negs, 0, BATCH, 0.01)
      }
    })
  const batched = (): number =>
    cpu(() => {
      for (let r = 0; r < BATCHES; r++) {
        const x = batches[r % batches.length]
        scorer.scoreBatch!(x.pu, x.pi, BATCH * CANDIDATES, out)
      }
    })
  const perPair = (): number =>
    cpu(() => {
      for (let r = 0; r < BATCHES; r++) {
        const x = batches[r % batches.length]
        for (let s = 0; s < BATCH; s++)
          scorer.scoreItems(x.b.users[s], x.pi.subarray(s * CANDIDATES, (s + 1) * CANDIDATES), CANDIDATES, out)
      }
    })
  const [tTrain, tBatch, tPair] = bestOfThree([train1, batched, perPair])
  const trainRate = (BATCHES * BATCH * (K + 1)) / tTrain
  const batchRate = (BATCHES * BATCH * CANDIDATES) / tBatch
  const pairRate = (BATCHES * BATCH * CANDIDATES) / tPair
  const r3 = (x: number): number => Math.round(x * 1000) / 1000
  return [
    {
      name: 'candidates: training kernel (wasm softmax+Adagrad k=32, dim 64), scores incl. updates',
      value: Math.round(trainRate),
      unit: 'scores/s',
    },
    { name: 'candidates: batched scoring (scoreBatch, wasm scorePairs), dim 64', value: Math.round(batchRate), unit: 'scores/s' },
    { name: 'candidates: per-pair scoring (scoreItems, TypeScript), dim 64', value: Math.round(pairRate), unit: 'scores/s' },
    { name: 'candidates: batched / training kernel (target ≥ 0.7)', value: r3(batchRate / trainRate), unit: '×' },
    { name: 'candidates: batched / per-pair', value: r3(batchRate / pairRate), unit: '×' },
    ...(await benchFmCandidates(false)),
    ...(await benchFmCandidates(true)),
  ]
}

/**
 * FM's candidate scoring: the WebAssembly training kernel (softmax + Adagrad, k = 32), the batched
 * WebAssembly scorer and the TypeScript batched scorer, with id features only or with side
 * features (`meta`: user id + 2 of a pool of 50, item id + 4 of a pool of 500, values ≠ 1).
 * @returns scores/s of the three paths and the ratios.
 */
export async function benchFmCandidates(meta: boolean): Promise<BenchRow[]> {
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const models = await import('@decoy/models/kernels')
  const st = core.createRng(`bench-fm-candidates-${meta}`).state
  const UPOOL = 50
  const IPOOL = 500
  const numFeatures = USERS + ITEMS + (meta ? UPOOL + IPOOL : 0)
  const side = (n: number, idBase: number, extra: number, poolBase: number, pool: number) => {
    const ptr = new Int32Array(n + 1)
    const feat = new Int32Array(n * (1 + extra))
    const val = new Float32Array(n * (1 + extra))
    for (let r = 0; r < n; r++) {
      const p = r * (1 + extra)
      feat[p] = idBase + r
      val[p] = 1
      for (let j = 1; j <= extra; j++) {
        feat[p + j] = poolBase + core.prngBelow(st, pool)
        val[p + j] = 0.5
      }
      ptr[r + 1] = p + 1 + extra
    }
    return { ptr, feat, val }
  }
  const u = side(USERS, 0, meta ? 2 : 0, USERS + ITEMS, UPOOL)
  const it = side(ITEMS, USERS, meta ? 4 : 0, USERS + ITEMS + UPOOL, IPOOL)
  const rows = { uPtr: u.ptr, uFeat: u.feat, uVal: u.val, iPtr: it.ptr, iFeat: it.feat, iVal: it.val }
  const layout = models.createFmWasmLayout({
    dim: DIM,
    k: K,
    batchSize: BATCH,
    numFeatures,
    adagrad: true,
    ...rows,
    threads: 1,
    shared: false,
  })
  if (!layout) throw new Error('bench candidates: no FM WebAssembly layout')
  const arrays = models.fmWasmArrays(layout)
  for (let i = 0; i < arrays.w.length; i++) arrays.w[i] = 0.01 * core.prngNormal(st)
  for (let i = 0; i < arrays.V.length; i++) arrays.V[i] = 0.1 * core.prngNormal(st)
  const loss = models.resolveLoss('softmax', {}, K, ITEMS)
  const train = core.buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0) }, { numUsers: USERS, numItems: ITEMS })
  const spec = {
    dim: DIM,
    numItems: ITEMS,
    loss: loss.code,
    hp: Array.from(loss.hp),
    optimizer: models.OPT_ADAGRAD,
    l2: 0.05,
    l2Bias: 0.05,
    ...rows,
    wasm: layout,
  }
  const stepper = models.createFmStepper(arrays, spec, train, K)
  const scorer = stepper.scorer()
  const tsScorer = models.createFmScorer(arrays.w0, arrays.w, arrays.V, DIM, u.ptr, u.feat, u.val, it.ptr, it.feat, it.val)
  const batches = drawBatches(core, st, 4)
  const out = new Float32Array(BATCH * CANDIDATES)
  const rounds = meta ? 20 : 40
  const train1 = (): number =>
    cpu(() => {
      for (let r = 0; r < rounds; r++) {
        const x = batches[r % batches.length]
        stepper.step(x.b, x.negs, 0, BATCH, 0.001)
      }
    })
  const scoreWith = (s: typeof scorer) => (): number =>
    cpu(() => {
      for (let r = 0; r < rounds; r++) {
        const x = batches[r % batches.length]
        s.scoreBatch!(x.pu, x.pi, BATCH * CANDIDATES, out)
      }
    })
  const batched = scoreWith(scorer)
  const ts = scoreWith(tsScorer)
  const [tTrain, tBatch, tTs] = bestOfThree([train1, batched, ts])
  const trainRate = (rounds * BATCH * (K + 1)) / tTrain
  const batchRate = (rounds * BATCH * CANDIDATES) / tBatch
  const tsRate = (rounds * BATCH * CANDIDATES) / tTs
  const r3 = (x: number): number => Math.round(x * 1000) / 1000
  const what = meta ? 'FM ids + side features (user 3, item 5 active)' : 'FM ids only'
  return [
    {
      name: `candidates: ${what}: training kernel (wasm softmax+Adagrad k=32), scores incl. updates`,
      value: Math.round(trainRate),
      unit: 'scores/s',
    },
    { name: `candidates: ${what}: batched scoring (scoreBatch, wasm scorePairs)`, value: Math.round(batchRate), unit: 'scores/s' },
    { name: `candidates: ${what}: batched scoring, TypeScript (createFmScorer scoreBatch)`, value: Math.round(tsRate), unit: 'scores/s' },
    { name: `candidates: ${what}: batched / training kernel (target ≥ 0.7)`, value: r3(batchRate / trainRate), unit: '×' },
    { name: `candidates: ${what}: wasm / TypeScript batched`, value: r3(batchRate / tsRate), unit: '×' },
  ]
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', '--import', 'tsx', fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
    })
    process.exit(child.status ?? 1)
  }
  console.table(await benchCandidates())
}

/** After one warm-up call each, the least CPU seconds of each timed case over three interleaved rounds. */
function bestOfThree(cases: (() => number)[]): number[] {
  for (const f of cases) f()
  const best = cases.map(() => Number.POSITIVE_INFINITY)
  for (let r = 0; r < 3; r++) cases.forEach((f, i) => (best[i] = Math.min(best[i], f())))
  return best
}

/** CPU seconds (user + system) of `f` in this process. */
function cpu(f: () => void): number {
  const t0 = process.cpuUsage()
  f()
  const d = process.cpuUsage(t0)
  return (d.user + d.system) / 1e6
}

/**
 * `count` pre-drawn batches of BATCH slots: random users and positives, K uniform negatives each,
 * and CANDIDATES candidate pairs per slot (the slot's user with random items) for the scorers.
 */
function drawBatches(core: typeof import('@decoy/core') & typeof import('@decoy/core/kernels'), st: Uint32Array, count: number) {
  return Array.from({ length: count }, () => {
    const b = core.createBatch(BATCH)
    b.size = BATCH
    const negs = core.createNegativeBuffer(BATCH, K)
    const pu = new Int32Array(BATCH * CANDIDATES)
    const pi = new Int32Array(BATCH * CANDIDATES)
    for (let s = 0; s < BATCH; s++) {
      b.users[s] = core.prngBelow(st, USERS)
      b.positives[s] = core.prngBelow(st, ITEMS)
      for (let d = 0; d < K; d++) {
        negs.items[s * K + d] = core.prngBelow(st, ITEMS)
        negs.logQ[s * K + d] = -Math.log(ITEMS)
      }
      for (let c = 0; c < CANDIDATES; c++) {
        pu[s * CANDIDATES + c] = b.users[s]
        pi[s * CANDIDATES + c] = core.prngBelow(st, ITEMS)
      }
    }
    return { b, negs, pu, pi }
  })
}
