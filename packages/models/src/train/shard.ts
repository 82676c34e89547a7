import { createBatch, createNegativeBuffer, type Batch, type NegativeBuffer, type NegativeSampler } from '@decoy/core'
import { scheduledRate } from '../optim/optim.js'
import type { Stepper } from './types.js'

/** Everything one thread needs to train its shard of an epoch. Built once per thread. */
export interface ShardContext {
  /** The thread's stepper over the (possibly shared) parameters. */
  stepper: Stepper
  /** The thread's sampler, prepared with the stepper's scorer. */
  sampler: NegativeSampler
  /** Reused batch of capacity `batchSize`. */
  batch: Batch
  /** Reused negative buffer of capacity `batchSize` and `k` draws per slot. */
  negs: NegativeBuffer
  /** Example rows. */
  exUsers: Int32Array
  /** Example positives. */
  exPositives: Int32Array
  /** Slots per sampler call. */
  batchSize: number
  /** Initial learning rate. */
  learningRate: number
  /** Floor of the linear schedule. */
  minLearningRate: number
  /** `SCHEDULE_*` code. */
  schedule: number
  /** Total epochs of the run (for the schedule's progress). */
  epochs: number
}

/**
 * The thread's batch and negative buffer: the stepper's own (read in place by its kernel) when it
 * offers them for these sizes, else freshly allocated ones.
 */
export function stepBuffers(stepper: Stepper, batchSize: number, k: number): { batch: Batch; negs: NegativeBuffer } {
  return stepper.buffers?.(batchSize, k) ?? { batch: createBatch(batchSize), negs: createNegativeBuffer(batchSize, k) }
}

/** Sums of a shard: loss, pair updates, slots, last learning rate. */
export interface ShardResult {
  /** Summed loss. */
  loss: number
  /** Unmasked negatives trained on. */
  updates: number
  /** Slots trained. */
  slots: number
  /** Learning rate of the last batch. */
  learningRate: number
}

/**
 * Trains the examples `order[start..end)` of epoch `epoch` in batches: fills the batch, asks the
 * sampler for negatives, runs the stepper. The same function runs on the main thread
 * (`workers: 1`, whole order) and in each worker (its contiguous shard), which is what makes
 * the single-thread path and the workers share one kernel.
 *
 * The learning rate follows the schedule by the shard's progress through the run:
 * `(epoch + done/size) / epochs`.
 *
 * @remarks O(end − start) slots; allocates only the returned object.
 */
export function runShard(ctx: ShardContext, order: Int32Array, start: number, end: number, epoch: number): ShardResult {
  const sums: ShardResult = { loss: 0, updates: 0, slots: end - start, learningRate: ctx.learningRate }
  for (let p = start; p < end; ) p = runBatch(ctx, order, start, end, epoch, p, sums)
  return sums
}

/**
 * Trains the one batch of the shard `order[start..end)` that begins at `p`, adding its loss and
 * updates to `sums` (and setting its learning rate): {@link runShard} one batch at a time, so a
 * loop can report progress or yield between batches with the same result.
 * @returns where the next batch begins.
 * @remarks O(batchSize) slots; allocates nothing.
 */
export function runBatch(
  ctx: ShardContext,
  order: Int32Array,
  start: number,
  end: number,
  epoch: number,
  p: number,
  sums: ShardResult,
): number {
  const { stepper, sampler, batch, negs, exUsers, exPositives, batchSize, learningRate, minLearningRate, schedule, epochs } = ctx
  const bu = batch.users
  const bp = batch.positives
  const size = end - start
  const n = Math.min(batchSize, end - p)
  for (let s = 0; s < n; s++) {
    const e = order[p + s]
    bu[s] = exUsers[e]
    bp[s] = exPositives[e]
  }
  batch.size = n
  sampler.sample(batch, negs)
  const lr = scheduledRate(schedule, learningRate, minLearningRate, (epoch + (p - start) / size) / epochs)
  sums.loss += stepper.step(batch, negs, 0, n, lr)
  sums.learningRate = lr
  let updates = 0
  const sh = negs.shared
  if (sh && stepper.sharedNegatives) {
    // Unmasked (slot, shared draw) pairs; consecutive slots of one user share a hit range.
    for (let s = 0; s < n; s++) updates += sh.count - (sh.hitEnd[s] - sh.hitStart[s])
  } else {
    const negItems = negs.items
    const m = n * negs.k
    // Branch-free: a masked draw (−1) has its sign bit set, so it subtracts one.
    updates = m
    for (let j = 0; j < m; j++) updates += negItems[j] >> 31
  }
  sums.updates += updates
  return p + n
}
