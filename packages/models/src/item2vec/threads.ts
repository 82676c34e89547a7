/**
 * Hogwild workers for item2vec on any platform: the main-thread side of `workers ≥ 2`.
 * `@decoy/models/node` runs it over Node worker threads, the browser over module Web Workers.
 */
import { createRng, shuffleInPlace } from '@decoy/core'
import { shared } from '../train/parallel.js'
import { workerPool, type WorkerPort } from '../train/threads.js'
import type { Item2VecParallelInit } from './model.js'

/** What one item2vec worker receives (typed arrays over SharedArrayBuffers are shared). */
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

/**
 * Runs item2vec's epochs in `init.workers` workers started by `spawn` (Node worker threads or
 * module Web Workers), Hogwild over shared `syn0`/`syn1`: the main
 * thread shuffles the users (`<seed>/fit/order`, as the single-thread path does) and the workers
 * claim chunks of that order from a shared cursor until the epoch is done, each with its own
 * sampler rebuilt from `samplerConfig` through `samplerModule` (stream `<seed>/fit/sampler/w<w>`). The learning rate
 * follows the sum of all workers' progress, which `during` receives about every 16 ms. After each epoch the main thread calls `afterEpoch`
 * while the workers wait; it returns false to stop.
 *
 * @throws Error naming the worker when one fails or the sampler cannot be rebuilt.
 */
export async function runItem2VecParallelWith(
  spawn: (data: Item2VecWorkerData) => WorkerPort,
  init: Item2VecParallelInit,
  afterEpoch: (epoch: number, pairs: number, negatives: number, lr: number, seconds: number, workerSeconds: number[]) => boolean,
  during?: (positions: number) => void,
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
  const share = shared
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
  const ports: WorkerPort[] = []
  try {
    for (let w = 0; w < W; w++) ports.push(spawn({ ...base, index: w, order, progress, cursor }))
  } catch (e) {
    await Promise.all(ports.map((p) => p.terminate()))
    throw e
  }
  const pool = workerPool(ports, 'item2vec worker')
  const call = pool.call
  try {
    await Promise.all(ports.map((_, w) => call(w, { type: 'ready' })))
    for (let epoch = 0; epoch < init.epochs; epoch++) {
      const t0 = performance.now()
      shuffleInPlace(order, U, orderState)
      Atomics.store(cursor, 0, 0)
      // Progress: the positions all workers have processed so far in the run, every 16 ms.
      const poll =
        during === undefined
          ? null
          : setInterval(() => {
              let done = 0
              for (let w = 0; w < W; w++) done += progress[w]
              during(done)
            }, 16)
      const pending = Promise.all(ports.map((_, w) => call(w, { type: 'epoch', epoch, end: U, chunk })))
      if (poll !== null) void pending.finally(() => clearInterval(poll)).catch(() => undefined)
      const results = (await pending) as {
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
    await pool.close()
  }
}
