import type { Batch, NegativeBuffer } from './contracts.js'

/**
 * Allocates a {@link NegativeBuffer} for `capacity` slots of `k` draws each; `trials` start at 1.
 */
export function createNegativeBuffer(capacity: number, k: number): NegativeBuffer {
  if (!(Number.isInteger(capacity) && capacity > 0)) throw new Error(`createNegativeBuffer: capacity must be a positive integer, got ${capacity}`)
  if (!(Number.isInteger(k) && k > 0)) throw new Error(`createNegativeBuffer: k must be a positive integer, got ${k}`)
  const trials = new Int32Array(capacity)
  trials.fill(1)
  return { k, capacity, items: new Int32Array(capacity * k), logQ: new Float32Array(capacity * k), trials }
}

/** Allocates an empty {@link Batch} of the given capacity. */
export function createBatch(capacity: number): Batch {
  return { size: 0, users: new Int32Array(capacity), positives: new Int32Array(capacity) }
}
