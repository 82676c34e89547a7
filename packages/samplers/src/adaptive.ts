/**
 * Adaptive samplers whose law follows the model's current ranking: WARP search (reports trials
 * for the rank weight) and AOBPR adaptive oversampling (rank-geometric over per-factor orderings).
 */
import {
  isFactorView,
  scorePairs,
  type Batch,
  type FactorView,
  type Interactions,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type SamplerContext,
  type SamplerStats,
  type Scorer,
} from '@decoy/core'
import { checkAllocation } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { checkConfig, checkSampleArgs, commonFields, enumField, numberField, type CommonOptions } from './config.js'
import { buildExclusion, isPositive, nthNonPositive, type Exclusion } from './exclusion.js'
import {
  aobprAliasPick,
  aobprFactorAlias,
  aobprItemProbHoisted,
  aobprRankAlias,
  aobprRankTable,
  aobprRankTableSize,
  type AobprRankAlias,
  aobprRefresh,
  aobprTopFactors,
  aobprUserLaw,
  type AobprPositions,
} from './kernels/aobpr-order.js'
import { warpFillCandidates } from './kernels/warp-search.js'
import { SamplerStatsCounter } from './stats.js'

/** Options of {@link adaptiveSampler}. Fields of the other variant are rejected. */
export interface AdaptiveOptions extends CommonOptions {
  /** `'warp'` (Weston et al. 2011) or `'aobpr'` (Rendle & Freudenthaler 2014); default `'warp'`. */
  readonly variant?: 'warp' | 'aobpr'
  /** WARP: the margin of the violation test x_uj > x_ui − margin (default 1). */
  readonly margin?: number
  /**
   * WARP: candidates drawn per search before giving up (default 100; LightFM's `max_sampled` is
   * 10). Rejected positives do not count. Named after LightFM because `maxTrials` is the shared
   * rejection-retry bound.
   */
  readonly maxSampled?: number
  /** WARP with k > 1: `trials` of the slot is the first search's count (`'first'`, default) or the rounded mean. */
  readonly trialsOf?: 'first' | 'mean'
  /** AOBPR: λ of P(r) ∝ exp(−r/λ) as a fraction of |I| (default 0.05, ≈ 490 items on ml-latest-small). */
  readonly lambda?: number
  /**
   * AOBPR: training examples (slots) between refreshes of the factor orderings; 0 = ⌈|I|·ln|I|⌉
   * (default 0). Counted in slots, not draws: the orderings go stale as the model takes steps, and
   * with k negatives per slot a count of draws refreshed k times as often for no better proposal
   * (softmax with 8 negatives: same NDCG@10 at 1/8 of the refreshes, 0.63× the fit's CPU time).
   */
  readonly refreshEvery?: number
  /** AOBPR: `'proposal'` (default, O(dim) per draw) or `'exact'` (after exclusion, O(|I_u⁺|·dim) per slot). */
  readonly logQ?: 'proposal' | 'exact'
  /**
   * AOBPR: draw the factor among the user's K factors of largest weight |v_uf|·σ_f only (0, the
   * default: all `dim`, the paper's proposal). The proposal — and its exact logQ, a sum over the
   * chosen factors — then costs O(K) per draw instead of O(dim).
   */
  readonly factors?: number
  /**
   * AOBPR: `'live'` (default, the paper): the user's factor law p(f|u) (which factors, their
   * probabilities and orientations) from the current user vector at every slot. `'refresh'`: from the
   * user vector at the user's first slot after each refresh of the orderings, reused until the next
   * (a proposal as stale as the orderings already are; its logQ stays exact for the law it draws
   * from). Saves the O(dim) per-slot work; costs numUsers·K cached entries.
   */
  readonly userLaw?: 'live' | 'refresh'
}

/** JSON config of {@link adaptiveSampler}. */
export interface AdaptiveConfig extends SamplerConfig, AdaptiveOptions {
  readonly kind: 'adaptive'
}

const WARP_FIELDS = ['variant', 'margin', 'maxSampled', 'trialsOf'] as const
const AOBPR_FIELDS = ['variant', 'lambda', 'refreshEvery', 'logQ', 'factors', 'userLaw'] as const

/**
 * A model-aware sampler that adapts to the current ranking.
 *
 * **`variant: 'warp'`** — WARP search (Weston, Bengio, Usunier 2011). For slot (u, i): draw j
 * uniformly from I \ I_u⁺; a drawn training positive (or i itself) is rejected and **not counted**
 * (lyst/lightfm PR #265); each counted draw is a trial; stop at the first j with
 * x_uj > x_ui − margin, or after `maxSampled` trials. The violator goes to `items`, the trial count
 * N to `trials`, so the loss computes the rank estimate ⌊(|I| − |I_u⁺|)/N⌋ and L(k) = Σ_{r≤k} 1/r.
 * When no violator is found the draw is masked (-1) and `trials = maxSampled` (the paper skips the
 * example). With k > 1 per slot, the slot runs k independent searches (k violators, each uniform
 * over the violators); `trials` is the first search's N (`trialsOf: 'first'`, which keeps the
 * truncated geometric law exactly) or the rounded mean of the k searches (`'mean'`, lower variance;
 * a failed search counts `maxSampled`). The batch's searches run side by side in rounds: every
 * unfinished search draws its next chunk of candidates (1, 2, 4, … per search, fewer when many are
 * still running) and one `scorePairs` call (the model's batched `scoreBatch`) scores the round, the
 * positives first in one call too; each search's candidate stream is its own i.i.d. sequence, so the
 * law of (violator, trials) is that of the one-at-a-time search. `logQ` is the candidate proposal's, −log(|I| − |I_u⁺|)
 * (−log(|I| − 1) without exclusion): the violator is a deterministic function of the uniform
 * candidate stream and the scores, like DNS's argmax; its induced law (uniform over the violator
 * set V) has |V| ≈ (|I| − |I_u⁺|)/N, which the loss already receives through `trials`.
 *
 * **`variant: 'aobpr'`** — adaptive oversampling (Rendle & Freudenthaler 2014, §5). Every
 * `refreshEvery` = ⌈|I|·ln|I|⌉ slots (the paper's |I|·ln|I| draws with one negative per slot), each factor f's items are sorted by v_jf and its
 * spread σ_f is computed. Per draw: a rank r with P(r) ∝ exp(−r/λ) (truncated geometric, sampled
 * exactly by inverse CDF), a factor f with P(f|u) ∝ |v_uf|·σ_f (with `factors: K`, among the
 * user's K factors of largest |v_uf|·σ_f only; logQ is then exact for that law), and the item at position r of f's
 * ordering, descending when v_uf > 0 and ascending otherwise. σ_f is the **standard deviation**
 * (population) of v_·f over items: |v_uf|·σ_f is the spread of factor f's contribution v_uf·v_jf
 * to the scores, so the factor that moves the ranking most is chosen most. (LibRec's AoBPR weights
 * by the variance and computes exp(−(i+1)/λ) with integer division; neither is copied.) Known
 * positives are rejected up to `maxTrials` times, then the draw falls back to uniform over
 * I \ I_u⁺ (exact, reported in `stats().fallbacks`). If every |v_uf|·σ_f is 0 (e.g. zero user
 * factors) the factor is uniform.
 * `logQ`: with `'proposal'`, log q₀(j|u) = log Σ_f P(f|u)·P(r_f(j)), the exact proposal for the
 * current orderings and the live user vector (O(dim) through a position table), **not**
 * renormalised for the rejected positives (−log(|I| − |I_u⁺|) for a fallback draw); it is exact
 * whenever `excludePositives` is false. With `'exact'`, the law after exclusion is reported,
 * q(j|u) = q₀(j)·(1 − m^R)/(1 − m) + m^R/(|I| − |I_u⁺|), with m = Σ_{i∈I_u⁺} q₀(i|u) and R =
 * `maxTrials`: exact, at O(|I_u⁺|·dim) per slot. BPR (the paper's loss) ignores logQ, hence the
 * cheap default.
 *
 * @param options - `variant` and its fields (see {@link AdaptiveConfig}), plus the common
 *   `excludePositives` (default true), `allowMasked`, `maxTrials` (rejection retries, default 32).
 * @returns an unprepared sampler; `prepare` needs a `scorer` (WARP) or a `FactorView` (AOBPR).
 * @see Weston, Bengio, Usunier, "WSABIE: Scaling Up To Large Vocabulary Image Annotation", IJCAI 2011.
 * @see Rendle & Freudenthaler, "Improving Pairwise Learning for Item Recommendation from Implicit
 * Feedback", WSDM 2014.
 * @example
 * ```ts
 * const warp = adaptiveSampler({ variant: 'warp', maxSampled: 100 })
 * warp.prepare({ train, rng: createRng(42).fork('sampler'), scorer: model.scorer() })
 * warp.sample(batch, negatives) // negatives.trials[s] = N for the rank weight
 * const aobpr = adaptiveSampler({ variant: 'aobpr', lambda: 0.05 })
 * ```
 * @remarks WARP: O(N·score) per search. AOBPR: O(dim) per slot and per draw, plus O(dim·|I|) per
 * refresh (radix sort), amortised O(dim/ln|I|) per draw; memory 2·dim·|I| ints. Allocation only in
 * prepare (AOBPR) and prepare/first sample (WARP scratch sized by `maxSampled`).
 */
export function adaptiveSampler(options: AdaptiveOptions = {}): NegativeSampler<AdaptiveConfig> {
  const variant = enumField(options, 'adaptive', 'variant', ['warp', 'aobpr'] as const, 'warp')
  return variant === 'warp' ? new WarpSampler(options) : new AobprSampler(options)
}

function variantCheck(options: object, variant: 'warp' | 'aobpr'): void {
  const own = variant === 'warp' ? WARP_FIELDS : AOBPR_FIELDS
  const other = variant === 'warp' ? AOBPR_FIELDS : WARP_FIELDS
  for (const key of Object.keys(options)) {
    if ((other as readonly string[]).includes(key) && !(own as readonly string[]).includes(key)) {
      throw new Error(`adaptive sampler: field "${key}" belongs to variant "${variant === 'warp' ? 'aobpr' : 'warp'}", not "${variant}"`)
    }
  }
  checkConfig(options, 'adaptive', own)
}

const EMPTY_I32 = new Int32Array(0)
/** (lane, candidate) pairs scored per batched call of the WARP search. */
const WARP_PAIR_BUDGET = 16384
const EMPTY_U32 = new Uint32Array(0)

class WarpSampler implements NegativeSampler<AdaptiveConfig> {
  readonly config: AdaptiveConfig
  readonly requires = { scorer: true }
  private readonly counter = new SamplerStatsCounter()
  private ex: Exclusion | null = null
  private scorer: Scorer | null = null
  private state: Uint32Array = new Uint32Array(4)
  private numItems = 0
  private userLogQ = new Float32Array(0)
  private readonly tally = new Float64Array(6)
  private exhausted = 0
  // Batched search state, sized at the first sample (lanes = slots·k searches).
  private laneCap = 0
  private laneUser = new Int32Array(0)
  private lanePos = new Int32Array(0)
  private laneTrain = new Uint8Array(0)
  private laneThreshold = new Float32Array(0)
  private laneN = new Int32Array(0)
  private laneItem = new Int32Array(0)
  private active = new Int32Array(0)
  private roundFrom = new Int32Array(0)
  private pairUsers = new Int32Array(WARP_PAIR_BUDGET)
  private pairItems = new Int32Array(WARP_PAIR_BUDGET)
  private pairScores = new Float32Array(WARP_PAIR_BUDGET)

  constructor(options: AdaptiveOptions) {
    variantCheck(options, 'warp')
    const margin = numberField(options, 'adaptive', 'margin', 1, { min: 0 })
    const maxSampled = numberField(options, 'adaptive', 'maxSampled', 100, { min: 1, max: 10_000_000, integer: true })
    const trialsOf = enumField(options, 'adaptive', 'trialsOf', ['first', 'mean'] as const, 'first')
    this.config = { kind: 'adaptive', variant: 'warp', margin, maxSampled, trialsOf, ...commonFields(options, 'adaptive') }
  }

  private ensureLanes(n: number): void {
    if (this.laneCap >= n) return
    this.laneCap = n
    this.laneUser = new Int32Array(n)
    this.lanePos = new Int32Array(n)
    this.laneTrain = new Uint8Array(n)
    this.laneThreshold = new Float32Array(n)
    this.laneN = new Int32Array(n)
    this.laneItem = new Int32Array(n)
    this.active = new Int32Array(n)
    this.roundFrom = new Int32Array(n)
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    if (ctx.scorer == null) throw new Error("adaptive sampler (warp): needs the model's scorer (requires.scorer); got scorer: null")
    if (!(train.numItems > 1)) throw new Error('adaptive sampler (warp): the training data needs at least 2 items')
    this.scorer = ctx.scorer
    this.numItems = train.numItems
    this.state = ctx.rng.state
    this.counter.reset()
    this.exhausted = 0
    const lq = new Float32Array(train.numUsers)
    if (this.config.excludePositives) {
      this.ex = buildExclusion(train, 'adaptive', { allowMasked: this.config.allowMasked })
      for (let u = 0; u < train.numUsers; u++) {
        const m = train.numItems - (train.indptr[u + 1] - train.indptr[u])
        lq[u] = m > 0 ? -Math.log(m) : 0
      }
    } else {
      this.ex = null
      lq.fill(-Math.log(train.numItems - 1))
    }
    this.userLogQ = lq
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('adaptive', this.scorer !== null, batch.size, out.capacity)
    const scorer = this.scorer as Scorer
    const size = batch.size
    const k = out.k
    const items = out.items
    const logQ = out.logQ
    const trials = out.trials
    const users = batch.users
    const positives = batch.positives
    const ex = this.ex
    const exclude = ex !== null
    const indptr = ex !== null ? ex.indptr : EMPTY_I32
    const rows = ex !== null ? ex.items : EMPTY_I32
    const bitOffset = ex !== null ? ex.bitOffset : EMPTY_I32
    const bits = ex !== null ? ex.bits : EMPTY_U32
    const numItems = this.numItems
    const margin = this.config.margin as number
    const maxSampled = this.config.maxSampled as number
    const mean = this.config.trialsOf === 'mean'
    const maxRetries = this.config.maxTrials as number
    const state = this.state
    const tally = this.tally
    const userLogQ = this.userLogQ
    const pu = this.pairUsers
    const pi = this.pairItems
    const ps = this.pairScores
    tally.fill(0)
    let drawn = 0
    let masked = 0
    let trialSum = 0
    let exhausted = 0
    // Slots are run in blocks of whole slots whose searches fit the pair budget's positive pass.
    const slotsPerBlock = Math.max(1, Math.floor(WARP_PAIR_BUDGET / Math.max(k, 1)))
    this.ensureLanes(Math.min(size, slotsPerBlock) * k)
    const laneUser = this.laneUser
    const lanePos = this.lanePos
    const laneTrain = this.laneTrain
    const laneThreshold = this.laneThreshold
    const laneN = this.laneN
    const laneItem = this.laneItem
    const active = this.active
    const roundFrom = this.roundFrom
    for (let s0 = 0; s0 < size; s0 += slotsPerBlock) {
      const s1 = Math.min(size, s0 + slotsPerBlock)
      // The positives' scores x_ui, one batched call.
      const np = s1 - s0
      for (let s = 0; s < np; s++) {
        pu[s] = users[s0 + s]
        pi[s] = positives[s0 + s]
      }
      scorePairs(scorer, pu, pi, np, ps)
      let lanes = 0
      for (let s = s0; s < s1; s++) {
        const u = users[s]
        const i = positives[s]
        const positiveIsTrain = exclude && isPositive(indptr, rows, bitOffset, bits, u, i)
        const free = exclude ? numItems - (indptr[u + 1] - indptr[u]) - (positiveIsTrain ? 0 : 1) : numItems - 1
        if (free <= 0) {
          for (let d = 0; d < k; d++) laneItem[lanes + d] = -2 // masked slot
          lanes += k
          continue
        }
        const threshold = ps[s - s0] - margin
        for (let d = 0; d < k; d++) {
          const l = lanes + d
          laneUser[l] = u
          lanePos[l] = i
          laneTrain[l] = positiveIsTrain ? 1 : 0
          laneThreshold[l] = threshold
          laneN[l] = 0
          laneItem[l] = -1
          active[l] = 0
        }
        lanes += k
      }
      let na = 0
      for (let l = 0; l < lanes; l++) if (laneItem[l] === -1) active[na++] = l
      // Rounds: each running search draws its next chunk; one scorePairs call per round.
      for (let round = 0; na > 0; round++) {
        const cap = Math.max(1, Math.min(1 << Math.min(round, 30), Math.floor(WARP_PAIR_BUDGET / na)))
        let np2 = 0
        let kept = 0
        for (let a = 0; a < na; a++) {
          const l = active[a]
          const c = Math.min(cap, maxSampled - laneN[l])
          if (np2 + c > WARP_PAIR_BUDGET) {
            active[kept++] = l // no room this round: it waits for the next
            roundFrom[l] = -1
            continue
          }
          roundFrom[l] = np2
          const u = laneUser[l]
          warpFillCandidates(
            pi,
            np2,
            c,
            u,
            lanePos[l],
            laneTrain[l] === 1,
            exclude,
            indptr,
            rows,
            bitOffset,
            bits,
            numItems,
            maxRetries,
            state,
            tally,
          )
          pu.fill(laneUser[l], np2, np2 + c)
          np2 += c
          active[kept++] = l
        }
        tally[0] += np2
        scorePairs(scorer, pu, pi, np2, ps)
        let next = 0
        for (let a = 0; a < kept; a++) {
          const l = active[a]
          const from = roundFrom[l]
          if (from < 0) {
            active[next++] = l
            continue
          }
          const c = Math.min(cap, maxSampled - laneN[l])
          const thr = laneThreshold[l]
          let hit = -1
          for (let q = 0; q < c; q++) {
            if (ps[from + q] > thr) {
              hit = q
              break
            }
          }
          if (hit >= 0) {
            const x = ps[from + hit]
            laneItem[l] = pi[from + hit]
            const n = laneN[l]
            laneN[l] = n + hit + 1
            // Hardness: earlier candidates of the search are ≤ threshold < x, hence below x; of this
            // round's later ones count those below x. Percentile among the n + c scored.
            const scored = n + c
            if (scored > 1) {
              let below = n + hit
              for (let q = hit + 1; q < c; q++) if (ps[from + q] < x) below++
              tally[4] += below / (scored - 1)
              tally[5]++
            }
          } else {
            laneN[l] += c
            if (laneN[l] >= maxSampled) {
              laneItem[l] = -3 // exhausted
              laneN[l] = maxSampled
            } else active[next++] = l
          }
        }
        na = next
      }
      // Write the slots.
      for (let s = s0, l = 0; s < s1; s++, l += k) {
        const base = s * k
        if (laneItem[l] === -2) {
          for (let d = 0; d < k; d++) {
            items[base + d] = -1
            logQ[base + d] = 0
          }
          masked += k
          trials[s] = maxSampled
          trialSum += maxSampled
          continue
        }
        const lq = userLogQ[users[s]]
        let sum = 0
        for (let d = 0; d < k; d++) {
          const j = laneItem[l + d]
          if (j >= 0) {
            items[base + d] = j
            logQ[base + d] = lq
            drawn++
          } else {
            items[base + d] = -1
            logQ[base + d] = 0
            masked++
            exhausted++
          }
          sum += laneN[l + d]
        }
        const t = mean ? Math.max(1, Math.round(sum / k)) : laneN[l]
        trials[s] = t
        trialSum += t
      }
    }
    this.exhausted += exhausted
    // tally: [0] candidates counted as trials, [1] rejected positives, [3] fallbacks.
    this.counter.add(drawn, tally[0] + tally[1], tally[1], size, trialSum, masked, tally[3])
    this.counter.addHardness(tally[4], tally[5])
  }

  stats(): SamplerStats {
    const s = this.counter.snapshot()
    return { ...s, exhausted: this.exhausted }
  }
}

/**
 * The row length from which AOBPR's exclusion uses a bitset: 16 (the default) while the bitsets of
 * all such rows fit in 1 MiB, else 128. A slot's k draws test one user; a short sorted row stays in
 * cache across them, where a bitset far larger than the cache costs a fresh line per test. Fits,
 * CPU time of adaptive's pairing against uniform at softmax 8 (ratios, interleaved rounds): the
 * Gowalla shape (bitsets 14.6 MB, rows ≤ 44) 2.6× with binary search against 3.1× with bitsets;
 * the ML-100K shape (0.2 MB) 2.9× with bitsets against 3.4× with binary search.
 * @internal
 */
export function aobprBitsetMinRow(train: Interactions): number {
  const words = (train.numItems + 31) >>> 5
  let rows = 0
  for (let u = 0; u < train.numUsers; u++) if (train.indptr[u + 1] - train.indptr[u] >= 16) rows++
  return rows * words * 4 <= 1 << 20 ? 16 : 128
}

class AobprSampler implements NegativeSampler<AdaptiveConfig> {
  readonly config: AdaptiveConfig
  readonly requires = { scorer: true, factors: true }
  private readonly counter = new SamplerStatsCounter()
  private ex: Exclusion | null = null
  private view: FactorView | null = null
  private state: Uint32Array = new Uint32Array(4)
  private numItems = 0
  private dim = 0
  private rankProb = new Float64Array(0)
  private rankAlias: AobprRankAlias | null = null
  private period = 1
  private sinceRefresh = 0
  private refreshes = 0
  private order: AobprPositions = new Int32Array(0)
  private position: AobprPositions = new Int32Array(0)
  private sigma = new Float64Array(0)
  private cum = new Float64Array(0)
  // The user's factor law (count entries each: factor ids, cumulative weights, p(f|u), rank
  // orientation): one scratch law (userLaw 'live'), or one per user at u·count ('refresh').
  private count = 0
  private fidx = new Int32Array(0)
  private pf = new Float64Array(0)
  private off = new Int32Array(0)
  private sgn = new Int32Array(0)
  // The law's alias table (p(f|u) as keep-probabilities and aliases), per law like the above.
  private fprob = new Float64Array(0)
  private falias = new Int32Array(0)
  private fw = new Float64Array(0)
  private aliasProb = new Float64Array(0)
  private aliasIdx = new Int32Array(0)
  private aliasWork = new Int32Array(0)
  // userLaw 'refresh': the refresh each user's law was taken at (-1: none yet), and the proposal
  // mass on the user's positives under it (exact mode; fixed until the next refresh, as the law
  // and the orderings are).
  private lawStamp = new Int32Array(0)
  private lawMass = new Float64Array(0)
  private colF32 = new Float32Array(0)
  private colU32 = new Uint32Array(0)
  private keysA = new Uint32Array(0)
  private keysB = new Uint32Array(0)
  private idxB = new Int32Array(0)
  private readonly counts = new Int32Array(256)

  constructor(options: AdaptiveOptions) {
    variantCheck(options, 'aobpr')
    const lambda = numberField(options, 'adaptive', 'lambda', 0.05, { min: 0, exclusiveMin: true })
    const refreshEvery = numberField(options, 'adaptive', 'refreshEvery', 0, { min: 0, integer: true })
    const logQ = enumField(options, 'adaptive', 'logQ', ['proposal', 'exact'] as const, 'proposal')
    const factors = numberField(options, 'adaptive', 'factors', 0, { min: 0, integer: true })
    const userLaw = enumField(options, 'adaptive', 'userLaw', ['live', 'refresh'] as const, 'live')
    this.config = {
      kind: 'adaptive',
      variant: 'aobpr',
      lambda,
      refreshEvery,
      logQ,
      factors,
      userLaw,
      ...commonFields(options, 'adaptive'),
    }
  }

  prepare(ctx: SamplerContext): void {
    const train = ctx.train
    const view = ctx.scorer
    if (!isFactorView(view)) {
      throw new Error(
        'adaptive sampler (aobpr): needs a FactorView scorer (dim, userFactors, itemFactors; requires.factors); got ' +
          (view == null ? 'null' : 'a scorer without factors'),
      )
    }
    const n = train.numItems
    const dim = view.dim
    if (!(n > 0)) throw new Error('adaptive sampler (aobpr): the training data has no items')
    if (!(Number.isInteger(dim) && dim > 0))
      throw new Error(`adaptive sampler (aobpr): FactorView.dim must be a positive integer, got ${dim}`)
    if (view.itemFactors.length < n * dim)
      throw new Error(`adaptive sampler (aobpr): itemFactors has ${view.itemFactors.length} values, expected ≥ numItems·dim = ${n * dim}`)
    if (view.userFactors.length < train.numUsers * dim)
      throw new Error(
        `adaptive sampler (aobpr): userFactors has ${view.userFactors.length} values, expected ≥ numUsers·dim = ${train.numUsers * dim}`,
      )
    this.view = view
    this.numItems = n
    this.dim = dim
    this.state = ctx.rng.state
    this.counter.reset()
    this.ex = this.config.excludePositives
      ? buildExclusion(train, 'adaptive', { allowMasked: this.config.allowMasked, bitsetMinRow: aobprBitsetMinRow(train) })
      : null
    // λ in items; the rank law as probabilities (for log q) and as alias tables (for draws).
    const lambda = Math.max((this.config.lambda as number) * n, 1e-9)
    this.rankProb = new Float64Array(aobprRankTableSize(n))
    aobprRankTable(lambda, n, this.rankProb)
    this.rankAlias = aobprRankAlias(lambda, n)
    const every = this.config.refreshEvery as number
    this.period = every > 0 ? every : Math.max(1, Math.ceil(n * Math.log(Math.max(n, 2))))
    const orders = { what: 'the per-factor item orders', elements: dim * n, bytesPer: 8 }
    checkAllocation(`aobpr sampler with ${dim} factors on ${n} items`, [orders], 'lower the dimension')
    this.order = n <= 65536 ? new Uint16Array(dim * n) : new Int32Array(dim * n)
    this.position = n <= 65536 ? new Uint16Array(dim * n) : new Int32Array(dim * n)
    this.sigma = new Float64Array(dim)
    const factorsK = this.config.factors as number
    const count = factorsK > 0 && factorsK < dim ? factorsK : dim
    const cached = this.config.userLaw === 'refresh'
    const laws = cached ? train.numUsers : 1
    if (cached) {
      checkAllocation(
        `aobpr sampler (userLaw refresh) for ${laws} users × ${count} factors`,
        [{ what: 'the cached user laws', elements: laws * count, bytesPer: 40 }],
        'use factors: K with a small K, or userLaw: live',
      )
    }
    this.count = count
    this.cum = new Float64Array(laws * count)
    this.fidx = new Int32Array(laws * count)
    this.pf = new Float64Array(laws * count)
    this.off = new Int32Array(laws * count)
    this.sgn = new Int32Array(laws * count)
    this.fprob = new Float64Array(laws * count)
    this.falias = new Int32Array(laws * count)
    this.fw = new Float64Array(dim)
    this.aliasProb = new Float64Array(count)
    this.aliasIdx = new Int32Array(count)
    this.aliasWork = new Int32Array(count)
    this.lawStamp = new Int32Array(cached ? laws : 0).fill(-1)
    this.lawMass = new Float64Array(cached ? laws : 0)
    this.colF32 = new Float32Array(n)
    this.colU32 = new Uint32Array(this.colF32.buffer)
    this.keysA = new Uint32Array(n)
    this.keysB = new Uint32Array(n)
    this.idxB = new Int32Array(n)
    this.refreshes = 0
    this.refresh()
  }

  /** Re-sorts every factor's items and recomputes σ_f from the live item factors. */
  private refresh(): void {
    const v = this.view as FactorView
    aobprRefresh(
      v.itemFactors,
      this.numItems,
      this.dim,
      this.order,
      this.position,
      this.sigma,
      this.colF32,
      this.colU32,
      this.keysA,
      this.keysB,
      this.idxB,
      this.counts,
    )
    this.sinceRefresh = 0
    this.refreshes++
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('adaptive', this.view !== null, batch.size, out.capacity)
    const view = this.view as FactorView
    const uf = view.userFactors
    const size = batch.size
    const k = out.k
    const items = out.items
    const logQ = out.logQ
    const users = batch.users
    const ex = this.ex
    const n = this.numItems
    const dim = this.dim
    const order = this.order
    const position = this.position
    const sigma = this.sigma
    const cum = this.cum
    const pf = this.pf
    const fidx = this.fidx
    const fw = this.fw
    const off = this.off
    const sgn = this.sgn
    const fprob = this.fprob
    const falias = this.falias
    const ra = this.rankAlias as AobprRankAlias
    const block = ra.block
    const blocks = ra.blocks
    const lowProb = ra.lowProb
    const lowAlias = ra.lowAlias
    const highProb = ra.highProb
    const highAlias = ra.highAlias
    const count = this.count
    const cachedLaw = this.config.userLaw === 'refresh'
    const lawStamp = this.lawStamp
    const lawMass = this.lawMass
    const rankProb = this.rankProb
    const maxRetries = this.config.maxTrials as number
    const exact = this.config.logQ === 'exact'
    const state = this.state
    out.trials.fill(1, 0, size)
    let drawn = 0
    let proposals = 0
    let rejected = 0
    let masked = 0
    let fallbacks = 0
    for (let s = 0; s < size; s++) {
      if (this.sinceRefresh >= this.period) this.refresh()
      this.sinceRefresh++
      const u = users[s]
      const uo = u * dim
      const base = s * k
      const len = ex !== null ? ex.indptr[u + 1] - ex.indptr[u] : 0
      if (len >= n) {
        for (let d = 0; d < k; d++) {
          items[base + d] = -1
          logQ[base + d] = 0
        }
        masked += k
        continue
      }
      // The user's factor law: in the scratch arrays at 0 (live), or in place in the per-user
      // cache at u·count (userLaw 'refresh'), recomputed once per refresh of the orderings.
      const lo = cachedLaw ? u * count : 0
      const fresh = !cachedLaw || lawStamp[u] !== this.refreshes
      if (fresh) {
        const total = aobprTopFactors(uf, uo, dim, sigma, count, fidx, cum, fw, lo)
        aobprUserLaw(uf, uo, count, fidx, n, cum, total, pf, off, sgn, lo)
        aobprFactorAlias(pf, count, fprob, falias, lo, fw, this.aliasProb, this.aliasIdx, this.aliasWork)
        if (cachedLaw) lawStamp[u] = this.refreshes
      }
      // Exact mode: the proposal mass m on the user's positives (O(len·count): cached with a
      // cached law, where it cost more than the draws), and the retry-bounded law's factors.
      let keep = 1
      let tail = 0
      if (exact && ex !== null && len > 0) {
        let m: number
        if (fresh) {
          m = 0
          for (let p = ex.indptr[u], e = ex.indptr[u + 1]; p < e; p++)
            m += aobprItemProbHoisted(ex.items[p], dim, count, fidx, position, pf, off, sgn, rankProb, lo)
          if (m > 1) m = 1
          if (cachedLaw) lawMass[u] = m
        } else m = lawMass[u]
        const mR = Math.pow(m, maxRetries)
        keep = m < 1 ? (1 - mR) / (1 - m) : maxRetries
        tail = mR / (n - len)
      }
      // Two passes: the k draws (their ordering reads are independent loads), then their log q
      // (k independent item rows of the position table): apart, the memory reads of one draw
      // overlap the next's instead of waiting on each other. Same draws and values as one pass.
      for (let d = 0; d < k; d++) {
        let j = -1
        for (let tr = 0; tr < maxRetries; tr++) {
          // The factor by the law's alias table (its orientation is the law's: the live vector's
          // sign, or the cached one); the rank by the two-level table (aobprDrawRankAlias written
          // inline: a call in this long loop was left uninlined). No logarithm per draw.
          const t = lo + aobprAliasPick(prngFloat(state), fprob, falias, count, lo)
          let r: number
          do {
            const yb = prngFloat(state) * block
            const cb = Math.floor(yb)
            const b = yb - cb < lowProb[cb] ? cb : lowAlias[cb]
            let a = 0
            if (blocks > 1) {
              const ya = prngFloat(state) * blocks
              const ca = Math.floor(ya)
              a = ya - ca < highProb[ca] ? ca : highAlias[ca]
            }
            r = a * block + b
          } while (r >= n)
          const c = order[fidx[t] * n + off[t] + sgn[t] * r]
          proposals++
          if (ex === null || len === 0 || !isPositive(ex.indptr, ex.items, ex.bitOffset, ex.bits, u, c)) {
            j = c
            break
          }
          rejected++
        }
        if (j < 0) {
          // No proposal left the positives within maxTrials: uniform over the non-positives,
          // flagged for the second pass by a logQ of +∞.
          const ex2 = ex as Exclusion
          j = nthNonPositive(ex2.indptr, ex2.items, u, Math.floor(prngFloat(state) * (n - len)))
          fallbacks++
          logQ[base + d] = Number.POSITIVE_INFINITY
        } else logQ[base + d] = 0
        items[base + d] = j
      }
      const corrected = exact && ex !== null && len > 0
      for (let d = 0; d < k; d++) {
        const j = items[base + d]
        const fell = logQ[base + d] === Number.POSITIVE_INFINITY
        logQ[base + d] =
          corrected || !fell
            ? Math.log(aobprItemProbHoisted(j, dim, count, fidx, position, pf, off, sgn, rankProb, lo) * keep + tail)
            : -Math.log(n - len)
      }
      drawn += k
    }
    this.counter.add(drawn, proposals + fallbacks, rejected, size, size, masked, fallbacks)
  }

  stats(): SamplerStats {
    return { ...this.counter.snapshot(), refreshes: this.refreshes }
  }
}
