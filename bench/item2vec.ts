/**
 * item2vec training throughput: (centre, context) pairs trained per second at 64 dimensions with
 * 5 negatives from the popularity^0.75 sampler (word2vec's noise law), next to the SGNS step
 * kernel alone (pre-drawn negatives, no sampler, no pair generation).
 *
 * Shape: 3,000 users × 50 items drawn from 5,000 items with Zipf(1) popularity, time-ordered,
 * window 5, no subsampling — about 1.4M pairs per epoch; two epochs per fit, with the WebAssembly
 * SIMD kernels (the default) and the TypeScript ones. Rates are the best fit; the two-worker
 * ratio is the median over rounds of one-worker and two-worker fits run alternately, next to the
 * machine's two-core ceiling for independent work measured the same way. Target (issue 6): one
 * worker ≥ 0.4M pairs/s, two workers ≥ 1.7× one; gensim's compiled loop does 0.9–1.3M on one
 * core. Figures drop when other jobs share the machine's two cores.
 *
 * Standalone: `npx tsx bench/item2vec.ts` (re-runs itself with the `decoy-source` condition so the
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

const NUM_USERS = 3_000
const NUM_ITEMS = 5_000
const PER_USER = 50
const DIM = 64
const NEGATIVES = 5
const WINDOW = 5
/** Paired (1 worker, 2 workers) rounds per kernel. */
const WASM_ROUNDS = 8
const JS_ROUNDS = 2
const EPOCHS = 2

/**
 * Measures item2vec training pairs/s (1 worker, and 2 when worker threads are available) and the
 * bare SGNS step kernel's pairs/s.
 * @returns rows `{ name, value, unit }`.
 */
export async function benchItem2vec(): Promise<BenchRow[]> {
  // Imported lazily so that the standalone entry can re-exec with the source condition first.
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const models = { ...(await import('@decoy/models')), ...(await import('@decoy/models/kernels')) }
  const { createSampler } = await import('@decoy/samplers')
  const state = core.createRng('bench-item2vec').state

  // Zipf(1) item law through an alias table; distinct items per user, increasing times.
  const w = new Float64Array(NUM_ITEMS)
  for (let i = 0; i < NUM_ITEMS; i++) w[i] = 1 / (i + 1)
  const prob = new Float64Array(NUM_ITEMS)
  const alias = new Int32Array(NUM_ITEMS)
  core.aliasBuild(w, NUM_ITEMS, prob, alias, new Int32Array(NUM_ITEMS))
  const n = NUM_USERS * PER_USER
  const users = new Int32Array(n)
  const items = new Int32Array(n)
  const times = new Float64Array(n)
  const mark = new Int32Array(NUM_ITEMS).fill(-1)
  for (let u = 0, r = 0; u < NUM_USERS; u++) {
    for (let c = 0; c < PER_USER; c++, r++) {
      let it = core.aliasDraw(prob, alias, NUM_ITEMS, state)
      while (mark[it] === u) it = core.aliasDraw(prob, alias, NUM_ITEMS, state)
      mark[it] = u
      users[r] = u
      items[r] = it
      times[r] = c
    }
  }
  const train = core.buildInteractions({ users, items, times }, { numUsers: NUM_USERS, numItems: NUM_ITEMS })

  const rows: BenchRow[] = []
  // Training rate over the epochs' own seconds (worker start-up, which is seconds when the worker
  // compiles TypeScript from source, is not training), and per CPU-second of this process (all
  // threads): on a machine shared with other jobs the second is the fairer figure for one worker.
  const fit = async (workers: number, kernel: 'wasm' | 'js', rep: number): Promise<{ rate: number; cpuRate: number }> => {
    const model = models.item2vec({ dim: DIM, negatives: NEGATIVES, window: WINDOW, sample: 0 })
    const fitOpts = { sampler: createSampler({ kind: 'popularity', alpha: 0.75 }), epochs: EPOCHS, seed: 'bench' + rep, workers, kernel }
    const c0 = process.cpuUsage()
    const res = await model.fit(train, fitOpts)
    const c = process.cpuUsage(c0)
    let sec = 0
    for (const e of res.epochs) sec += e.seconds
    const pairs = res.epochs.reduce((a, e) => a + e.slots, 0)
    return { rate: pairs / sec, cpuRate: pairs / ((c.user + c.system) / 1e6) }
  }
  // One and two workers alternate, and each two-worker rate is divided by the mean of the
  // one-worker rates just before and after it: this VM's speed drifts up to 2× over seconds to
  // minutes, so rates measured minutes apart do not make a ratio.
  for (const kernel of ['wasm', 'js'] as const) {
    const label = kernel === 'wasm' ? 'WebAssembly SIMD kernel' : 'TypeScript kernel'
    const rounds = kernel === 'wasm' ? WASM_ROUNDS : JS_ROUNDS
    let one = await fit(1, kernel, 0)
    let best1 = one.rate
    let bestCpu1 = one.cpuRate
    let best2 = 0
    const ratios: number[] = []
    try {
      for (let r = 0; r < rounds; r++) {
        const two = await fit(2, kernel, r)
        const next = await fit(1, kernel, r + 1)
        ratios.push(two.rate / ((one.rate + next.rate) / 2))
        best2 = Math.max(best2, two.rate)
        best1 = Math.max(best1, next.rate)
        bestCpu1 = Math.max(bestCpu1, next.cpuRate)
        one = next
      }
    } catch (e) {
      // Worker threads unavailable (not Node, or the node entry failed to load): report one worker only.
      console.warn(`item2vec bench: 2 workers unavailable: ${(e as Error).message}`)
    }
    rows.push({ name: `item2vec fit, dim ${DIM}, ${NEGATIVES} negatives, ${label}, 1 worker`, value: round(best1), unit: 'pairs/s' })
    rows.push({
      name: `item2vec fit, dim ${DIM}, ${NEGATIVES} negatives, ${label}, 1 worker, per CPU-second`,
      value: round(bestCpu1),
      unit: 'pairs/cpu-s',
    })
    if (ratios.length > 0) {
      console.error(`item2vec bench: ${label}, 2 workers / 1 per round: ${ratios.map((r) => r.toFixed(2)).join(' ')}`)
      rows.push({ name: `item2vec fit, dim ${DIM}, ${NEGATIVES} negatives, ${label}, 2 workers`, value: round(best2), unit: 'pairs/s' })
      rows.push({
        name: `item2vec fit, ${label}, 2 workers / 1 worker, median of ${rounds} paired rounds`,
        value: median(ratios),
        unit: '×',
      })
    }
  }
  // What the machine's two cores give two independent jobs at the same moments: the ceiling for
  // the two-worker ratio above (see two-cores.ts).
  try {
    const { twoCoreCeiling } = await import('./two-cores.js')
    const c = await twoCoreCeiling()
    rows.push({
      name: `two-core ceiling: WebAssembly kernel on separate parameters, 2 threads / 1, median of ${c.ratios.length} rounds`,
      value: Math.round(c.median * 100) / 100,
      unit: '×',
    })
  } catch (e) {
    console.warn(`item2vec bench: two-core ceiling unavailable: ${(e as Error).message}`)
  }

  // The step kernel alone, over pre-drawn pairs and negatives.
  const P = 1 << 16
  const centres = new Int32Array(P)
  const contexts = new Int32Array(P)
  const negs = new Int32Array(P * NEGATIVES)
  for (let s = 0; s < P; s++) {
    centres[s] = core.aliasDraw(prob, alias, NUM_ITEMS, state)
    contexts[s] = core.aliasDraw(prob, alias, NUM_ITEMS, state)
  }
  for (let j = 0; j < negs.length; j++) negs[j] = core.aliasDraw(prob, alias, NUM_ITEMS, state)
  const syn0 = new Float32Array(NUM_ITEMS * DIM)
  const syn1 = new Float32Array(NUM_ITEMS * DIM)
  for (let j = 0; j < syn0.length; j++) syn0[j] = (core.prngFloat(state) - 0.5) / DIM
  const neu1e = new Float64Array(DIM)
  let bestKernel = 0
  let bestKernelCpu = 0
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now()
    const c0 = process.cpuUsage()
    for (let pass = 0; pass < 8; pass++) {
      for (let s = 0; s < P; s++) models.sgnsStep(syn0, syn1, DIM, centres[s], contexts[s], negs, s * NEGATIVES, NEGATIVES, 0.025, neu1e)
    }
    const c = process.cpuUsage(c0)
    bestKernel = Math.max(bestKernel, (8 * P) / ((performance.now() - t0) / 1000))
    bestKernelCpu = Math.max(bestKernelCpu, (8 * P) / ((c.user + c.system) / 1e6))
  }
  rows.push({ name: `item2vec sgnsStep kernel alone, dim ${DIM}, ${NEGATIVES} negatives`, value: round(bestKernel), unit: 'pairs/s' })
  rows.push({
    name: `item2vec sgnsStep kernel alone, dim ${DIM}, ${NEGATIVES} negatives, per CPU-second`,
    value: round(bestKernelCpu),
    unit: 'pairs/cpu-s',
  })

  // The WebAssembly kernel alone on the same pairs, in batches of 2048 slots.
  const B = 2048
  const layout = models.createSgnsLayout({
    dim: DIM,
    k: NEGATIVES,
    batchSize: B,
    syn0Length: syn0.length,
    syn1Length: syn1.length,
    threads: 1,
    shared: false,
    hs: null,
  })!
  const wasmArrays = models.layoutArrays(layout)
  wasmArrays.syn0.set(syn0)
  const kernel = new models.SgnsWasmKernel(layout, 0)
  let bestWasm = 0
  for (let rep = 0; rep < 3; rep++) {
    const t0 = performance.now()
    for (let pass = 0; pass < 8; pass++) {
      for (let s = 0; s < P; s += B)
        kernel.sgns(centres.subarray(s, s + B), contexts.subarray(s, s + B), negs.subarray(s * NEGATIVES, (s + B) * NEGATIVES), B, 0.025)
    }
    bestWasm = Math.max(bestWasm, (8 * P) / ((performance.now() - t0) / 1000))
  }
  rows.push({ name: `item2vec WebAssembly SIMD kernel alone, dim ${DIM}, ${NEGATIVES} negatives`, value: round(bestWasm), unit: 'pairs/s' })
  return rows
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return Math.round((s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2) * 100) / 100
}

function round(x: number): number {
  return Math.round(x)
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    // Plain `npx tsx bench/item2vec.ts`: rerun with the source condition (tsx's loader flags are in execArgv).
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  const rows = await benchItem2vec()
  console.table(rows)
  console.log(JSON.stringify(rows))
}
