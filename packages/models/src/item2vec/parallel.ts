/**
 * Hogwild worker threads for item2vec (Node only; exported from `@decoy/models/node`).
 */
import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'
import { createRng, shuffleInPlace } from '@decoy/core'
import type { Item2VecParallelInit } from './model.js'

/** What one item2vec worker thread receives (typed arrays over SharedArrayBuffers are shared). */
export interface Item2VecWorkerData extends Item2VecParallelInit {
  /** Worker index w. */
  index: number
  /** The epoch's user order, rewritten by the main thread before each epoch. */
  order: Int32Array
  /** Positions processed per worker (the learning-rate schedule sums them). */
  progress: Float64Array
  /** `cursor[0]`: the next unclaimed position of `order` in the current epoch (claimed with `Atomics.add`). */
  cursor: Int32Array
}

function spawn(workerData: Item2VecWorkerData): Worker {
  // From source (vitest, tsx) this folder's worker.ts; built, this code lives in dist/node.js and the
  // worker is the tsup entry dist/item2vec-worker.js.
  return spawnWorker(import.meta.url, { source: './worker.ts', built: './item2vec-worker.js' }, workerData)
}

/**
 * Runs item2vec's epochs in `init.workers` threads, Hogwild over shared `syn0`/`syn1`: the main
 * thread shuffles the users (`<seed>/fit/order`, as the single-thread path does) and the workers
 * claim chunks of that order from a shared cursor until the epoch is done, each with its own
 * sampler rebuilt from `samplerConfig` through `samplerModule` (stream `<seed>/fit/sampler/w<w>`). The learning rate
 * follows the sum of all workers' progress. After each epoch the main thread calls `afterEpoch`
 * while the workers wait; it returns false to stop.
 *
 * @throws Error naming the worker when one fails or the sampler cannot be rebuilt.
 */
export async function runItem2VecParallel(
  init: Item2VecParallelInit,
  afterEpoch: (epoch: number, pairs: number, negatives: number, lr: number, seconds: number, workerSeconds: number[]) => boolean,
): Promise<void> {
  const W = init.workers
  const U = init.numUsers
  const order = new Int32Array(new SharedArrayBuffer(Math.max(1, U) * 4))
  for (let u = 0; u < U; u++) order[u] = u
  const progress = new Float64Array(new SharedArrayBuffer(W * 8))
  const cursor = new Int32Array(new SharedArrayBuffer(4))
  // Users are claimed in small chunks rather than split into W fixed shards: histories differ in
  // length (MovieLens: 20 to 2,600 items) and the two vCPUs of a VM in speed, so fixed shards left
  // the faster worker idle at each epoch's barrier (up to a third of the epoch, measured).
  const chunk = Math.max(1, Math.min(64, Math.floor(U / (W * 32))))
  const share = <T extends Int32Array | Float64Array | Float32Array | Uint8Array>(a: T): T => {
    if (a.buffer instanceof SharedArrayBuffer) return a
    const C = a.constructor as new (b: SharedArrayBuffer) => T
    const s = new C(new SharedArrayBuffer(a.byteLength))
    s.set(a as never)
    return s
  }
  const base: Item2VecParallelInit = {
    ...init,
    syn0: share(init.syn0),
    syn1: share(init.syn1),
    userFactors: share(init.userFactors),
    indptr: share(init.indptr),
    seenItems: share(init.seenItems),
    sentences: share(init.sentences),
    keep: share(init.keep),
    hs: init.hs ? { codes: share(init.hs.codes), points: share(init.hs.points), offsets: share(init.hs.offsets) } : null,
  }
  if (base.syn0 !== init.syn0 || base.syn1 !== init.syn1 || base.userFactors !== init.userFactors) {
    throw new Error('runItem2VecParallel: syn0, syn1 and userFactors must already live in SharedArrayBuffers')
  }
  const orderState = createRng(init.seed).fork('order').state
  const workers: Worker[] = []
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  let failure: Error | null = null
  const call = (w: number, msg: unknown): Promise<any> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure)
      pending.set(w, { resolve, reject })
      workers[w].postMessage(msg)
    })
  try {
    for (let w = 0; w < W; w++) {
      const worker = spawn({ ...base, index: w, order, progress, cursor })
      worker.on('message', (m: { type: string; error?: string }) => {
        const p = pending.get(w)
        if (!p) return
        pending.delete(w)
        if (m.type === 'error') p.reject(new Error(`item2vec worker ${w}: ${m.error}`))
        else p.resolve(m)
      })
      const fail = (e: Error): void => {
        failure = new Error(`item2vec worker ${w}: ${e.message}`)
        for (const p of pending.values()) p.reject(failure)
        pending.clear()
      }
      worker.on('error', fail)
      worker.on('exit', (code) => {
        if (code !== 0) fail(new Error(`exited with code ${code}`))
      })
      workers.push(worker)
    }
    await Promise.all(workers.map((_, w) => call(w, { type: 'ready' })))
    for (let epoch = 0; epoch < init.epochs; epoch++) {
      const t0 = performance.now()
      shuffleInPlace(order, U, orderState)
      Atomics.store(cursor, 0, 0)
      const results = (await Promise.all(workers.map((_, w) => call(w, { type: 'epoch', epoch, end: U, chunk })))) as {
        pairs: number
        negatives: number
        lr: number
        seconds: number
      }[]
      let pairs = 0
      let negatives = 0
      let lr = Infinity
      for (const r of results) {
        pairs += r.pairs
        negatives += r.negatives
        if (r.lr < lr) lr = r.lr
      }
      if (
        !afterEpoch(
          epoch,
          pairs,
          negatives,
          lr,
          (performance.now() - t0) / 1000,
          results.map((r) => r.seconds),
        )
      )
        break
    }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
