import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, type Scorer } from '@decoy/core'
import { dynamicSampler } from '@decoy/samplers'
import { countDraws, csrFromRows, itemIdScorer } from '@decoy/testkit'

describe('dynamic sampler (SRNS)', () => {
  it('converges to the hardest negatives of a fixed scorer, never a positive', () => {
    const train = csrFromRows([[39, 37, 20], [1]], 40)
    const s = dynamicSampler({ memory: 4, refresh: 4, temperature: 0.1 })
    s.prepare({ train, rng: createRng(31).fork('sampler'), scorer: itemIdScorer(2, 40) })
    countDraws(s, train, 0, 2_000, { checkLogQ: false }) // let the memory settle
    const res = countDraws(s, train, 0, 10_000, { checkLogQ: false })
    expect(res.counts[39] + res.counts[37] + res.counts[20]).toBe(0)
    expect(res.counts[38] / 10_000).toBeGreaterThan(0.99) // the top non-positive
    expect(res.logQ[38]).toBeCloseTo(-Math.log(37), 6)
    expect(s.stats().hardness).toBeGreaterThan(0.9)
  })

  it('prefers a high-variance item over a stable false-negative-like one once α_t > 0', () => {
    // Item 0: score 1 every epoch (stable). Item 1: 1.4 on odd epochs, 0.4 on even ones (std ≈ 0.49).
    const train = csrFromRows([[], [0]], 4)
    let epoch = 0
    const scorer: Scorer = {
      scoreItems(_u, items, count, out) {
        for (let c = 0; c < count; c++) {
          const j = items[c]
          out[c] = j === 0 ? 1 : j === 1 ? (epoch % 2 === 1 ? 1.4 : 0.4) : 0
        }
      },
    }
    const s = dynamicSampler({ memory: 4, refresh: 4, alpha: 2, warmup: 1, history: 5, temperature: 100 })
    s.prepare({ train, rng: createRng(32).fork('sampler'), scorer })
    const b = createBatch(32)
    b.size = 32
    const out = createNegativeBuffer(32, 1)
    const chosenAtEven: number[] = []
    for (epoch = 0; epoch < 12; epoch++) {
      s.sample(b, out)
      if (epoch % 2 === 0) chosenAtEven.push(out.items[31])
      s.onEpochEnd!(epoch)
    }
    // Before H = 5 epochs α_t = 0: the stable item wins at even epochs; afterwards variance wins.
    expect(chosenAtEven.slice(0, 3)).toEqual([0, 0, 0])
    expect(chosenAtEven.slice(3)).toEqual([1, 1, 1])
  })

  it('scores at most S1 + S2 items per call: no user × item score matrix', () => {
    const train = csrFromRows([[1, 2], [3]], 50)
    let maxCount = 0
    const inner = itemIdScorer(2, 50)
    const scorer: Scorer = {
      scoreItems(u, items, count, out) {
        maxCount = Math.max(maxCount, count)
        inner.scoreItems(u, items, count, out)
      },
    }
    const s = dynamicSampler({ memory: 5, refresh: 3 })
    s.prepare({ train, rng: createRng(33).fork('sampler'), scorer })
    countDraws(s, train, 1, 500, { checkLogQ: false })
    expect(maxCount).toBe(8)
  })

  it('keep N yields the N top memory slots per step (descending score, never a positive), one step per N draws', () => {
    const train = csrFromRows([[39, 37, 20], [1]], 40)
    let pairsScored = 0
    let calls = 0
    const inner = itemIdScorer(2, 40)
    const scorer: Scorer = {
      scoreItems: inner.scoreItems,
      scoreBatch(_users, items, count, out) {
        calls++
        pairsScored += count
        for (let c = 0; c < count; c++) out[c] = items[c] < 0 ? -Infinity : items[c]
      },
    }
    const s = dynamicSampler({ memory: 8, refresh: 8, keep: 4, temperature: 0.1 })
    s.prepare({ train, rng: createRng(34).fork('sampler'), scorer })
    const b = createBatch(64)
    b.size = 64
    for (let i = 0; i < 64; i++) b.users[i] = i % 2
    const out = createNegativeBuffer(64, 4)
    for (let rep = 0; rep < 30; rep++) s.sample(b, out)
    // 32 slots per user, one step each (k = N = 4): 32 rounds of one batched call, 2 users × 16 pairs.
    expect(calls).toBe(30 * 32)
    expect(pairsScored).toBe(30 * 64 * 16)
    for (let sl = 0; sl < 64; sl += 2) {
      const got = Array.from(out.items.subarray(sl * 4, sl * 4 + 4))
      for (const j of got) expect([39, 37, 20]).not.toContain(j)
      for (let d = 1; d < 4; d++) expect(got[d - 1]).toBeGreaterThanOrEqual(got[d])
    }
    // Settled memory of user 0 at τ = 0.1: the top non-positives 38, 36, 35, 34.
    expect(Array.from(out.items.subarray(62 * 4, 63 * 4))).toEqual([38, 36, 35, 34])
    expect(() => dynamicSampler({ memory: 4, keep: 5 })).toThrow(/"keep" must be .*4/)
  })

  it('batched rounds: a repeated user’s next step sees the memory its previous step left', () => {
    const train = csrFromRows([[5, 9], [0, 1, 2], [], [30]], 50)
    const inner = itemIdScorer(4, 50)
    // Records the candidates gathered per user per call: memory first (S1), then fresh (S2).
    const gathered = new Map<number, number[][]>()
    const scorer: Scorer = {
      scoreItems: inner.scoreItems,
      scoreBatch(users, items, count, out) {
        for (let c = 0; c < count; c += 11) {
          const u = users[c]
          if (!gathered.has(u)) gathered.set(u, [])
          gathered.get(u)!.push(Array.from(items.subarray(c, c + 11)))
        }
        for (let c = 0; c < count; c++) out[c] = items[c]
      },
    }
    // τ tiny: the kept memory is the top S1 distinct candidates by score, deterministically.
    const s = dynamicSampler({ memory: 6, refresh: 5, temperature: 1e-4 })
    s.prepare({ train, rng: createRng(35).fork('sampler'), scorer })
    const b = createBatch(10)
    b.size = 10
    b.users.set([0, 1, 0, 2, 0, 3, 1, 1, 2, 0])
    s.sample(b, createNegativeBuffer(10, 2))
    for (const [u, steps] of gathered) {
      expect(steps.length).toBe(2 * b.users.filter((x) => x === u).length)
      for (let t = 1; t < steps.length; t++) {
        const prev = [...new Set(steps[t - 1])].sort((x, y) => y - x).slice(0, 6)
        expect([...steps[t].slice(0, 6)].sort((x, y) => y - x)).toEqual(prev)
      }
    }
  })
})
