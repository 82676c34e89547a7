/**
 * Collects many draws of a prepared sampler for one user, for law tests.
 */
import { createBatch, createNegativeBuffer, type Interactions, type NegativeSampler } from '@decoy/core'

/** Result of {@link countDraws}. */
export interface DrawCounts {
  /** Draws per item. */
  counts: Float64Array
  /** logQ reported for each item (NaN when never drawn); throws if one item got two values. */
  logQ: Float64Array
  /** Draws masked as -1. */
  masked: number
}

/**
 * Samples `draws` negatives for slots all belonging to `user` (positive = the user's first
 * training item, or item 0) with a prepared sampler, `k` per slot in batches of `batchSize`.
 *
 * @param checkLogQ - require one logQ value per item (static laws; default true).
 * @returns per-item counts and the logQ seen per item.
 */
export function countDraws(
  sampler: NegativeSampler,
  train: Interactions,
  user: number,
  draws: number,
  opts: { k?: number; batchSize?: number; checkLogQ?: boolean } = {},
): DrawCounts {
  const k = opts.k ?? 8
  const size = opts.batchSize ?? 256
  const batch = createBatch(size)
  const out = createNegativeBuffer(size, k)
  const pos = train.indptr[user + 1] > train.indptr[user] ? train.items[train.indptr[user]] : 0
  batch.users.fill(user)
  batch.positives.fill(pos)
  batch.size = size
  const counts = new Float64Array(train.numItems)
  const logQ = new Float64Array(train.numItems).fill(NaN)
  let masked = 0
  let done = 0
  const checkLogQ = opts.checkLogQ !== false
  while (done < draws) {
    sampler.sample(batch, out)
    const m = Math.min(size * k, draws - done)
    for (let o = 0; o < m; o++) {
      const j = out.items[o]
      if (j < 0) {
        masked++
        continue
      }
      counts[j]++
      const q = out.logQ[o]
      if (checkLogQ && !Number.isNaN(logQ[j]) && logQ[j] !== q) throw new Error(`countDraws: item ${j} reported logQ ${logQ[j]} and ${q}`)
      logQ[j] = q
    }
    done += m
  }
  return { counts, logQ, masked }
}
