import { prngBelow } from '@decoy/core/kernels'
import { createRng, shuffleInPlace, type Interactions, type SamplerStats } from '@decoy/core'
import { createPacer } from './pacer.js'
import { threadHost } from './threads.js'
import { runBatch, stepBuffers, type ShardContext, type ShardResult } from './shard.js'
import { createEpochTracker } from './stopping.js'
import type { Examples, FitOptions, FitResult, TrainTarget } from './types.js'

/** Resolved, validated numbers of a training run (JSON, posted to workers). */
export interface TrainPlan {
  /** Root seed of the run. */
  seed: string
  /** Passes over the examples. */
  epochs: number
  /** Slots per sampler call. */
  batchSize: number
  /** Negatives per slot. */
  k: number
  /** Initial learning rate. */
  learningRate: number
  /** Floor of the linear schedule. */
  minLearningRate: number
  /** `SCHEDULE_*` code. */
  schedule: number
  /** Threads. */
  workers: number
  /** Module exporting `createSampler`, imported by worker threads. */
  samplerModule: string
  /**
   * `'pairs'` (default): each epoch shuffles the examples. `'users'`: each epoch shuffles the
   * users and lays out each user's examples together, so a batch holds whole users (the
   * batch-shared step then scores each user once against the shared negatives). Workers: 1 only.
   */
  order?: 'pairs' | 'users'
  /**
   * With `order: 'users'`, each user's examples (in random order) are cut into chunks of at most
   * this many, and the chunks are shuffled: a user row is then updated about n_u / userChunk times
   * per epoch instead of once (default: whole users).
   */
  userChunk?: number
}

/** Parallel runner: `@decoy/models/node`'s `runParallel`, loaded on demand. */
export type ParallelRunner = (
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
  hooks: EpochHooks,
) => Promise<{ samplerStats: SamplerStats[] }>

/** Called by a parallel runner after each epoch's shards are done; return false to stop. */
export interface EpochHooks {
  /** Handles the end of an epoch (validation, callbacks, early stopping). */
  afterEpoch(epoch: number, sums: { loss: number; updates: number; slots: number; learningRate: number; seconds: number }): boolean
  /** Called during an epoch (about every 16 ms) with the batches all workers have trained in it. */
  during?(epoch: number, batches: number): void
}

// A variable, so that bundlers do not follow it into the Node-only entry.
const NODE_ENTRY = '@decoy/models/node'

/**
 * The parallel runners of this platform, loaded on demand: `runParallel` for the shared loop, and
 * family-specific ones by name (item2vec's `runItem2VecParallel`, typed by its family).
 */
export interface ParallelRunners {
  /** MF/FM Hogwild. */
  runParallel: ParallelRunner
  /** Family-specific runners. */
  [name: string]: unknown
}

/**
 * Loads the parallel runners for `workers ≥ 2`: Node worker threads (`@decoy/models/node`) under
 * Node, module Web Workers in a cross-origin isolated page.
 * @throws the same isolation error for every model when neither is available.
 */
export async function parallelRunners(who: string, workers: number): Promise<ParallelRunners> {
  if (threadHost(who, workers) === 'web') return import('../web/parallel.js')
  try {
    return (await import(/* @vite-ignore */ NODE_ENTRY)) as ParallelRunners
  } catch (e) {
    throw new Error(`${who}: workers ≥ 2 needs Node worker threads (${NODE_ENTRY}): ${(e as Error).message}`)
  }
}

/**
 * Validates the shared numeric options of `fit` and resolves their defaults.
 * @throws Error naming the option when a value is invalid.
 */
export function checkPositiveInt(name: string, v: number): number {
  if (!(Number.isInteger(v) && v > 0)) throw new Error(`fit: ${name} must be a positive integer, got ${v}`)
  return v
}

/**
 * The training loop shared by every model: per epoch a seeded shuffle of the examples, batches of
 * `batchSize` through the sampler and the model's stepper, `sampler.onEpochEnd`, validation,
 * `onEpoch`, early stopping (restoring the best epoch's parameters). With `workers ≥ 2` the
 * epochs run in Hogwild worker threads (`@decoy/models/node`), each on its shard of the same
 * shuffled order with its own sampler forked as `sampler/w<w>`.
 *
 * Random streams: `<seed>/fit/shuffle` for the order, `<seed>/fit/sampler` (or
 * `<seed>/fit/sampler/w<w>`) for the sampler; the model initialises from `<seed>/fit/init`.
 * `workers: 1` is bit-identical across runs.
 *
 * @returns per-epoch statistics, timing and the sampler's diagnostics.
 */
export async function trainLoop(
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
): Promise<FitResult> {
  const sampler = opts.sampler
  if (sampler == null || typeof sampler.sample !== 'function') throw new Error('fit: options.sampler must be a NegativeSampler')
  const tracker = createEpochTracker(target, train, opts, plan.epochs)
  const afterEpoch: EpochHooks['afterEpoch'] = (epoch, sums) =>
    tracker.afterEpoch({
      epoch,
      loss: sums.slots > 0 ? sums.loss / sums.slots : 0,
      seconds: sums.seconds,
      updates: sums.updates,
      slots: sums.slots,
      learningRate: sums.learningRate,
    })

  const root = createRng(plan.seed).fork('fit')
  let samplerStats: Record<string, number | undefined>
  if (plan.workers >= 2 && plan.order === 'users') {
    throw new Error('fit: user-grouped batches (batch-shared negatives) run on one worker; set workers to 1')
  }
  if (plan.workers >= 2) {
    const mod = await parallelRunners('fit', plan.workers)
    // The main thread only waits on the workers (no yielding needed); it reads their batch counts.
    const steps = Math.ceil(examples.count / plan.batchSize)
    const pacer = createPacer(opts, plan.epochs, steps)
    const res = await mod.runParallel(target, train, examples, plan, opts, {
      afterEpoch: (epoch, sums) => {
        pacer.epochEnd(epoch, sums.slots > 0 ? sums.loss / sums.slots : 0)
        return afterEpoch(epoch, sums)
      },
      ...(opts.onProgress ? { during: (epoch: number, batches: number) => void pacer.step(epoch, Math.min(steps - 1, batches)) } : {}),
    })
    samplerStats = mergeSamplerStats(res.samplerStats)
  } else {
    const stepper = target.createStepper(target.arrays(), target.spec, train, plan.k, 0)
    sampler.prepare({ train, rng: root.fork('sampler'), scorer: stepper.scorer() })
    const ctx: ShardContext = {
      stepper,
      sampler,
      ...stepBuffers(stepper, plan.batchSize, plan.k),
      exUsers: examples.users,
      exPositives: examples.positives,
      batchSize: plan.batchSize,
      learningRate: plan.learningRate,
      minLearningRate: plan.minLearningRate,
      schedule: plan.schedule,
      epochs: plan.epochs,
    }
    if (sampler.requires.shared === 'only' && !stepper.sharedNegatives) {
      throw new Error(`fit: sampler ${sampler.config.kind} fills only batch-shared negatives, which this model's step does not read`)
    }
    const order = new Int32Array(examples.count)
    for (let e = 0; e < examples.count; e++) order[e] = e
    const shuffleState = root.fork('shuffle').state
    const byUser = plan.order === 'users' ? groupByUser(examples, train.numUsers, plan.userChunk ?? 0) : null
    const count = examples.count
    const pacer = createPacer(opts, plan.epochs, Math.ceil(count / plan.batchSize))
    // The set-up above (allocation, WebAssembly, the sampler's tables) is a slice of its own.
    if (pacer.yields) await pacer.pause()
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      const t0 = performance.now()
      if (byUser) userOrder(byUser, order, shuffleState)
      else shuffleInPlace(order, count, shuffleState)
      const r: ShardResult = { loss: 0, updates: 0, slots: count, learningRate: plan.learningRate }
      let paused = 0
      for (let p = 0, step = 1; p < count; step++) {
        p = runBatch(ctx, order, 0, count, epoch, p, r)
        if (pacer.active && pacer.step(epoch, step, r.loss / p)) {
          const tp = performance.now()
          await pacer.pause()
          paused += performance.now() - tp
        }
      }
      if (sampler.onEpochEnd) sampler.onEpochEnd(epoch)
      // Time spent yielding to the event loop is not training time.
      const seconds = (performance.now() - t0 - paused) / 1000
      const pause = pacer.epochEnd(epoch, count > 0 ? r.loss / count : 0)
      if (!afterEpoch(epoch, { ...r, seconds })) break
      if (pause) await pacer.pause()
    }
    samplerStats = { ...sampler.stats() }
  }
  tracker.finish()
  return {
    epochs: tracker.epochs,
    bestEpoch: tracker.bestEpoch,
    trainSeconds: tracker.trainSeconds,
    updates: tracker.updates,
    updatesPerSecond: tracker.trainSeconds > 0 ? tracker.updates / tracker.trainSeconds : 0,
    samplerStats,
    config: { ...plan, sampler: sampler.config },
  }
}

/**
 * Examples grouped by user: user u's are `idx[ptr[u] .. ptr[u+1])`, cut into chunks of at most
 * `chunk` (0: whole users); `chunks` lists (user, first) pairs, shuffled every epoch.
 */
interface UserGroups {
  ptr: Int32Array
  idx: Int32Array
  chunk: number
  chunkUser: Int32Array
  chunkFirst: Int32Array
  perm: Int32Array
}

function groupByUser(ex: Examples, numUsers: number, chunk: number): UserGroups {
  const ptr = new Int32Array(numUsers + 1)
  for (let e = 0; e < ex.count; e++) ptr[ex.users[e] + 1]++
  for (let u = 0; u < numUsers; u++) ptr[u + 1] += ptr[u]
  const fill = ptr.slice(0, numUsers)
  const idx = new Int32Array(ex.count)
  for (let e = 0; e < ex.count; e++) idx[fill[ex.users[e]]++] = e
  let n = 0
  for (let u = 0; u < numUsers; u++) {
    const len = ptr[u + 1] - ptr[u]
    if (len > 0) n += chunk > 0 ? Math.ceil(len / chunk) : 1
  }
  const chunkUser = new Int32Array(n)
  const chunkFirst = new Int32Array(n)
  let c = 0
  for (let u = 0; u < numUsers; u++) {
    for (let p = ptr[u]; p < ptr[u + 1]; p += chunk > 0 ? chunk : ptr[u + 1] - ptr[u]) {
      chunkUser[c] = u
      chunkFirst[c++] = p
    }
  }
  const perm = new Int32Array(n)
  for (let i = 0; i < n; i++) perm[i] = i
  return { ptr, idx, chunk, chunkUser, chunkFirst, perm }
}

/** One epoch's order: each user's examples shuffled, chunks of them shuffled, each chunk together. */
function userOrder(g: UserGroups, order: Int32Array, state: Uint32Array): void {
  const numUsers = g.ptr.length - 1
  if (g.chunk > 0) {
    const idx = g.idx
    for (let u = 0; u < numUsers; u++) {
      const lo = g.ptr[u]
      for (let i = g.ptr[u + 1] - 1; i > lo; i--) {
        const j = lo + prngBelow(state, i - lo + 1)
        const t = idx[i]
        idx[i] = idx[j]
        idx[j] = t
      }
    }
  }
  shuffleInPlace(g.perm, g.perm.length, state)
  let o = 0
  for (let r = 0; r < g.perm.length; r++) {
    const c = g.perm[r]
    const u = g.chunkUser[c]
    const first = g.chunkFirst[c]
    const end = g.chunk > 0 ? Math.min(first + g.chunk, g.ptr[u + 1]) : g.ptr[u + 1]
    for (let p = first; p < end; p++) order[o++] = g.idx[p]
  }
}

const AVERAGED = /rate|mean|hardness|fraction|ratio|percentile/i

/**
 * Merges per-worker sampler stats: counts are summed; rates, means, fractions and `hardness` are
 * averaged weighted by draws.
 */
export function mergeSamplerStats(all: readonly Record<string, number | undefined>[]): Record<string, number | undefined> {
  if (all.length === 1) return { ...all[0] }
  const out: Record<string, number | undefined> = {}
  let totalDraws = 0
  for (const s of all) totalDraws += s.draws ?? 0
  for (const s of all) {
    const w = totalDraws > 0 ? (s.draws ?? 0) / totalDraws : 1 / all.length
    for (const key of Object.keys(s)) {
      const v = s[key]
      if (typeof v !== 'number') continue
      if (!AVERAGED.test(key)) out[key] = (out[key] ?? 0) + v
      else out[key] = (out[key] ?? 0) + w * v
    }
  }
  return out
}
