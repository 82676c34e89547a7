/**
 * Hogwild training over worker threads of any platform: the main-thread side of `workers ≥ 2` for
 * the models trained by the shared loop (MF, FM). `@decoy/models/node` runs it over Node worker
 * threads, the browser over module Web Workers; both post the same {@link WorkerInit} and requests.
 */
import { createRng, shuffleInPlace, type Interactions, type SamplerStats } from '@decoy/core'
import type { EpochHooks, TrainPlan } from './fit.js'
import { workerPool, type WorkerPort } from './threads.js'
import type { Examples, FitOptions, TrainTarget } from './types.js'

/** What a worker receives at start (typed arrays over SharedArrayBuffers are shared, not copied). */
export interface WorkerInit {
  /** Worker index w (its sampler stream is `<seed>/fit/sampler/w<w>`). */
  index: number
  /** Stepper kind and spec (see `stepperFactories`). */
  stepperKind: string
  /** JSON spec of the stepper. */
  spec: unknown
  /** Parameter and optimiser arrays over shared memory. */
  arrays: Record<string, Float32Array>
  /** Training CSR over shared memory. */
  train: { numUsers: number; numItems: number; indptr: Int32Array; items: Int32Array; weights?: Float32Array }
  /** Example rows and positives over shared memory. */
  exUsers: Int32Array
  /** Example positives over shared memory. */
  exPositives: Int32Array
  /** The epoch's shuffled example order, rewritten by the main thread before each epoch. */
  order: Int32Array
  /** Resolved plan. */
  plan: TrainPlan
  /** Sampler config to rebuild through the registry. */
  samplerConfig: unknown
  /** Module exporting `createSampler`. */
  samplerModule: string
  /** Seed path of this worker's sampler stream. */
  samplerSeed: string
  /** `batches[w]`: batches worker w has trained in the current epoch (read by the main thread for progress). */
  batches: Int32Array
}

/** Requests a shard worker answers, one reply each (`{ type: 'error', error }` on failure). */
export type ShardRequest = { type: 'ready' } | { type: 'epoch'; epoch: number; start: number; end: number } | { type: 'stats' }

/** Starts one shard worker on its init. */
export type SpawnShardWorker = (init: WorkerInit) => WorkerPort

/** A typed array over shared memory: itself when it already is, else a shared copy. */
export function shared<T extends Int32Array | Float32Array | Float64Array | Uint8Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a
  const C = a.constructor as new (b: SharedArrayBuffer) => T
  const s = new C(new SharedArrayBuffer(a.byteLength))
  s.set(a as never)
  return s
}

/**
 * Runs the epochs of a training plan in `plan.workers` workers started by `spawn`, Hogwild: the
 * parameters (and Adagrad state) move to `SharedArrayBuffer`s that the model adopts, every worker
 * runs the same stepper and `runShard` as the single-thread path on its contiguous shard of the
 * epoch's shuffled order, with its own sampler rebuilt from `sampler.config` through the registry
 * (`plan.samplerModule`) and the stream `<seed>/fit/sampler/w<w>`. The main thread shuffles
 * (`<seed>/fit/shuffle`), waits for every shard, then calls `hooks.afterEpoch` (validation, early
 * stopping) while the workers wait.
 *
 * @returns each worker's sampler stats.
 * @throws Error when a worker fails (its message included) or the sampler cannot be rebuilt.
 */
export async function runParallelWith(
  spawn: SpawnShardWorker,
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
  hooks: EpochHooks,
): Promise<{ samplerStats: SamplerStats[] }> {
  const arrays: Record<string, Float32Array> = {}
  const current = target.arrays()
  for (const name of Object.keys(current)) arrays[name] = shared(current[name])
  target.adopt(arrays)
  const sharedTrain = {
    numUsers: train.numUsers,
    numItems: train.numItems,
    indptr: shared(train.indptr),
    items: shared(train.items),
    weights: train.weights ? shared(train.weights) : undefined,
  }
  const exUsers = shared(examples.users)
  const exPositives = shared(examples.positives)
  const order = new Int32Array(new SharedArrayBuffer(examples.count * 4))
  for (let e = 0; e < examples.count; e++) order[e] = e
  const root = createRng(plan.seed).fork('fit')
  const shuffleState = root.fork('shuffle').state
  const W = plan.workers
  const batches = new Int32Array(new SharedArrayBuffer(W * 4))
  const ports: WorkerPort[] = []
  try {
    for (let w = 0; w < W; w++) {
      ports.push(
        spawn({
          index: w,
          stepperKind: target.stepperKind,
          spec: target.spec,
          arrays,
          train: sharedTrain,
          exUsers,
          exPositives,
          order,
          plan,
          samplerConfig: opts.sampler.config,
          samplerModule: plan.samplerModule,
          samplerSeed: root.fork('sampler').fork('w' + w).seed,
          batches,
        }),
      )
    }
  } catch (e) {
    await Promise.all(ports.map((p) => p.terminate()))
    throw e
  }
  const pool = workerPool(ports, 'fit worker')
  try {
    await Promise.all(ports.map((_, w) => pool.call(w, { type: 'ready' } satisfies ShardRequest)))
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      const t0 = performance.now()
      shuffleInPlace(order, examples.count, shuffleState)
      batches.fill(0)
      const during = hooks.during
      const poll =
        during === undefined
          ? null
          : setInterval(() => {
              let done = 0
              for (let w = 0; w < W; w++) done += Atomics.load(batches, w)
              during(epoch, done)
            }, 16)
      const results = await Promise.all(
        ports.map((_, w) => {
          const start = Math.floor((w * examples.count) / W)
          const end = Math.floor(((w + 1) * examples.count) / W)
          return pool.call(w, { type: 'epoch', epoch, start, end } satisfies ShardRequest) as Promise<{
            loss: number
            updates: number
            slots: number
            learningRate: number
          }>
        }),
      )
      if (poll !== null) clearInterval(poll)
      const seconds = (performance.now() - t0) / 1000
      const sums = { loss: 0, updates: 0, slots: 0, learningRate: 0, seconds }
      for (const r of results) {
        sums.loss += r.loss
        sums.updates += r.updates
        sums.slots += r.slots
        sums.learningRate = r.learningRate
      }
      if (!hooks.afterEpoch(epoch, sums)) break
    }
    const stats = await Promise.all(
      ports.map((_, w) => pool.call(w, { type: 'stats' } satisfies ShardRequest) as Promise<{ stats: SamplerStats }>),
    )
    return { samplerStats: stats.map((s) => s.stats) }
  } finally {
    await pool.close()
  }
}
