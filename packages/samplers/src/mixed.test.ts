import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, itemCounts } from '@decoy/core'
import { mixedSampler, splitDraws, uniformSampler } from '@decoy/samplers'
import { createSampler } from '@decoy/samplers/registry'
import { chiSquare, csrFromRows, describeSampler, itemIdScorer } from '@decoy/testkit'

const ALPHA = 1e-3

describeSampler(
  'mixed warp + popularity',
  () =>
    createSampler({
      kind: 'mixed',
      parts: [
        { sampler: { kind: 'adaptive', variant: 'warp' }, share: 1 },
        { sampler: { kind: 'popularity' }, share: 2 },
      ],
    }),
  { create: createSampler },
)

function split(shares: number[], k: number): number[] {
  const out = new Int32Array(shares.length)
  splitDraws(shares, k, out)
  return [...out]
}

describe('mixed', () => {
  it('splits k by share with the largest remainder, deterministically', () => {
    expect(split([1, 1], 4)).toEqual([2, 2])
    expect(split([3, 1], 5)).toEqual([4, 1])
    expect(split([1, 1, 1], 4)).toEqual([2, 1, 1])
    expect(split([1, 3], 1)).toEqual([0, 1])
    expect(split([0.2, 0.5, 0.3], 10)).toEqual([2, 5, 3])
    for (let k = 1; k < 30; k++) expect(split([0.7, 0.2, 0.1], k).reduce((a, b) => a + b)).toBe(k)
  })

  it('fills each part’s share of every slot with its own law and logQ + log(k_p/k)', () => {
    const n = 30
    const train = csrFromRows(
      Array.from({ length: 10 }, (_, u) => [u, u + 10]),
      n,
    )
    const s = mixedSampler(
      {
        parts: [
          { sampler: { kind: 'in-batch', pick: 'shift' }, share: 1 },
          { sampler: { kind: 'uniform' }, share: 3 },
        ],
      },
      createSampler,
    )
    expect(s.requires).toEqual({ scorer: false, minBatch: 2 })
    s.prepare({ train, rng: createRng(41).fork('sampler'), scorer: null })
    const B = 8
    const batch = createBatch(B)
    batch.size = B
    for (let sl = 0; sl < B; sl++) {
      batch.users[sl] = sl
      batch.positives[sl] = 20 + sl
    }
    const k = 4
    const out = createNegativeBuffer(B, k)
    const counts = new Float64Array(n)
    const total = train.indptr[train.numUsers]
    const c = itemCounts(train)
    let bad0 = 0
    let badQ = 0
    const q1 = -Math.log(28) + Math.log(3 / 4)
    for (let rep = 0; rep < 5000; rep++) {
      s.sample(batch, out)
      for (let sl = 0; sl < B; sl++) {
        // Part 0 (k_0 = 1): the next slot's positive, logQ = log(c_j/|S|) + log(1/4).
        const j0 = out.items[sl * k]
        if (j0 !== 20 + ((sl + 1) % B)) bad0++
        if (Math.abs(out.logQ[sl * k] - (Math.log(Math.max(c[j0], 1) / total) + Math.log(1 / 4))) > 1e-5) badQ++
        // Part 1 (k_1 = 3): uniform over the 28 non-positives, logQ = −log 28 + log(3/4).
        for (let d = 1; d < k; d++) {
          if (sl === 0) counts[out.items[sl * k + d]]++
          if (Math.abs(out.logQ[sl * k + d] - q1) > 1e-5) badQ++
        }
      }
    }
    expect(bad0, 'in-batch part draws that are not the next slot’s positive').toBe(0)
    expect(badQ, 'draws with a wrong logQ').toBe(0)
    const law = Float64Array.from({ length: n }, (_, j) => (j === 0 || j === 10 ? 0 : 1))
    expect(chiSquare(counts, law).pValue).toBeGreaterThan(ALPHA)
  })

  it('takes trials from the first part and the union of requires', () => {
    const train = csrFromRows([[0, 1], [2]], 20)
    const s = createSampler({
      kind: 'mixed',
      parts: [
        { sampler: { kind: 'adaptive', variant: 'warp', margin: 0 }, share: 1 },
        { sampler: { kind: 'uniform' }, share: 1 },
      ],
    })
    expect(s.requires).toEqual({ scorer: true })
    s.prepare({ train, rng: createRng(42).fork('sampler'), scorer: itemIdScorer(2, 20) })
    const batch = createBatch(2)
    batch.size = 2
    batch.users.set([0, 1])
    batch.positives.set([1, 19]) // slot 1 (score 19, margin 0) has no violator
    const out = createNegativeBuffer(2, 2)
    s.sample(batch, out)
    expect(out.items[2]).toBe(-1)
    expect(out.trials[1]).toBe(100)
    expect(out.items[3]).toBeGreaterThanOrEqual(0)
  })

  it('passes top-level common fields to every part and checks its config', () => {
    const s = createSampler({ kind: 'mixed', excludePositives: false })
    const parts = (s.config as unknown as { parts: { sampler: { excludePositives: boolean } }[] }).parts
    expect(parts.map((p) => p.sampler.excludePositives)).toEqual([false, false])
    expect(() => createSampler({ kind: 'mixed', parts: [] })).toThrow(/parts/)
    expect(() => createSampler({ kind: 'mixed', parts: [{ sampler: { kind: 'uniform' }, share: 0 }] })).toThrow(/share/)
    expect(() => createSampler({ kind: 'mixed', parts: [{ sampler: { kind: 'nope' }, share: 1 }] })).toThrow(
      /parts\[0\].*unknown sampler kind/,
    )
    expect(() => createSampler({ kind: 'mixed', alpha: 1 })).toThrow(/unknown config field "alpha"/)
  })

  it('builds custom kinds of its parts through the registry', () => {
    const s = createSampler(
      { kind: 'mixed', parts: [{ sampler: { kind: 'mine' }, share: 1 }] },
      { custom: { mine: () => uniformSampler({ maxTrials: 5 }) } },
    )
    expect((s.config as unknown as { parts: { sampler: { kind: string } }[] }).parts[0].sampler.kind).toBe('uniform')
  })
})
