import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'
import { createRng, shuffleInPlace, type Interactions, type SamplerStats } from '@decoy/core'
import type { EpochHooks, TrainPlan } from '../train/fit.js'
import type { Examples, FitOptions, TrainTarget } from '../train/types.js'

/** What a worker thread receives at start (typed arrays over SharedArrayBuffers are shared, not copied). */
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
}

function shareF32(a: Float32Array): Float32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a
  const s = new Float32Array(new SharedArrayBuffer(a.length * 4))
  s.set(a)
  return s
}

function shareI32(a: Int32Array): Int32Array {
  if (a.buffer instanceof SharedArrayBuffer) return a
  const s = new Int32Array(new SharedArrayBuffer(a.length * 4))
  s.set(a)
  return s
}

function spawn(workerData: WorkerInit): Worker {
  // From source (vitest, tsx) the TypeScript worker; built, the tsup entry dist/worker.js.
  return spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, workerData)
}

/**
 * Runs the epochs of a training plan in `plan.workers` worker threads, Hogwild: the parameters
 * (and Adagrad state) move to `SharedArrayBuffer`s that the model adopts, every worker runs the
 * same stepper and `runShard` as the single-thread path on its contiguous shard of the epoch's
 * shuffled order, with its own sampler rebuilt from `sampler.config` through the registry
 * (`plan.samplerModule`) and the stream `<seed>/fit/sampler/w<w>`. The main thread shuffles
 * (`<seed>/fit/shuffle`), waits for every shard, then calls `hooks.afterEpoch` (validation, early
 * stopping) while the workers wait.
 *
 * @returns each worker's sampler stats.
 * @throws Error when a worker fails (its message included) or the sampler cannot be rebuilt.
 */
export async function runParallel(
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
  hooks: EpochHooks,
): Promise<{ samplerStats: SamplerStats[] }> {
  const shared: Record<string, Float32Array> = {}
  const current = target.arrays()
  for (const name of Object.keys(current)) shared[name] = shareF32(current[name])
  target.adopt(shared)
  const sharedTrain = {
    numUsers: train.numUsers,
    numItems: train.numItems,
    indptr: shareI32(train.indptr),
    items: shareI32(train.items),
    weights: train.weights ? shareF32(train.weights) : undefined,
  }
  const exUsers = shareI32(examples.users)
  const exPositives = shareI32(examples.positives)
  const order = new Int32Array(new SharedArrayBuffer(examples.count * 4))
  for (let e = 0; e < examples.count; e++) order[e] = e
  const root = createRng(plan.seed).fork('fit')
  const shuffleState = root.fork('shuffle').state
  const W = plan.workers
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
      const init: WorkerInit = {
        index: w,
        stepperKind: target.stepperKind,
        spec: target.spec,
        arrays: shared,
        train: sharedTrain,
        exUsers,
        exPositives,
        order,
        plan,
        samplerConfig: opts.sampler.config,
        samplerModule: plan.samplerModule,
        samplerSeed: root.fork('sampler').fork('w' + w).seed,
      }
      const worker = spawn(init)
      worker.on('message', (m: { type: string; error?: string }) => {
        const p = pending.get(w)
        if (!p) return
        pending.delete(w)
        if (m.type === 'error') p.reject(new Error(`fit worker ${w}: ${m.error}`))
        else p.resolve(m)
      })
      const fail = (e: Error): void => {
        failure = new Error(`fit worker ${w}: ${e.message}`)
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
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      const t0 = performance.now()
      shuffleInPlace(order, examples.count, shuffleState)
      const results = await Promise.all(
        workers.map((_, w) => {
          const start = Math.floor((w * examples.count) / W)
          const end = Math.floor(((w + 1) * examples.count) / W)
          return call(w, { type: 'epoch', epoch, start, end }) as Promise<{
            loss: number
            updates: number
            slots: number
            learningRate: number
          }>
        }),
      )
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
    const stats = await Promise.all(workers.map((_, w) => call(w, { type: 'stats' }) as Promise<{ stats: SamplerStats }>))
    return { samplerStats: stats.map((s) => s.stats) }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
