/**
 * The conformance suite every `NegativeSampler` passes (tfjs `describeWithFlags` / implicit's
 * test mixin style): call `describeSampler` inside a test file, once per strategy.
 */
import { describe, expect, it } from 'vitest'
import {
  createBatch,
  createNegativeBuffer,
  createRng,
  type FactorView,
  type Interactions,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type Scorer,
} from '@decoy/core'
import { fillBatch, randomFactorView, samplerFixture } from './fixtures.js'

/** Options of {@link describeSampler}. */
export interface SamplerSuiteOptions {
  /** The registry (`createSampler` from `@decoy/samplers/registry`), for the config round-trip. */
  create: (config: SamplerConfig) => NegativeSampler
  /** Scorer handed to model-aware samplers (default: a seeded 4-dim random-factor FactorView). */
  scorer?: (train: Interactions) => Scorer | FactorView
  /** Draws per slot (default 3). */
  k?: number
  /** Slots per batch (default 16, or `requires.minBatch` when larger). */
  batchSize?: number
  /** The sampler accepts `allowMasked: true` and then masks users without negatives as -1 (default true). */
  masking?: boolean
  /** Without `allowMasked`, prepare refuses a user who has every item (default true). */
  refusesSaturated?: boolean
  /** Draws depend on the stream (default true); false for samplers fully determined by the batch. */
  random?: boolean
}

interface Run {
  items: Int32Array
  logQ: Float32Array
  users: Int32Array
}

function run(
  s: NegativeSampler,
  train: Interactions,
  seed: string,
  scorer: Scorer | null,
  k: number,
  size: number,
  batches: number,
  skip: number[] = [],
): Run {
  s.prepare({ train, rng: createRng(seed).fork('sampler'), scorer })
  const cap = size + 5
  const batch = createBatch(cap)
  const out = createNegativeBuffer(cap, k)
  const items = new Int32Array(batches * size * k)
  const logQ = new Float32Array(batches * size * k)
  const users = new Int32Array(batches * size)
  let pos = 0
  for (let b = 0; b < batches; b++) {
    pos = fillBatch(train, batch, size, pos, skip)
    s.sample(batch, out)
    items.set(out.items.subarray(0, size * k), b * size * k)
    logQ.set(out.logQ.subarray(0, size * k), b * size * k)
    users.set(batch.users.subarray(0, size), b * size)
  }
  return { items, logQ, users }
}

function isRowMember(train: Interactions, u: number, j: number): boolean {
  for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) if (train.items[p] === j) return true
  return false
}

/**
 * Registers a vitest `describe` block checking the `NegativeSampler` contract for the sampler
 * built by `make`: output shape and untouched tail, never a known positive when excluding, -1
 * masking of users without negatives, same seed ⇒ identical draws, different forks ⇒ different
 * draws, config round-trip through the registry, `requires` honoured, and `stats().draws`.
 *
 * @param name - label of the block.
 * @param make - builds a fresh, unprepared sampler.
 * @param opts - see {@link SamplerSuiteOptions}.
 * @example
 * ```ts
 * import { createSampler, samplerKinds } from '@decoy/samplers/registry'
 * for (const kind of samplerKinds) describeSampler(kind, () => createSampler({ kind }), { create: createSampler })
 * ```
 */
export function describeSampler(name: string, make: () => NegativeSampler, opts: SamplerSuiteOptions): void {
  const k = opts.k ?? 3
  const probe = make()
  const minBatch = probe.requires.minBatch ?? 0
  const size = Math.max(opts.batchSize ?? 16, minBatch)
  const excludes = probe.config.excludePositives !== false
  const train = samplerFixture()
  const scorerOf = (x: Interactions): Scorer | null =>
    probe.requires.scorer || probe.requires.factors
      ? (opts.scorer ?? ((t: Interactions) => randomFactorView(t.numUsers, t.numItems, 4, 'testkit')))(x)
      : null

  describe(`NegativeSampler conformance: ${name}`, () => {
    it('writes ids in [-1, numItems), finite logQ, trials ≥ 1, and leaves the tail untouched', () => {
      const s = make()
      s.prepare({ train, rng: createRng('shape').fork('sampler'), scorer: scorerOf(train) })
      const cap = size + 4
      const batch = createBatch(cap)
      const out: NegativeBuffer = createNegativeBuffer(cap, k)
      out.items.fill(-7)
      out.trials.fill(-7)
      fillBatch(train, batch, size, 0)
      s.sample(batch, out)
      for (let o = 0; o < size * k; o++) {
        const j = out.items[o]
        expect(Number.isInteger(j) && j >= -1 && j < train.numItems, `items[${o}] = ${j}`).toBe(true)
        if (j >= 0) expect(Number.isFinite(out.logQ[o]), `logQ[${o}] = ${out.logQ[o]}`).toBe(true)
      }
      for (let o = size * k; o < cap * k; o++) expect(out.items[o]).toBe(-7)
      for (let sl = 0; sl < size; sl++) expect(out.trials[sl]).toBeGreaterThanOrEqual(1)
      expect(s.config.kind).toBeTypeOf('string')
    })

    it.skipIf(!excludes)('never returns a training positive of the slot’s user', () => {
      const s = make()
      const r = run(s, train, 'exclude', scorerOf(train), k, size, 40)
      let real = 0
      for (let b = 0; b < r.users.length; b++) {
        const u = r.users[b]
        for (let d = 0; d < k; d++) {
          const j = r.items[b * k + d]
          if (j < 0) continue
          real++
          expect(isRowMember(train, u, j), `user ${u} got its positive ${j}`).toBe(false)
        }
      }
      expect(real).toBeGreaterThan(0)
    })

    it.skipIf(!excludes || opts.masking === false)('masks a user without negatives as -1 when allowMasked, refuses it otherwise', () => {
      const sat = samplerFixture({ saturated: true })
      const satUser = sat.numUsers - 1
      const masked = opts.create({ ...make().config, allowMasked: true })
      masked.prepare({ train: sat, rng: createRng('mask').fork('sampler'), scorer: scorerOf(sat) })
      const batch = createBatch(size)
      const out = createNegativeBuffer(size, k)
      fillBatch(sat, batch, size, 0)
      for (let sl = 0; sl < size; sl += 2) {
        batch.users[sl] = satUser
        batch.positives[sl] = sl % sat.numItems
      }
      masked.sample(batch, out)
      for (let sl = 0; sl < size; sl++) {
        for (let d = 0; d < k; d++) {
          const j = out.items[sl * k + d]
          if (batch.users[sl] === satUser) expect(j, `saturated slot ${sl}`).toBe(-1)
          else if (j >= 0) expect(isRowMember(sat, batch.users[sl], j)).toBe(false)
        }
      }
      const before = masked.stats().masked
      expect(before).toBeGreaterThanOrEqual((size / 2) * k)
      if (opts.refusesSaturated !== false) {
        const strict = opts.create({ ...make().config, allowMasked: false })
        expect(() => strict.prepare({ train: sat, rng: createRng('mask').fork('sampler'), scorer: scorerOf(sat) })).toThrow(/allowMasked/)
      }
    })

    it('gives identical draws for the same seed, config and data', () => {
      const a = run(make(), train, 'same', scorerOf(train), k, size, 3)
      const b = run(make(), train, 'same', scorerOf(train), k, size, 3)
      expect([...b.items]).toEqual([...a.items])
      expect([...b.logQ]).toEqual([...a.logQ])
    })

    it.skipIf(opts.random === false)('gives different draws on different forks', () => {
      const a = run(make(), train, 'fork-a', scorerOf(train), k, size, 3)
      const b = run(make(), train, 'fork-b', scorerOf(train), k, size, 3)
      expect([...b.items]).not.toEqual([...a.items])
    })

    it('round-trips its config through the registry as JSON', () => {
      const s = make()
      const json = JSON.parse(JSON.stringify(s.config)) as SamplerConfig
      const t = opts.create(json)
      expect(t.config).toEqual(s.config)
      expect(t.requires).toEqual(s.requires)
      const a = run(s, train, 'roundtrip', scorerOf(train), k, size, 2)
      const b = run(t, train, 'roundtrip', scorerOf(train), k, size, 2)
      expect([...b.items]).toEqual([...a.items])
    })

    it('honours requires: a scorer-requiring sampler fails at prepare without one', () => {
      const s = make()
      if (s.requires.scorer || s.requires.factors) {
        expect(() => s.prepare({ train, rng: createRng('req').fork('sampler'), scorer: null })).toThrow(/scorer|factor/i)
      } else {
        expect(() => s.prepare({ train, rng: createRng('req').fork('sampler'), scorer: null })).not.toThrow()
      }
      if (s.requires.factors) {
        const plain: Scorer = { scoreItems: (_u, _i, count, out) => out.fill(0, 0, count) }
        expect(() => make().prepare({ train, rng: createRng('req').fork('sampler'), scorer: plain })).toThrow(/factor/i)
      }
    })

    it('counts returned draws in stats()', () => {
      const s = make()
      const r = run(s, train, 'stats', scorerOf(train), k, size, 4)
      let real = 0
      for (let o = 0; o < r.items.length; o++) if (r.items[o] >= 0) real++
      const st = s.stats()
      expect(st.draws).toBe(real)
      expect(st.rejectionRate).toBeGreaterThanOrEqual(0)
      expect(st.rejectionRate).toBeLessThanOrEqual(1)
    })
  })
}
