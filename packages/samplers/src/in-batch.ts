/**
 * In-batch negatives: each slot's negatives are other slots' positives, with a frequency-based logQ
 * (exact from the training counts, or streamed as in Yi et al. 2019).
 */
import {
  itemCounts,
  type Batch,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type SamplerContext,
  type SamplerStats,
} from '@decoy/core'
import { prngNext } from '@decoy/core/kernels'
import { checkConfig, checkSampleArgs, commonFields, enumField, numberField, type CommonOptions } from './config.js'
import { buildExclusion, isPositive, type Exclusion } from './exclusion.js'
import { freqStreamGap, freqStreamUpdate } from './kernels/freq-streaming.js'
import { SamplerStatsCounter } from './stats.js'

/** Options of {@link inBatchSampler}. */
export interface InBatchOptions extends CommonOptions {
  /** Which other slots a slot takes: `'random'` (default, seeded draw with replacement) or `'shift'` (slots s+1 … s+k, cyclic). */
  readonly pick?: 'random' | 'shift'
  /** Source of q(j): `'exact'` (default, training counts) or `'streaming'` (Yi et al. 2019, Alg. 2/3). */
  readonly frequency?: 'exact' | 'streaming'
  /** Streaming: buckets H per hash array; 0 = |I| (default; with `hashes: 1` a collision-free identity hash). */
  readonly hashSize?: number
  /** Streaming: number m of hash arrays (1 = Algorithm 2, > 1 = Algorithm 3; default 1). */
  readonly hashes?: number
  /** Streaming: learning rate α of the gap estimate (default 0.01). */
  readonly learningRate?: number
}

/** JSON config of {@link inBatchSampler}. */
export interface InBatchConfig extends SamplerConfig, InBatchOptions {
  readonly kind: 'in-batch'
}

/**
 * Negatives for slot s are the positives of other slots of the same batch (the two-tower
 * in-batch softmax), with the sampling-bias correction of Yi et al. 2019.
 *
 * `pick: 'random'` (default) draws each of the k negatives from a uniformly chosen other slot
 * (seeded, with replacement), so a draw equals j with probability (occurrences of j among the
 * other slots)/(B − 1). `pick: 'shift'` takes slots s+1, …, s+k cyclically (no randomness; with
 * k = B − 1 it is the full B×B in-batch softmax; k > B − 1 wraps around).
 *
 * `logQ` is the per-draw probability of the item. `frequency: 'exact'`: log(c_j / |S|), the
 * training frequency, i.e. the marginal law of a draw when batches are filled with uniformly drawn
 * (or shuffled) training pairs. `frequency: 'streaming'` (Yi et al. 2019, Algorithm 2): arrays A, B
 * of size H and a hash h; at global step t (one per `sample` call) each batch positive y updates
 * B[h(y)] ← (1−α)·B[h(y)] + α·(t − A[h(y)]), A[h(y)] ← t; p̂(y) = 1/B[h(y)] estimates y's
 * occurrences per batch, and logQ = log(p̂(y)/B_size), the per-draw scale of the exact mode (so
 * mixed samplers can combine streams). `hashes: m > 1` is Algorithm 3 (p̂ = 1/max_i B_i[h_i(y)]).
 * A bucket seen for the first time takes B = t (see `freqStreamUpdate`).
 *
 * Accidental hits are masked as -1 (with logQ 0): the slot's own positive always, and, with
 * `excludePositives` (default true), any training positive of the slot's user (TFRS masks only the
 * former). Masking rather than redrawing keeps the in-batch law; `maxTrials` is not used. A slot
 * with no other slot (batch of one) is masked. A user owning every item is refused at prepare,
 * or masked with `allowMasked: true`.
 *
 * @param options - see {@link InBatchConfig}.
 * @returns an unprepared sampler (`requires.minBatch = 2`).
 * @see Yi, Yang, Hong, Cheng, Heldt, Kumthekar, Zhao, Wei, Chi, "Sampling-Bias-Corrected Neural
 * Modeling for Large Corpus Item Recommendations", RecSys 2019.
 * @see tensorflow/recommenders #219 (the correction is subtracted: s − log p), #535.
 * @example
 * ```ts
 * const s = inBatchSampler({ frequency: 'streaming', learningRate: 0.01 })
 * s.prepare({ train, rng: createRng(42).fork('sampler'), scorer: null })
 * s.sample(batch, negatives) // negatives.items[s*k + d] is another slot's positive, or -1
 * ```
 * @remarks O(B·k·log |I_u⁺|) per batch plus O(B·m) for streaming; allocation only in prepare.
 */
export function inBatchSampler(options: InBatchOptions = {}): NegativeSampler<InBatchConfig> {
  return new InBatchSampler(options)
}

class InBatchSampler implements NegativeSampler<InBatchConfig> {
  readonly config: InBatchConfig
  readonly requires = { scorer: false, minBatch: 2 }
  private readonly counter = new SamplerStatsCounter()
  private ex: Exclusion | null = null
  private state: Uint32Array = new Uint32Array(4)
  private prepared = false
  private logFreq = new Float32Array(0)
  private last = new Float64Array(0)
  private gap = new Float64Array(0)
  private seeds: Uint32Array | null = null
  private size = 0
  private step = 0

  constructor(options: InBatchOptions) {
    checkConfig(options, 'in-batch', ['pick', 'frequency', 'hashSize', 'hashes', 'learningRate'])
    const pick = enumField(options, 'in-batch', 'pick', ['random', 'shift'] as const, 'random')
    const frequency = enumField(options, 'in-batch', 'frequency', ['exact', 'streaming'] as const, 'exact')
    const hashSize = numberField(options, 'in-batch', 'hashSize', 0, { min: 0, max: 1 << 30, integer: true })
    const hashes = numberField(options, 'in-batch', 'hashes', 1, { min: 1, max: 64, integer: true })
    const learningRate = numberField(options, 'in-batch', 'learningRate', 0.01, { min: 0, max: 1, exclusiveMin: true })
    if (frequency === 'exact' && (options.hashSize !== undefined || options.hashes !== undefined || options.learningRate !== undefined)) {
      throw new Error('in-batch sampler: hashSize, hashes and learningRate apply to frequency "streaming" only')
    }
    this.config =
      frequency === 'exact'
        ? { kind: 'in-batch', pick, frequency, ...commonFields(options, 'in-batch') }
        : { kind: 'in-batch', pick, frequency, hashSize, hashes, learningRate, ...commonFields(options, 'in-batch') }
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    const n = train.numItems
    if (!(n > 0)) throw new Error('in-batch sampler: the training data has no items')
    this.state = ctx.rng.state
    this.counter.reset()
    this.ex = this.config.excludePositives ? buildExclusion(train, 'in-batch', { allowMasked: this.config.allowMasked }) : null
    if (this.config.frequency === 'exact') {
      const counts = itemCounts(train)
      let total = 0
      for (let j = 0; j < n; j++) total += counts[j]
      if (!(total > 0)) throw new Error('in-batch sampler: the training data has no interactions')
      const lf = new Float32Array(n)
      const lt = Math.log(total)
      // An item absent from training cannot be a batch positive of training batches; count it as 1
      // rather than give it logQ = −∞ if a caller's batches include it anyway.
      for (let j = 0; j < n; j++) lf[j] = Math.log(counts[j] > 0 ? counts[j] : 1) - lt
      this.logFreq = lf
    } else {
      const m = this.config.hashes as number
      const h = (this.config.hashSize as number) > 0 ? (this.config.hashSize as number) : n
      this.size = h
      this.last = new Float64Array(m * h)
      this.gap = new Float64Array(m * h)
      if (m === 1 && h >= n) this.seeds = null
      else {
        const seedRng = ctx.rng.fork('hash')
        const seeds = new Uint32Array(m)
        for (let i = 0; i < m; i++) seeds[i] = seedRng.nextU32()
        this.seeds = seeds
      }
      this.step = 0
    }
    this.prepared = true
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('in-batch', this.prepared, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    const items = out.items
    const logQ = out.logQ
    const users = batch.users
    const positives = batch.positives
    const ex = this.ex
    const streaming = this.config.frequency === 'streaming'
    const shift = this.config.pick === 'shift'
    const state = this.state
    out.trials.fill(1, 0, size)
    let m = 1
    let h = 0
    let seeds: Uint32Array | null = null
    let logPerDraw = 0
    if (streaming) {
      this.step++
      m = this.config.hashes as number
      h = this.size
      seeds = this.seeds
      freqStreamUpdate(this.last, this.gap, h, m, seeds, positives, size, this.step, this.config.learningRate as number)
      logPerDraw = Math.log(size)
    }
    const logFreq = this.logFreq
    const gap = this.gap
    let drawn = 0
    let hits = 0
    let masked = 0
    const others = size - 1
    for (let s = 0; s < size; s++) {
      const u = users[s]
      const own = positives[s]
      const base = s * k
      if (others <= 0) {
        for (let d = 0; d < k; d++) {
          items[base + d] = -1
          logQ[base + d] = 0
        }
        masked += k
        continue
      }
      for (let d = 0; d < k; d++) {
        let t: number
        if (shift) {
          t = s + 1 + (d % others)
          if (t >= size) t -= size
        } else {
          t = Math.floor(prngNext(state) * 2.3283064365386963e-10 * others)
          if (t >= s) t++
        }
        const j = positives[t]
        if (j < 0 || j === own || (ex !== null && isPositive(ex.indptr, ex.items, ex.bitOffset, ex.bits, u, j))) {
          items[base + d] = -1
          logQ[base + d] = 0
          if (j >= 0) hits++
          masked++
          continue
        }
        items[base + d] = j
        logQ[base + d] = streaming ? -Math.log(freqStreamGap(gap, h, m, seeds, j)) - logPerDraw : logFreq[j]
        drawn++
      }
    }
    this.counter.add(drawn, size * k, hits, size, size, masked)
  }

  stats(): SamplerStats {
    return { ...this.counter.snapshot(), step: this.step }
  }
}
