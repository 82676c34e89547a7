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
})
