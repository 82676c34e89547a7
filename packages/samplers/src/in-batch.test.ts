import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, itemCounts } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { inBatchSampler } from '@decoy/samplers'
import { createSampler } from '@decoy/samplers/registry'
import { chiSquare, csrFromRows, describeSampler } from '@decoy/testkit'
import { freqStreamGap, freqStreamUpdate } from './kernels/freq-streaming.js'

const ALPHA = 1e-3

describeSampler(
  'in-batch streaming (Alg. 3, m = 2)',
  () => createSampler({ kind: 'in-batch', frequency: 'streaming', hashes: 2, hashSize: 16 }),
  {
    create: createSampler,
  },
)
describeSampler('in-batch shift', () => createSampler({ kind: 'in-batch', pick: 'shift' }), { create: createSampler, random: false })

/** 30 items; user u holds items u and u + 10 (so other items are free for everyone). */
function fixture() {
  return csrFromRows(
    Array.from({ length: 10 }, (_, u) => [u, u + 10]),
    30,
  )
}

describe('in-batch', () => {
  it('draws follow appearance among the other slots (chi-square), accidental hits masked', () => {
    const train = fixture()
    const s = inBatchSampler()
    s.prepare({ train, rng: createRng(31).fork('sampler'), scorer: null })
    // Slot 0: user 0 (positives 0, 10). Others carry 20, 20, 21, 22, 22, 22, 0 (own) and 10 (known positive).
    const pos = [0, 20, 20, 21, 22, 22, 22, 0, 10]
    const B = pos.length
    const batch = createBatch(B)
    batch.size = B
    for (let sl = 0; sl < B; sl++) {
      batch.users[sl] = sl === 0 ? 0 : 1 + (sl % 9)
      batch.positives[sl] = pos[sl]
    }
    batch.users[7] = 5 // slot 7 (item 0) belongs to a user who does not hold item 0
    batch.users[8] = 6
    const out = createNegativeBuffer(B, 8)
    const counts = new Float64Array(30)
    let masked = 0
    const reps = 12_500
    for (let rep = 0; rep < reps; rep++) {
      s.sample(batch, out)
      for (let d = 0; d < 8; d++) {
        const j = out.items[d]
        if (j < 0) masked++
        else counts[j]++
      }
    }
    const law = new Float64Array(30)
    law[20] = 2
    law[21] = 1
    law[22] = 3
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
    // 2 of the 8 other slots are hits (own item 0, user 0's positive 10): masked at rate 1/4.
    expect(Math.abs(masked / (reps * 8) - 0.25)).toBeLessThan(0.01)
    // Exact logQ is the training frequency of the item.
    const counts2 = itemCounts(train)
    const total = train.indptr[train.numUsers]
    for (let d = 0; d < 8; d++) {
      const j = out.items[d]
      if (j >= 0) expect(out.logQ[d]).toBeCloseTo(Math.log(Math.max(counts2[j], 1) / total), 5)
    }
  })

  it('pick "shift" takes slots s+1 … s+k cyclically', () => {
    const train = fixture()
    const s = inBatchSampler({ pick: 'shift', excludePositives: false })
    s.prepare({ train, rng: createRng(32).fork('sampler'), scorer: null })
    const batch = createBatch(4)
    batch.size = 4
    batch.users.set([0, 1, 2, 3])
    batch.positives.set([20, 21, 22, 23])
    const out = createNegativeBuffer(4, 5)
    s.sample(batch, out)
    expect([...out.items]).toEqual([21, 22, 23, 21, 22, 22, 23, 20, 22, 23, 23, 20, 21, 23, 20, 20, 21, 22, 20, 21])
  })

  it('masks every draw of a batch of one (requires.minBatch = 2)', () => {
    const train = fixture()
    const s = inBatchSampler()
    expect(s.requires.minBatch).toBe(2)
    s.prepare({ train, rng: createRng(33).fork('sampler'), scorer: null })
    const batch = createBatch(4)
    batch.size = 1
    batch.users[0] = 0
    batch.positives[0] = 0
    const out = createNegativeBuffer(4, 3)
    s.sample(batch, out)
    expect([...out.items.subarray(0, 3)]).toEqual([-1, -1, -1])
  })

  it('streaming logQ converges to the true per-draw log-frequency on a stationary stream', () => {
    const n = 40
    const train = csrFromRows([[...Array(n).keys()]], n)
    const law = Float64Array.from({ length: n }, (_, j) => 1 / (j + 1))
    let z = 0
    for (let j = 0; j < n; j++) z += law[j]
    for (let j = 0; j < n; j++) law[j] /= z
    const cdf = new Float64Array(n)
    for (let j = 0, c = 0; j < n; j++) cdf[j] = c += law[j]
    const B = 32
    const check = (opts: Record<string, unknown>, meanTol: number, maxTol: number) => {
      const s = inBatchSampler({ frequency: 'streaming', excludePositives: false, learningRate: 0.01, ...opts })
      s.prepare({ train, rng: createRng(34).fork('sampler'), scorer: null })
      const batch = createBatch(B)
      batch.size = B
      const out = createNegativeBuffer(B, 4)
      const st = createRng('stream').state
      const last = new Float64Array(n).fill(NaN)
      for (let step = 0; step < 4000; step++) {
        for (let sl = 0; sl < B; sl++) {
          const u = prngFloat(st)
          let j = 0
          while (j < n - 1 && cdf[j] <= u) j++
          batch.users[sl] = 0
          batch.positives[sl] = j
        }
        s.sample(batch, out)
        for (let o = 0; o < B * 4; o++) if (out.items[o] >= 0) last[out.items[o]] = out.logQ[o]
      }
      let sum = 0
      let worst = 0
      let m = 0
      for (let j = 0; j < n; j++) {
        if (Number.isNaN(last[j])) continue
        const e = Math.abs(last[j] - Math.log(law[j]))
        sum += e
        worst = Math.max(worst, e)
        m++
      }
      expect(m).toBe(n)
      expect(sum / m).toBeLessThan(meanTol)
      expect(worst).toBeLessThan(maxTol)
    }
    check({}, 0.1, 0.3) // Algorithm 2, collision-free
    check({ hashes: 3, hashSize: 512 }, 0.1, 0.3) // Algorithm 3, hashed (rare collisions)
  })

  it('streaming kernel: Algorithm 2 update on a periodic stream gives the period', () => {
    const last = new Float64Array(4)
    const gap = new Float64Array(4)
    const items = new Int32Array([2])
    for (let t = 1; t <= 2000; t++) if (t % 5 === 0) freqStreamUpdate(last, gap, 4, 1, null, items, 1, t, 0.05)
    expect(freqStreamGap(gap, 4, 1, null, 2)).toBeCloseTo(5, 6)
    expect(freqStreamGap(gap, 4, 1, null, 1)).toBe(0)
  })

  it('rejects streaming fields with exact frequencies', () => {
    expect(() => inBatchSampler({ hashes: 2 })).toThrow(/streaming/)
    expect(() => inBatchSampler({ frequency: 'streaming', learningRate: 0 })).toThrow(/learningRate/)
    expect(() => inBatchSampler({ pick: 'all' as 'random' })).toThrow(/pick/)
  })
})
