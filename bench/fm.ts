/**
 * FM training throughput next to MF's on the same data: BPR pair updates per second at dim 64,
 * one thread, with 5 and 20 active features per example (user side + item side, ids included),
 * for the TypeScript kernel `fmStepRange` and its WebAssembly SIMD twin (`FmWasmKernel`), then
 * `fit` (uniform sampler, BPR, SGD, 1 worker) for MF and a 5-feature FM with either kernel.
 *
 * Shape: 20k users × 10k items, 10 distinct uniform items per user (200k positives). The kernel
 * rows walk the same shuffled pair list with the same inline uniform negatives (rejection of the
 * user's positives), in batches of 256: MF runs `bprSgdRange` (the path `fit` takes for BPR + SGD
 * with one negative, TypeScript kernel), FM runs `fmStepRange` or `FmWasmKernel.step` (parameters
 * in the module's memory, from the same initial values). With n active features the user row holds ⌊n/2⌋
 * (its id and random user features from a pool of 200) and the item row ⌈n/2⌉ (its id and random
 * item features from a pool of 1000). Kernel timings are process CPU time, best of 2 runs after
 * a warm-up.
 *
 * Standalone: `npx tsx bench/fm.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const NUM_USERS = 20_000
const NUM_ITEMS = 10_000
const PER_USER = 10
const DIM = 64
const BATCH = 256
const LR = 0.05
const L2 = 0.001

/**
 * Runs the FM benchmark.
 * @returns rows: MF kernel updates/s, FM kernel updates/s (TypeScript and WebAssembly) at 5 and 20
 * active features, their ratios to MF and wasm / TS, `fit` updates/s for MF and a 5-feature FM
 * (kernel js and wasm).
 */
export async function benchFm(): Promise<BenchRow[]> {
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const models = { ...(await import('@decoy/models')), ...(await import('@decoy/models/kernels')) }
  const { uniformSampler } = await import('@decoy/samplers')
  // FM's WebAssembly twin is public in @decoy/models/kernels, as MF's and item2vec's are.
  const fmWasm = models
  const st = core.createRng('bench-fm').state

  const nnz = NUM_USERS * PER_USER
  const users = new Int32Array(nnz)
  const items = new Int32Array(nnz)
  const mark = new Int32Array(NUM_ITEMS).fill(-1)
  const row = new Int32Array(PER_USER)
  for (let u = 0, o = 0; u < NUM_USERS; u++) {
    for (let c = 0; c < PER_USER; c++) {
      let it = core.prngBelow(st, NUM_ITEMS)
      while (mark[it] === u) it = core.prngBelow(st, NUM_ITEMS)
      mark[it] = u
      row[c] = it
    }
    row.sort()
    for (let c = 0; c < PER_USER; c++, o++) {
      users[o] = u
      items[o] = row[c]
    }
  }
  const train = core.buildInteractions({ users, items }, { numUsers: NUM_USERS, numItems: NUM_ITEMS })
  const pairUser = core.userOfInteraction(train)
  const order = new Int32Array(nnz)
  for (let e = 0; e < nnz; e++) order[e] = e
  core.shuffleInPlace(order, nnz, st)
  const drawState = core.createRng('bench-fm').fork('negatives').state

  /** Runs `step(bu, bp, bn, n)` over the shuffled pairs with inline uniform negatives; CPU seconds. */
  const loop = (step: (bu: Int32Array, bp: Int32Array, bn: Int32Array, n: number) => void, k = 1): number => {
    const s = drawState.slice()
    const bu = new Int32Array(BATCH)
    const bp = new Int32Array(BATCH)
    const bn = new Int32Array(BATCH * k)
    const indptr = train.indptr
    const titems = train.items
    const t0 = process.cpuUsage()
    for (let p = 0; p < nnz; p += BATCH) {
      const n = Math.min(BATCH, nnz - p)
      for (let q = 0; q < n; q++) {
        const e = order[p + q]
        const u = pairUser[e]
        bu[q] = u
        bp[q] = titems[e]
        for (let c = 0; c < k; c++) {
          let j = core.prngBelow(s, NUM_ITEMS)
          while (core.containsSorted(titems, indptr[u], indptr[u + 1], j)) j = core.prngBelow(s, NUM_ITEMS)
          bn[q * k + c] = j
        }
      }
      step(bu, bp, bn, n)
    }
    const d = process.cpuUsage(t0)
    return (d.user + d.system) / 1e6
  }
  const best = (run: () => number): number => {
    run() // warm-up (JIT)
    return Math.min(run(), run())
  }

  // MF: factors and biases, the fused BPR kernel.
  const P0 = new Float32Array(NUM_USERS * DIM)
  const Q0 = new Float32Array(NUM_ITEMS * DIM)
  for (let i = 0; i < P0.length; i++) P0[i] = 0.1 * core.prngNormal(st)
  for (let i = 0; i < Q0.length; i++) Q0[i] = 0.1 * core.prngNormal(st)
  const mfSeconds = best(() => {
    const P = P0.slice()
    const Q = Q0.slice()
    const bias = new Float32Array(NUM_ITEMS)
    return loop((bu, bp, bn, n) => {
      models.bprSgdRange(P, Q, bias, DIM, bu, bp, bn, 0, n, LR, L2, L2)
    })
  })
  const mfRate = nnz / mfSeconds
  const rows: BenchRow[] = [{ name: 'fm: MF BPR kernel (same data), dim 64, 1 thread', value: Math.round(mfRate), unit: 'updates/s' }]

  const USER_POOL = 200
  const ITEM_POOL = 1000
  /** FM kernel updates/s (positives per CPU second) with `active` features per example; BPR + SGD with 1 negative unless `adagradSoftmaxK` (softmax + Adagrad, that many negatives, uniform logQ). */
  const fmRate = (active: number, kernel: 'js' | 'wasm', adagradSoftmaxK = 0): number => {
    const K = adagradSoftmaxK > 0 ? adagradSoftmaxK : 1
    const ada = adagradSoftmaxK > 0
    const optimizer = ada ? models.OPT_ADAGRAD : models.OPT_SGD
    const perUser = Math.floor(active / 2)
    const perItem = active - perUser
    // Features: user ids, user pool, item ids, item pool.
    const F = NUM_USERS + USER_POOL + NUM_ITEMS + ITEM_POOL
    const rowsOf = (n: number, per: number, idBase: number, poolBase: number, pool: number) => {
      const indptr = new Int32Array(n + 1)
      const feats = new Int32Array(n * per)
      for (let r = 0, o = 0; r < n; r++) {
        feats[o++] = idBase + r
        const seen = new Set<number>()
        for (let c = 1; c < per; c++) {
          let f = core.prngBelow(st, pool)
          while (seen.has(f)) f = core.prngBelow(st, pool)
          seen.add(f)
          feats[o++] = poolBase + f
        }
        indptr[r + 1] = o
      }
      return { indptr, feats, vals: new Float32Array(n * per).fill(1 / Math.sqrt(per)) }
    }
    const ur = rowsOf(NUM_USERS, perUser, 0, NUM_USERS, USER_POOL)
    const ir = rowsOf(NUM_ITEMS, perItem, NUM_USERS + USER_POOL, NUM_USERS + USER_POOL + NUM_ITEMS, ITEM_POOL)
    const V0 = new Float32Array(F * DIM)
    for (let i = 0; i < V0.length; i++) V0[i] = 0.1 * core.prngNormal(st)
    const { code, hp } = models.resolveLoss(ada ? 'softmax' : 'bpr', {}, K, NUM_ITEMS)
    const logQ = new Float32Array(BATCH * K).fill(-Math.log(NUM_ITEMS))
    if (kernel === 'wasm') {
      const layout = fmWasm.createFmWasmLayout({
        dim: DIM,
        k: K,
        batchSize: BATCH,
        numFeatures: F,
        adagrad: ada,
        uPtr: ur.indptr,
        uFeat: ur.feats,
        uVal: ur.vals,
        iPtr: ir.indptr,
        iFeat: ir.feats,
        iVal: ir.vals,
        threads: 1,
        shared: false,
      })
      if (!layout) throw new Error('bench/fm: no WebAssembly layout')
      const arrays = fmWasm.fmWasmArrays(layout)
      const kernelW = new fmWasm.FmWasmKernel(layout, 0, { loss: code, hp, optimizer, l2: L2, l2Bias: L2 })
      const seconds = best(() => {
        arrays.w0[0] = 0
        arrays.w.fill(0)
        arrays.V.set(V0)
        if (ada) for (const a of [arrays.w0Acc, arrays.wAcc, arrays.VAcc]) a.fill(0)
        return loop((bu, bp, bn, n) => {
          kernelW.step(bu, bp, bn, logQ, K, 0, n, LR)
        }, K)
      })
      return nnz / seconds
    }
    const seconds = best(() => {
      const views: import('@decoy/models/kernels').FmViews = {
        dim: DIM,
        numItems: NUM_ITEMS,
        w0: new Float32Array(1),
        w: new Float32Array(F),
        V: V0.slice(),
        w0Acc: new Float32Array(ada ? 1 : 0),
        wAcc: new Float32Array(ada ? F : 0),
        VAcc: new Float32Array(ada ? F * DIM : 0),
        optimizer,
        loss: code,
        hp,
        l2: L2,
        l2Bias: L2,
        indptr: train.indptr,
        uPtr: ur.indptr,
        uFeat: ur.feats,
        uVal: ur.vals,
        iPtr: ir.indptr,
        iFeat: ir.feats,
        iVal: ir.vals,
        // No live user-sum view to keep (no model-aware sampler here).
        userFactors: new Float32Array(0),
        ...models.allocFmScratch(K, DIM),
      }
      const trials = new Int32Array(BATCH).fill(1)
      return loop((bu, bp, bn, n) => {
        models.fmStepRange(views, bu, bp, bn, logQ, trials, K, 0, n, LR)
      }, K)
    })
    return nnz / seconds
  }
  const ratio = (x: number): number => Math.round(x * 1000) / 1000
  for (const active of [5, 20]) {
    const rate = fmRate(active, 'js')
    const wasm = fmRate(active, 'wasm')
    rows.push({ name: `fm: FM BPR kernel, ${active} active features, dim 64, 1 thread`, value: Math.round(rate), unit: 'updates/s' })
    rows.push({ name: `fm: FM ${active} features / MF`, value: ratio(rate / mfRate), unit: '×' })
    rows.push({ name: `fm: FM BPR wasm kernel, ${active} active features, dim 64, 1 thread`, value: Math.round(wasm), unit: 'updates/s' })
    rows.push({ name: `fm: FM ${active} features wasm / TS`, value: ratio(wasm / rate), unit: '×' })
  }
  // FM's default training (MF's defaults): sampled softmax + Adagrad, here with 8 negatives.
  for (const active of [5, 20]) {
    const rate = fmRate(active, 'js', 8)
    const wasm = fmRate(active, 'wasm', 8)
    rows.push({ name: `fm: FM softmax+Adagrad k=8 TS kernel, ${active} active features`, value: Math.round(rate), unit: 'positives/s' })
    rows.push({ name: `fm: FM softmax+Adagrad k=8 wasm kernel, ${active} active features`, value: Math.round(wasm), unit: 'positives/s' })
    rows.push({ name: `fm: FM softmax+Adagrad k=8 ${active} features wasm / TS`, value: ratio(wasm / rate), unit: '×' })
  }

  // fit(): the whole loop with the uniform sampler, 1 worker, best epoch of 2.
  const fitRate = async (
    make: () => { fit(t: typeof train, o: Record<string, unknown>): Promise<unknown> },
    extra: Record<string, unknown>,
  ): Promise<number> => {
    let top = 0
    await make().fit(train, {
      sampler: uniformSampler(),
      loss: 'bpr',
      optimizer: 'sgd',
      negatives: 1,
      epochs: 2,
      batchSize: BATCH,
      learningRate: LR,
      l2: L2,
      seed: 1,
      onEpoch: (s: { updates: number; seconds: number }) => {
        top = Math.max(top, s.updates / s.seconds)
      },
      ...extra,
    })
    return top
  }
  const mfFit = await fitRate(() => models.matrixFactorization({ dim: DIM }) as never, {})
  // A 5-feature FM: user id + 1 user feature, item id + 2 item features.
  const ub = ['userId,seg']
  for (let u = 0; u < NUM_USERS; u++) ub.push(`${u},s${u % 50}`)
  const ib = ['itemId,a,b']
  for (let i = 0; i < NUM_ITEMS; i++) ib.push(`${i},a${i % 100},b${(i * 7) % 300}`)
  const features = new models.FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
    .addFeatureFile('user', ub.join('\n'))
    .addFeatureFile('item', ib.join('\n'))
    .build()
  const fmFit = await fitRate(() => models.factorizationMachine({ dim: DIM }) as never, { features, kernel: 'js' })
  const fmFitWasm = await fitRate(() => models.factorizationMachine({ dim: DIM }) as never, { features, kernel: 'wasm' })
  rows.push({ name: 'fm: fit MF BPR+uniform, 1 worker (kernel auto)', value: Math.round(mfFit), unit: 'updates/s' })
  rows.push({ name: 'fm: fit FM (5 features) BPR+uniform, 1 worker, kernel js', value: Math.round(fmFit), unit: 'updates/s' })
  rows.push({ name: 'fm: fit FM (5 features) BPR+uniform, 1 worker, kernel wasm', value: Math.round(fmFitWasm), unit: 'updates/s' })
  rows.push({ name: 'fm: fit FM (5 features) wasm / js', value: ratio(fmFitWasm / fmFit), unit: '×' })
  return rows
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  const rows = await benchFm()
  console.table(rows)
  console.log(JSON.stringify(rows))
}
