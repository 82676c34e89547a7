import type { Batch, NegativeBuffer } from './contracts.js'
import { checkAllocation } from './memory.js'

/**
 * Allocates a {@link NegativeBuffer} for `capacity` slots of `k` draws each; `trials` start at 1.
 */
export function createNegativeBuffer(capacity: number, k: number): NegativeBuffer {
  if (!(Number.isInteger(capacity) && capacity > 0))
    throw new Error(`createNegativeBuffer: capacity must be a positive integer, got ${capacity}`)
  if (!(Number.isInteger(k) && k > 0)) throw new Error(`createNegativeBuffer: k must be a positive integer, got ${k}`)
  checkAllocation(
    `a negative buffer of ${capacity} slots × ${k} negatives`,
    [{ what: 'the draws and their log-probabilities', elements: capacity * k, bytesPer: 8 }],
    'lower the batch size or the negatives per positive',
  )
  const trials = new Int32Array(capacity)
  trials.fill(1)
  return { k, capacity, items: new Int32Array(capacity * k), logQ: new Float32Array(capacity * k), trials }
}

/** Allocates an empty {@link Batch} of the given capacity. */
export function createBatch(capacity: number): Batch {
  checkAllocation(
    `a batch of ${capacity} positives`,
    [{ what: 'users and positives', elements: capacity, bytesPer: 8 }],
    'lower the batch size',
  )
  return { size: 0, users: new Int32Array(capacity), positives: new Int32Array(capacity) }
}
