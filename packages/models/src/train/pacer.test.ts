import { describe, expect, it, vi } from 'vitest'
import { uniformSampler } from '@decoy/samplers'
import { plantedSplit } from '@decoy/testkit'
import { createModel, modelFamily, modelKinds, type CommonFitOptions, type FitProgress, type Model } from '@decoy/models'
import { createPacer, macrotask } from './pacer.js'

const { train } = plantedSplit(3)

function fitOptions(kind: string, extra: CommonFitOptions): CommonFitOptions {
  const family = modelFamily(kind)
  const opts: CommonFitOptions = { seed: 11, epochs: 2, ...extra }
  if (family.usesSampler({})) opts.sampler = uniformSampler()
  // Small batches so that a fit has many steps.
  if (kind !== 'als') opts.batchSize = 32
  return opts
}

async function fitted(kind: string, extra: CommonFitOptions): Promise<Model> {
  const m = createModel({ kind, dim: 8 })
  await m.fit(train, fitOptions(kind, extra))
  return m
}

describe('fit progress and yielding', () => {
  for (const kind of modelKinds) {
    it(`${kind}: yielding after every step and reporting progress leave the model bit-identical`, async () => {
      const plain = await fitted(kind, { yieldEvery: 'never' })
      const seen: FitProgress[] = []
      const paced = await fitted(kind, { yieldEvery: 'batch', onProgress: (p) => void seen.push(p) })
      expect(Buffer.from(paced.serialize()).equals(Buffer.from(plain.serialize()))).toBe(true)
      // Every epoch end is reported, fractions only grow and end at 1.
      const ends = seen.filter((p) => p.step === p.steps)
      expect(ends.map((p) => p.epoch)).toEqual([0, 1])
      for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction)
      expect(seen.at(-1)!.fraction).toBe(1)
      for (const p of seen) {
        expect(p.epochs).toBe(2)
        expect(p.seconds).toBeGreaterThanOrEqual(0)
      }
      if (kind === 'mf' || kind === 'fm' || kind === 'lightgcn') expect(Number.isFinite(ends[0].loss)).toBe(true)
    })
  }

  for (const kind of ['mf', 'item2vec']) {
    it(`${kind} with workers: 2 reports progress too (read from the workers' counters, every epoch end)`, async () => {
      const seen: FitProgress[] = []
      const m = createModel({ kind, dim: 8 })
      await m.fit(train, { ...fitOptions(kind, {}), batchSize: 8, epochs: 3, workers: 2, onProgress: (p) => void seen.push(p) })
      expect(seen.filter((p) => p.step === p.steps).map((p) => p.epoch)).toEqual([0, 1, 2])
      for (let i = 1; i < seen.length; i++) expect(seen[i].fraction).toBeGreaterThanOrEqual(seen[i - 1].fraction)
      for (const p of seen) expect(p.step).toBeLessThanOrEqual(p.steps)
    })
  }

  it('mf: other event-loop work runs during a yielding fit and not during a blocking one', async () => {
    // Count macrotasks that get a turn while fit runs: a setImmediate chain.
    const ticksDuring = async (extra: CommonFitOptions): Promise<number> => {
      let ticks = 0
      let running = true
      const tick = (): void => {
        if (!running) return
        ticks++
        setImmediate(tick)
      }
      const m = createModel({ kind: 'mf', dim: 8 })
      const fit = m.fit(train, { ...fitOptions('mf', extra), epochs: 3 })
      setImmediate(tick)
      await fit
      running = false
      return ticks
    }
    expect(await ticksDuring({ yieldEvery: 'never' })).toBe(0)
    expect(await ticksDuring({ yieldEvery: 'batch' })).toBeGreaterThan(10)
    expect(await ticksDuring({ yieldEvery: 'epoch' })).toBeGreaterThanOrEqual(2)
  })

  it("'auto' yields once its time budget is spent", async () => {
    let clock = 0
    const realNow = performance.now
    performance.now = () => clock
    try {
      const pacer = createPacer({ yieldEvery: 'auto' }, 1, 100)
      clock = 10
      expect(pacer.step(0, 1)).toBe(false)
      clock = 26
      expect(pacer.step(0, 2)).toBe(true)
      clock = 40
      expect(pacer.step(0, 3)).toBe(false)
      const ms = createPacer({ yieldEvery: 5 }, 1, 100)
      clock = 46
      expect(ms.step(0, 1)).toBe(true)
    } finally {
      performance.now = realNow
    }
  })

  it('throttles per-step reports but always reports epoch ends', () => {
    let clock = 0
    const realNow = performance.now
    performance.now = () => clock
    try {
      const seen: FitProgress[] = []
      const pacer = createPacer({ onProgress: (p) => void seen.push(p), yieldEvery: 'never' }, 2, 4)
      expect(pacer.active).toBe(true)
      for (let s = 1; s <= 3; s++) {
        clock += 5
        pacer.step(0, s, 0.5)
      }
      pacer.epochEnd(0, 0.4)
      // t=5 reported, t=10 and t=15 within 16 ms of it; the epoch end always.
      expect(seen.map((p) => [p.step, p.fraction, p.loss])).toEqual([
        [1, 0.125, 0.5],
        [4, 0.5, 0.4],
      ])
      expect(createPacer({ yieldEvery: 'never' }, 1, 1).active).toBe(false)
    } finally {
      performance.now = realNow
    }
  })

  it('defaults to never yielding in Node and rejects unknown forms', () => {
    expect(createPacer({}, 1, 1).active).toBe(false)
    expect(createPacer({}, 1, 1).epochEnd(0)).toBe(false)
    expect(() => createPacer({ yieldEvery: 'sometimes' as never }, 1, 1)).toThrow(/yieldEvery must be 'auto', 'batch'/)
    expect(() => createPacer({ yieldEvery: -1 }, 1, 1)).toThrow(/yieldEvery must be/)
  })

  it('macrotask resolves after pending timers get a chance (not a microtask)', async () => {
    const order: string[] = []
    void Promise.resolve().then(() => order.push('micro'))
    setImmediate(() => order.push('immediate'))
    await macrotask()
    order.push('after')
    expect(order.indexOf('micro')).toBeLessThan(order.indexOf('after'))
    expect(order.indexOf('immediate')).toBeLessThan(order.indexOf('after'))
  })

  it('in a browser (no setImmediate), turns go through MessageChannel and, every 40 ms, behind due timers', async () => {
    vi.stubGlobal('setImmediate', undefined)
    try {
      // The first turn (long since the last timer turn) queues behind a due timer.
      const order: string[] = []
      setTimeout(() => order.push('timer'), 0)
      await new Promise((r) => setTimeout(r, 5))
      const due: string[] = []
      setTimeout(() => due.push('timer'), 0)
      await macrotask()
      expect(due).toEqual(['timer'])
      // Right after, a turn is a posted message: it does not wait for a timer.
      const seen: string[] = []
      setTimeout(() => seen.push('timer'), 20)
      await macrotask()
      expect(seen).toEqual([])
      expect(order).toEqual(['timer'])
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
