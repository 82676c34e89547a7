/**
 * Uniform negatives over the complement of the user's training positives (BPR's sampler).
 */
import type { Batch, NegativeBuffer, NegativeSampler, SamplerConfig, SamplerContext, SamplerStats } from '@decoy/core'
import { checkConfig, checkSampleArgs, commonFields, type CommonOptions, type Resolved } from './config.js'
import { buildExclusion, isPositive, nthNonPositive, type Exclusion } from './exclusion.js'
import { SamplerStatsCounter } from './stats.js'

/** Options of {@link uniformSampler}: the common ones only. */
export interface UniformOptions extends CommonOptions {}

/** JSON config of {@link uniformSampler}. */
export interface UniformConfig extends SamplerConfig, UniformOptions {
  readonly kind: 'uniform'
}

/**
 * j ~ U(I \ I_u⁺): uniform over the items that are not training positives of the slot's user.
 *
 * Draws j uniformly from all items and rejects training positives (binary search of the sorted
 * CSR row, or a bitset for heavy users) up to `maxTrials` times, then draws exactly over the
 * complement by rank ({@link nthNonPositive}). `logQ = −log(|I| − |I_u⁺|)`; without exclusion
 * `logQ = −log |I|`.
 *
 * @param options - `excludePositives` (default true), `allowMasked` (default false), `maxTrials` (default 32).
 * @returns an unprepared sampler; call `prepare({ train, rng, scorer })` before `sample`.
 * @see Rendle, Freudenthaler, Gantner, Schmidt-Thieme, "BPR: Bayesian Personalized Ranking from
 * Implicit Feedback", UAI 2009.
 * @example
 * ```ts
 * const s = uniformSampler()
 * s.prepare({ train, rng: createRng(42).fork('sampler'), scorer: null })
 * s.sample(batch, negatives) // negatives.items[slot * k + d], negatives.logQ[...]
 * ```
 * @remarks O(1) expected per draw (O(log |I_u⁺|) with binary search); allocation only in prepare.
 */
export function uniformSampler(options: UniformOptions = {}): NegativeSampler<UniformConfig> {
  return new UniformSampler(options)
}

class UniformSampler implements NegativeSampler<UniformConfig> {
  readonly config: Resolved<UniformConfig>
  readonly requires = { scorer: false }
  private readonly counter = new SamplerStatsCounter()
  private ex: Exclusion | null = null
  private userLogQ: Float32Array = new Float32Array(0)
  private state: Uint32Array = new Uint32Array(4)
  private numItems = 0
  private readonly tally = new Float64Array(4)

  constructor(options: UniformOptions) {
    checkConfig(options, 'uniform', [])
    this.config = { kind: 'uniform', ...commonFields(options, 'uniform') }
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    this.numItems = train.numItems
    if (!(train.numItems > 0)) throw new Error('uniform sampler: the training data has no items')
    this.state = ctx.rng.state
    this.counter.reset()
    if (this.config.excludePositives) {
      this.ex = buildExclusion(train, 'uniform', { allowMasked: this.config.allowMasked })
      const lq = new Float32Array(train.numUsers)
      for (let u = 0; u < train.numUsers; u++) {
        const m = train.numItems - (train.indptr[u + 1] - train.indptr[u])
        lq[u] = m > 0 ? -Math.log(m) : 0
      }
      this.userLogQ = lq
    } else {
      this.ex = null
    }
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('uniform', this.numItems > 0, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    out.trials.fill(1, 0, size)
    const ex = this.ex
    if (ex === null) {
      uniformDrawAll(out.items, out.logQ, size * k, this.numItems, this.state)
      this.counter.add(size * k, size * k, 0, size, size, 0)
      return
    }
    const t = this.tally
    t.fill(0)
    uniformDrawExcluding(batch.users, size, k, out.items, out.logQ, ex, this.userLogQ, this.config.maxTrials, this.state, t)
    this.counter.add(size * k - t[2], size * k - t[2] - t[3] + t[1], t[1], size, size, t[2], t[3])
  }

  stats(): SamplerStats {
    return this.counter.snapshot()
  }
}

/**
 * Fills `items[0..n)` with uniform item ids in [0, numItems) and `logQ` with −log numItems.
 * @remarks O(n), allocates nothing; xoshiro128+ inlined (same stream as `prngNext`).
 * @internal
 */
export function uniformDrawAll(items: Int32Array, logQ: Float32Array, n: number, numItems: number, state: Uint32Array): void {
  let s0 = state[0] | 0
  let s1 = state[1] | 0
  let s2 = state[2] | 0
  let s3 = state[3] | 0
  const scale = numItems * 2.3283064365386963e-10
  const lq = -Math.log(numItems)
  for (let o = 0; o < n; o++) {
    const r = (s0 + s3) >>> 0
    const t = s1 << 9
    const a2 = s2 ^ s0
    const a3 = s3 ^ s1
    s1 ^= a2
    s0 ^= a3
    s2 = a2 ^ t
    s3 = (a3 << 11) | (a3 >>> 21)
    items[o] = (r * scale) | 0
    logQ[o] = lq
  }
  state[0] = s0
  state[1] = s1
  state[2] = s2
  state[3] = s3
}

/**
 * Uniform draws over each slot's complement I \ I_u⁺: rejection with at most `maxTrials` tries,
 * then the exact rank fallback. Users without any non-positive get -1 (prepare already refused
 * them unless masking is allowed).
 *
 * @param tally - `[_, rejected, masked, fallbacks]` accumulators (index 0 unused).
 * @remarks O(size·k) expected; allocates nothing.
 * @internal
 */
export function uniformDrawExcluding(
  users: Int32Array,
  size: number,
  k: number,
  items: Int32Array,
  logQ: Float32Array,
  ex: Exclusion,
  userLogQ: Float32Array,
  maxTrials: number,
  state: Uint32Array,
  tally: Float64Array,
): void {
  const indptr = ex.indptr
  const rows = ex.items
  const bitOffset = ex.bitOffset
  const bits = ex.bits
  const numItems = ex.numItems
  const scale = numItems * 2.3283064365386963e-10
  let s0 = state[0] | 0
  let s1 = state[1] | 0
  let s2 = state[2] | 0
  let s3 = state[3] | 0
  let rejected = 0
  let masked = 0
  let fallbacks = 0
  // Phase 1: every candidate (pure arithmetic); phase 2 tests them in a tight loop whose
  // independent loads overlap, then redraws the rare rejected ones.
  const total = size * k
  for (let o = 0; o < total; o++) {
    const r = (s0 + s3) >>> 0
    const t = s1 << 9
    const a2 = s2 ^ s0
    const a3 = s3 ^ s1
    s1 ^= a2
    s0 ^= a3
    s2 = a2 ^ t
    s3 = (a3 << 11) | (a3 >>> 21)
    items[o] = (r * scale) | 0
  }
  for (let s = 0; s < size; s++) {
    const u = users[s]
    const len = indptr[u + 1] - indptr[u]
    const base = s * k
    if (len >= numItems) {
      for (let d = 0; d < k; d++) {
        items[base + d] = -1
        logQ[base + d] = 0
      }
      masked += k
      continue
    }
    const lq = userLogQ[u]
    for (let d = 0; d < k; d++) {
      logQ[base + d] = lq
      if (len === 0 || !isPositive(indptr, rows, bitOffset, bits, u, items[base + d])) continue
      rejected++
      let j = -1
      for (let tr = 1; tr < maxTrials; tr++) {
        const r = (s0 + s3) >>> 0
        const t = s1 << 9
        const a2 = s2 ^ s0
        const a3 = s3 ^ s1
        s1 ^= a2
        s0 ^= a3
        s2 = a2 ^ t
        s3 = (a3 << 11) | (a3 >>> 21)
        const c = (r * scale) | 0
        if (!isPositive(indptr, rows, bitOffset, bits, u, c)) {
          j = c
          break
        }
        rejected++
      }
      if (j < 0) {
        const r = (s0 + s3) >>> 0
        const t = s1 << 9
        const a2 = s2 ^ s0
        const a3 = s3 ^ s1
        s1 ^= a2
        s0 ^= a3
        s2 = a2 ^ t
        s3 = (a3 << 11) | (a3 >>> 21)
        j = nthNonPositive(indptr, rows, u, (r * 2.3283064365386963e-10 * (numItems - len)) | 0)
        fallbacks++
      }
      items[base + d] = j
    }
  }
  state[0] = s0
  state[1] = s1
  state[2] = s2
  state[3] = s3
  tally[1] += rejected
  tally[2] += masked
  tally[3] += fallbacks
}
