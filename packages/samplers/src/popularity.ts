/**
 * Unigram^α negatives (word2vec's noise distribution) through a Vose alias table.
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
import { aliasBuild } from '@decoy/core/kernels'
import { checkConfig, checkSampleArgs, commonFields, numberField, type CommonOptions } from './config.js'
import { SamplerStatsCounter } from './stats.js'
import { buildWeightedLaw, packAlias, weightedDraw, type WeightedLaw } from './weighted.js'

/** Options of {@link popularitySampler}. */
export interface PopularityOptions extends CommonOptions {
  /** Exponent α of P(j) ∝ (c_j + smoothing)^α; any finite real (default 0.75). */
  readonly alpha?: number
  /** Additive count smoothing ≥ 0 (default 0); > 0 lets never-seen items be drawn. */
  readonly smoothing?: number
}

/** JSON config of {@link popularitySampler}. */
export interface PopularityConfig extends SamplerConfig, PopularityOptions {
  readonly kind: 'popularity'
}

/**
 * The weights of the unigram^α law: `w_j = (c_j + smoothing)^α` when `c_j + smoothing > 0`, else 0.
 *
 * Items with zero smoothed count get **zero mass for every α**, including α ≤ 0 (where `0^α`
 * would be 1 or +∞): α = 0 is uniform over the items that occur in training, α < 0 favours the
 * rare ones among them. Use `smoothing > 0` to give never-seen items mass.
 *
 * @param counts - interaction count per item.
 * @param alpha - the exponent (word2vec: 0.75).
 * @param smoothing - additive count smoothing ≥ 0.
 * @returns `Float64Array` of weights (not normalised).
 * @remarks O(|I|); allocates the output.
 */
export function popularityWeights(counts: ArrayLike<number>, alpha: number, smoothing = 0): Float64Array {
  const n = counts.length
  const w = new Float64Array(n)
  for (let j = 0; j < n; j++) {
    const c = counts[j] + smoothing
    w[j] = c > 0 ? Math.pow(c, alpha) : 0
  }
  return w
}

/**
 * The normalised unigram^α law P(j) = w_j / Σ w (see {@link popularityWeights}).
 * @example
 * ```ts
 * popularityLaw([10000, 500, 200], 0.75) // word2vec's example: P ∝ count^0.75
 * ```
 */
export function popularityLaw(counts: ArrayLike<number>, alpha: number, smoothing = 0): Float64Array {
  const w = popularityWeights(counts, alpha, smoothing)
  let total = 0
  for (let j = 0; j < w.length; j++) total += w[j]
  if (!(total > 0)) throw new Error('popularityLaw: every item has zero weight')
  for (let j = 0; j < w.length; j++) w[j] /= total
  return w
}

/**
 * P(j) ∝ (c_j + smoothing)^α over the items, drawn in O(1) from a Vose alias table, with exact
 * exclusion of the user's training positives.
 *
 * α = 1 is popularity, α = 0 uniform (over items seen in training), α < 0 favours the tail.
 * With exclusion the proposal actually used is q(j | u) = P(j) / (1 − P(I_u⁺)) for j ∉ I_u⁺:
 * rejection of positives (bounded by `maxTrials`) followed by an exact weighted draw over the
 * complement; `logQ` is `log q(j | u)` from a per-user excluded mass precomputed in prepare.
 * Counts are training interactions per item (`itemCounts(train)`).
 *
 * Defaults (α = 0.75, smoothing 0, maxTrials 32) are word2vec's and suit MovieLens: on
 * ml-latest-small the heaviest users hold a few percent of the α-mass, so rejection almost
 * always succeeds within a couple of trials.
 *
 * @param options - `alpha` (0.75), `smoothing` (0), `excludePositives` (true), `allowMasked` (false), `maxTrials` (32).
 * @returns an unprepared sampler.
 * @see Mikolov, Sutskever, Chen, Corrado, Dean, "Distributed Representations of Words and Phrases
 * and their Compositionality", NeurIPS 2013 (unigram^0.75).
 * @see Caselles-Dupré, Lesaint, Royo-Letelier, "Word2vec applied to recommendation:
 * hyperparameters matter", RecSys 2018 (α as a tuned hyperparameter, negative α).
 * @see Vose, "A linear algorithm for generating random numbers with a given distribution", 1991.
 * @example
 * ```ts
 * const s = popularitySampler({ alpha: 0.75 })
 * s.prepare({ train, rng: createRng(7).fork('sampler'), scorer: null })
 * s.sample(batch, negatives)
 * ```
 * @remarks prepare O(|I| + nnz); sample O(1) expected per draw; allocation only in prepare.
 */
export function popularitySampler(options: PopularityOptions = {}): NegativeSampler<PopularityConfig> & {
  /** P(j) before exclusion, after prepare (a copy). */
  probabilities(): Float64Array
} {
  return new PopularitySampler(options)
}

class PopularitySampler implements NegativeSampler<PopularityConfig> {
  readonly config: Required<PopularityConfig>
  readonly requires = { scorer: false }
  private readonly counter = new SamplerStatsCounter()
  private law: WeightedLaw | null = null
  private table: Uint32Array = new Uint32Array(0)
  private tableF: Float32Array = new Float32Array(0)
  private state: Uint32Array = new Uint32Array(4)
  private readonly tally = new Float64Array(4)

  constructor(options: PopularityOptions) {
    checkConfig(options, 'popularity', ['alpha', 'smoothing'])
    this.config = {
      kind: 'popularity',
      alpha: numberField(options, 'popularity', 'alpha', 0.75),
      smoothing: numberField(options, 'popularity', 'smoothing', 0, { min: 0 }),
      ...commonFields(options, 'popularity'),
    }
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    const n = train.numItems
    if (!(n > 0)) throw new Error('popularity sampler: the training data has no items')
    const w = popularityWeights(itemCounts(train), this.config.alpha, this.config.smoothing)
    this.law = buildWeightedLaw(train, w, 'popularity', this.config.excludePositives, this.config.allowMasked)
    const prob = new Float64Array(n)
    const alias = new Int32Array(n)
    aliasBuild(w, n, prob, alias, new Int32Array(n))
    this.table = packAlias(prob, alias, this.law.logP32, n)
    this.tableF = new Float32Array(this.table.buffer)
    this.state = ctx.rng.state
    this.counter.reset()
  }

  probabilities(): Float64Array {
    const law = this.law
    if (law === null) throw new Error('popularity sampler: probabilities() called before prepare()')
    const p = new Float64Array(law.logP.length)
    for (let j = 0; j < p.length; j++) p[j] = Math.exp(law.logP[j])
    return p
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('popularity', this.law !== null, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    out.trials.fill(1, 0, size)
    const t = this.tally
    t.fill(0)
    weightedDraw(batch.users, size, k, out.items, out.logQ, this.law!, this.table, this.tableF, null, this.config.maxTrials, this.state, t)
    this.counter.add(size * k - t[2], size * k - t[2] - t[3] + t[1], t[1], size, size, t[2], t[3])
  }

  stats(): SamplerStats {
    return this.counter.snapshot()
  }
}
