import { describe, expect, it } from 'vitest'
import { buildInteractions, createRng, dotTopK, splitRandom, type DotFactors } from '@decoy/core'
import { prngBelow, prngNormal } from '@decoy/core/kernels'
import { encodeInteractionsTsv } from '@decoy/core/node'

/**
 * Memory-bound behaviour, small enough for CI: the structures that scale with a log's size stay
 * O(nnz + items) — ranking never holds a users × items score matrix, and writing a split holds one
 * chunk, not the file.
 */
describe('memory stays bounded', () => {
  it('ranking 3,000 users × 8,000 items holds no score matrix (96 MB as float32)', () => {
    const st = createRng('mem').state
    const dim = 16
    const f: DotFactors = {
      dim,
      numUsers: 3000,
      numItems: 8000,
      userFactors: Float32Array.from({ length: 3000 * dim }, () => prngNormal(st)),
      itemFactors: Float32Array.from({ length: 8000 * dim }, () => prngNormal(st)),
    }
    const users = Int32Array.from({ length: 3000 }, (_, u) => u)
    dotTopK(f, users.subarray(0, 64), 20) // compile and warm up outside the measurement
    const before = process.memoryUsage().arrayBuffers
    let peak = before
    const top = dotTopK(f, users, 20)
    peak = Math.max(peak, process.memoryUsage().arrayBuffers)
    expect(top.items.length).toBe(3000 * 20)
    // Packed items (0.5 MB), the output (0.5 MB) and scratch; a score matrix would add 96 MB.
    expect(peak - before).toBeLessThan(8 << 20)
  })

  it('a split of 400k interactions is encoded in chunks of at most about 1 MiB', () => {
    const st = createRng('split-mem').state
    const n = 400_000
    const x = buildInteractions(
      {
        users: Int32Array.from({ length: n }, () => prngBelow(st, 20_000)),
        items: Int32Array.from({ length: n }, () => prngBelow(st, 5_000)),
      },
      { numUsers: 20_000, numItems: 5_000, duplicates: 'first' },
    )
    const { train } = splitRandom(x, { testFraction: 0.2, seed: 3 })
    let chunks = 0
    let total = 0
    let largest = 0
    const buffers = new Set<ArrayBufferLike>()
    encodeInteractionsTsv(train, (bytes, length) => {
      chunks++
      total += length
      largest = Math.max(largest, bytes.length)
      buffers.add(bytes.buffer)
    })
    expect(total).toBeGreaterThan(3 << 20)
    expect(chunks).toBeGreaterThan(3)
    expect(largest).toBeLessThanOrEqual(1 << 20)
    expect(buffers.size).toBe(1) // one buffer reused for every chunk
  })
})
