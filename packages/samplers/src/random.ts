/**
 * Negatives taken from the training log itself: the item of a uniformly drawn interaction.
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
import { checkConfig, checkSampleArgs, commonFields, type CommonOptions, type Resolved } from './config.js'
import { SamplerStatsCounter } from './stats.js'
import { buildWeightedLaw, weightedDraw, type WeightedLaw } from './weighted.js'

/** Options of {@link randomSampler}: the common ones only. */
export interface RandomOptions extends CommonOptions {}

/** JSON config of {@link randomSampler}. */
export interface RandomConfig extends SamplerConfig, RandomOptions {
  readonly kind: 'random'
}

/**
 * j = the item of a uniformly drawn training interaction, i.e. P(j) = c_j / nnz: popularity-
 * proportional *through the data*, the way implicit's BPR draws its negatives. Named `random`
 * (not `uniform`) so that the difference is visible in every config.
 *
 * With exclusion, positives are rejected (bounded retries) then drawn exactly from the complement
 * by count; `logQ = log(c_j / nnz) − log(1 − P(I_u⁺))` from exact counts.
 *
 * @param options - `excludePositives` (true), `allowMasked` (false), `maxTrials` (32).
 * @returns an unprepared sampler.
 * @see benfred/implicit #255 ("Wrong sampling procedure in BPR?"): implicit samples `itemids[random nnz]`.
 * @see Rendle et al., "BPR", UAI 2009, whose sampler is `uniform` instead.
 * @example
 * ```ts
 * const s = randomSampler()
 * s.prepare({ train, rng: createRng(1).fork('sampler'), scorer: null })
 * ```
 * @remarks O(1) expected per draw; allocation only in prepare (counts, per-user mass, prefix sums).
 */
export function randomSampler(options: RandomOptions = {}): NegativeSampler<RandomConfig> {
  return new RandomSampler(options)
}

class RandomSampler implements NegativeSampler<RandomConfig> {
  readonly config: Resolved<RandomConfig>
  readonly requires = { scorer: false }
  private readonly counter = new SamplerStatsCounter()
  private law: WeightedLaw | null = null
  private data: Int32Array = new Int32Array(0)
  private state: Uint32Array = new Uint32Array(4)
  private readonly tally = new Float64Array(4)
  private static readonly noTable = new Uint32Array(0)
  private static readonly noTableF = new Float32Array(0)

  constructor(options: RandomOptions) {
    checkConfig(options, 'random', [])
    this.config = { kind: 'random', ...commonFields(options, 'random') }
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    if (!(train.numItems > 0)) throw new Error('random sampler: the training data has no items')
    const nnz = train.indptr[train.numUsers]
    if (!(nnz > 0)) throw new Error('random sampler: the training data has no interactions')
    const counts = itemCounts(train)
    const w = new Float64Array(train.numItems)
    for (let j = 0; j < w.length; j++) w[j] = counts[j]
    this.law = buildWeightedLaw(train, w, 'random', this.config.excludePositives ?? true, this.config.allowMasked ?? false)
    this.data = train.items.subarray(0, nnz)
    this.state = ctx.rng.state
    this.counter.reset()
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('random', this.law !== null, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    out.trials.fill(1, 0, size)
    const t = this.tally
    t.fill(0)
    weightedDraw(
      batch.users,
      size,
      k,
      out.items,
      out.logQ,
      this.law!,
      RandomSampler.noTable,
      RandomSampler.noTableF,
      this.data,
      this.config.maxTrials ?? 32,
      this.state,
      t,
    )
    this.counter.add(size * k - t[2], size * k - t[2] - t[3] + t[1], t[1], size, size, t[2], t[3])
  }

  stats(): SamplerStats {
    return this.counter.snapshot()
  }
}
