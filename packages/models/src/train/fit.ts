import { createBatch, createNegativeBuffer, createRng, shuffleInPlace, type Interactions, type SamplerStats } from '@decoy/core'
import { runShard, type ShardContext } from './shard.js'
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
}

// A variable, so that bundlers do not follow it into the Node-only entry.
const NODE_ENTRY = '@decoy/models/node'

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
  if (plan.workers >= 2) {
    let mod: { runParallel: ParallelRunner }
    try {
      mod = (await import(/* @vite-ignore */ NODE_ENTRY)) as { runParallel: ParallelRunner }
    } catch (e) {
      throw new Error(`fit: workers ≥ 2 needs Node worker threads (${NODE_ENTRY}): ${(e as Error).message}`)
    }
    const res = await mod.runParallel(target, train, examples, plan, opts, { afterEpoch })
    samplerStats = mergeSamplerStats(res.samplerStats)
  } else {
    const stepper = target.createStepper(target.arrays(), target.spec, train, plan.k, 0)
    sampler.prepare({ train, rng: root.fork('sampler'), scorer: stepper.scorer() })
    const ctx: ShardContext = {
      stepper,
      sampler,
      batch: createBatch(plan.batchSize),
      negs: createNegativeBuffer(plan.batchSize, plan.k),
      exUsers: examples.users,
      exPositives: examples.positives,
      batchSize: plan.batchSize,
      learningRate: plan.learningRate,
      minLearningRate: plan.minLearningRate,
      schedule: plan.schedule,
      epochs: plan.epochs,
    }
    const order = new Int32Array(examples.count)
    for (let e = 0; e < examples.count; e++) order[e] = e
    const shuffleState = root.fork('shuffle').state
    for (let epoch = 0; epoch < plan.epochs; epoch++) {
      const t0 = performance.now()
      shuffleInPlace(order, examples.count, shuffleState)
      const r = runShard(ctx, order, 0, examples.count, epoch)
      if (sampler.onEpochEnd) sampler.onEpochEnd(epoch)
      const seconds = (performance.now() - t0) / 1000
      if (!afterEpoch(epoch, { ...r, seconds })) break
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
