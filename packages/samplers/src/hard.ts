/**
 * Hard negatives chosen among scored candidates: DNS, DNS(M, N) and softmax sampling.
 */
import {
  createBatch,
  createNegativeBuffer,
  type Batch,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type SamplerContext,
  type SamplerStats,
  type Scorer,
  scorePairs,
} from '@decoy/core'
import {
  booleanField,
  checkConfig,
  checkSampleArgs,
  commonFields,
  enumField,
  numberField,
  type CommonOptions,
  type Resolved,
} from './config.js'
import { popularitySampler } from './popularity.js'
import { randomSampler } from './random.js'
import { sortedPercentile } from './kernels/percentile.js'
import { SamplerStatsCounter } from './stats.js'
import { uniformSampler } from './uniform.js'

/** Options of {@link hardSampler}. */
export interface HardOptions extends CommonOptions {
  /** M: candidates drawn from `base` per group (default 16; M = 1 is the base sampler itself). */
  readonly candidates?: number
  /** N: negatives kept per group of M candidates (default 1; DNS is N = 1). */
  readonly keep?: number
  /** `max`: the N highest-scored candidates (DNS); `softmax`: N drawn ∝ exp(x/τ)/q without replacement. */
  readonly pick?: 'max' | 'softmax'
  /** τ of the softmax pick (default 1); smaller is harder. Ignored by `max`. */
  readonly temperature?: number
  /** Config of the candidate sampler (default `{ kind: "uniform" }`); inherits `excludePositives`/`allowMasked`. */
  readonly base?: SamplerConfig
  /**
   * What `logQ` reports (default `'base'`): `'base'` the base proposal's log-probability of the
   * chosen candidate, `'selection'` an estimate of the log-probability of the *selection* (see
   * {@link hardSampler}). Only losses that correct by logQ (sampled softmax) read it.
   */
  readonly logQ?: 'selection' | 'base'
}

/** JSON config of {@link hardSampler}. */
export interface HardConfig extends SamplerConfig, HardOptions {
  readonly kind: 'hard'
}

/** Builds the nested base sampler; the registry passes itself so custom kinds work as bases. */
export type CreateBase = (config: SamplerConfig) => NegativeSampler

function defaultCreateBase(config: SamplerConfig): NegativeSampler {
  const rest: Record<string, unknown> = { ...config }
  delete rest.kind
  if (config.kind === 'uniform') return uniformSampler(rest)
  if (config.kind === 'popularity') return popularitySampler(rest)
  if (config.kind === 'random') return randomSampler(rest)
  throw new Error(
    `hard sampler: base kind ${JSON.stringify(config.kind)} needs the registry (use createSampler) — built-in bases here: "uniform", "popularity", "random"`,
  )
}

/**
 * Dynamic negative sampling: for each positive, draw M candidates from a base sampler (uniform
 * over I \ I_u⁺ by default), score them with the model's *current* scores through the `Scorer`
 * bound at prepare, and keep the hardest.
 *
 * - `pick: "max"`, N = 1 is DNS (Zhang et al. 2013): j* = argmax_k x_{u j_k}.
 * - `pick: "max"`, N > 1 is DNS(M, N) of Shi et al. 2023 as in the authors' code (`loss_type 1`:
 *   `topk(neg_rat, N)` of M uniform candidates, every one of the N used in the loss): each group of
 *   M candidates yields its N top-scored candidates. A slot's k draws are ⌈k / N⌉ groups; choose
 *   k = N for the paper's setting.
 * - `pick: "softmax"` is softmax sampling (Shi et al. 2023): N of the M candidates drawn without
 *   replacement ∝ exp(x_uj / τ) / q(j) (Gumbel top-N). Dividing by the base proposal q makes this
 *   self-normalised importance resampling of the softmax law over all of I \ I_u⁺ (the authors'
 *   `softmax(… − neg_prob)`); with the uniform base it is exp(x/τ) among the candidates.
 *
 * Candidates are drawn with replacement (as in RecBole and the authors' code), so a group may
 * repeat an item. Ties keep the earlier-drawn candidate.
 *
 * **logQ** (`logQ: 'base'`, the default) is the base proposal's log-probability of the chosen
 * candidate (after exclusion). `logQ: 'selection'` estimates log q of the *selection*, the law a
 * chosen negative actually follows, for a loss that corrects by log q (sampled softmax): the chosen
 * candidates are not base draws. With `pick: "softmax"`
 * the selection is sampling-importance-resampling of p(j) ∝ exp(x_uj/τ) over I \ I_u⁺, so
 * log q(j) = x_uj/τ − log Ẑ with Ẑ = (1/M)·Σ_c exp(x_c/τ)/q₀(c) over the group's M candidates
 * (unbiased for the normaliser Z = Σ_j exp(x_uj/τ)). With `pick: "max"` a kept candidate comes from
 * the top N/M quantile of the base law, where each item is ≈ M/N times as likely as under the base:
 * log q(j) ≈ log q₀(j) + log(M/N) (exact on average over that quantile; M = valid candidates).
 * The two differ by ≈ log(M/N) for the max pick, yet on ml-latest-small they train MF to the same
 * NDCG@10 under sampled softmax (M = 16, N = 1: 0.130 either way, 0.127 without any correction,
 * uniform 0.155): the correction is not why hard negatives hurt sampled softmax. False negatives
 * are: the chosen negatives are held-out positives 30 times per 1,000 draws against uniform's 5.6,
 * and softmax puts its gradient on exactly the highest-scored negatives (`pairings.ts` has the
 * measurements and the pairings that avoid it). **Hardness** in `stats()` is the mean percentile
 * of the chosen score among its group's candidates (1 = always the maximum).
 *
 * **Batched scoring**: all candidates of up to `HARD_PAIR_BUDGET` (slot, candidate) pairs are
 * drawn in one base call and scored in one `scorePairs` call (the model's `scoreBatch`, e.g. MF's
 * WebAssembly kernel), not one `scoreItems` call per slot and group. The slot's ⌈k/N⌉ groups are
 * drawn together (i.i.d. base draws, so the law is unchanged).
 *
 * Defaults (M = 16, N = 1, τ = 1, uniform base) make a hard sampler for MovieLens-sized catalogues;
 * larger M raises the false-negative risk (RecBole #1237). `decoy train --sampler hard` uses the
 * measured pairing in `samplerPairings` (sampled softmax over 8, the softmax pick of 8 of 16 at τ = 2).
 *
 * @param options - see {@link HardConfig}.
 * @param createBase - builder of the nested base sampler (the registry passes itself).
 * @returns an unprepared sampler that requires a scorer.
 * @see Zhang, Chen, Wang, Yu, "Optimizing Top-N Collaborative Filtering via Dynamic Negative Item
 * Sampling", SIGIR 2013.
 * @see Shi, Chen, Feng, Zhang, Wu, Zhang, Lu, "On the Theories Behind Hard Negative Sampling for
 * Recommendation", WWW 2023 (DNS(M, N), softmax sampling, OPAUC).
 * @example
 * ```ts
 * const s = hardSampler({ candidates: 32, keep: 1 })
 * s.prepare({ train, rng: createRng(3).fork('sampler'), scorer: model.scorer() })
 * s.sample(batch, negatives)
 * ```
 * @remarks O(M · score cost) per group; allocation only in prepare (chunk buffers of 64 slots).
 */
export function hardSampler(options: HardOptions = {}, createBase: CreateBase = defaultCreateBase): NegativeSampler<HardConfig> {
  return new HardSampler(options, createBase)
}

/** (slot, candidate) pairs drawn and scored per batched call: 16k pairs ≈ 200 KB of scratch. */
export const HARD_PAIR_BUDGET = 16384

class HardSampler implements NegativeSampler<HardConfig> {
  readonly config: Resolved<HardConfig> & Required<Pick<HardConfig, 'candidates' | 'keep' | 'pick' | 'temperature' | 'base' | 'logQ'>>
  readonly requires = { scorer: true }
  private readonly base: NegativeSampler
  private readonly counter = new SamplerStatsCounter()
  private scorer: Scorer | null = null
  private state: Uint32Array = new Uint32Array(4)
  private chunk: Batch = createBatch(1)
  private cand: NegativeBuffer = createNegativeBuffer(1, 1)
  private items: Int32Array = new Int32Array(0)
  private logQ: Float32Array = new Float32Array(0)
  private scores: Float32Array = new Float32Array(0)
  private sortScratch: SortScratch = createSortScratch(0)
  private pairUsers: Int32Array = new Int32Array(0)
  private pairScores: Float32Array = new Float32Array(0)
  private chunkSlots = 0
  private keys: Float64Array = new Float64Array(0)
  private taken: Uint8Array = new Uint8Array(0)
  private readonly tally = new Float64Array(4)

  constructor(options: HardOptions, createBase: CreateBase) {
    checkConfig(options, 'hard', ['candidates', 'keep', 'pick', 'temperature', 'base', 'logQ'])
    const common = commonFields(options, 'hard')
    const candidates = numberField(options, 'hard', 'candidates', 16, { min: 1, max: 100_000, integer: true })
    const keep = numberField(options, 'hard', 'keep', 1, { min: 1, max: candidates, integer: true })
    const pick = enumField(options, 'hard', 'pick', ['max', 'softmax'] as const, 'max')
    const temperature = numberField(options, 'hard', 'temperature', 1, { min: 0, exclusiveMin: true })
    const logQ = enumField(options, 'hard', 'logQ', ['selection', 'base'] as const, 'base')
    const rawBase: SamplerConfig = options.base ?? { kind: 'uniform' }
    const untyped: unknown = rawBase
    if (untyped === null || typeof untyped !== 'object' || Array.isArray(untyped) || typeof rawBase.kind !== 'string') {
      throw new Error(`hard sampler: field "base" must be a sampler config with a "kind", got ${JSON.stringify(rawBase)}`)
    }
    for (const f of ['excludePositives', 'allowMasked'] as const) {
      if (rawBase[f] !== undefined && booleanField(rawBase, 'hard (base)', f, true) !== common[f]) {
        throw new Error(
          `hard sampler: base.${f} (${String(rawBase[f])}) contradicts the hard sampler's ${f} (${String(common[f])}); set it on the hard sampler only`,
        )
      }
    }
    this.base = createBase({ ...rawBase, excludePositives: common.excludePositives, allowMasked: common.allowMasked })
    if (this.base.requires.minBatch !== undefined && this.base.requires.minBatch > 1) {
      throw new Error(
        `hard sampler: base kind "${rawBase.kind}" needs batches of ${this.base.requires.minBatch}; candidates are drawn per slot`,
      )
    }
    // The stored base omits the inherited fields, so editing them on the hard config stays consistent.
    const base: Record<string, unknown> = { ...this.base.config }
    delete base.excludePositives
    delete base.allowMasked
    this.config = { kind: 'hard', candidates, keep, pick, temperature, base: base as SamplerConfig, logQ, ...common }
  }

  prepare(ctx: SamplerContext): void {
    if (ctx.scorer == null) {
      throw new Error('hard sampler: requires a scorer (the model’s live Scorer) in prepare({ scorer }); got null')
    }
    this.scorer = ctx.scorer
    this.base.prepare({ train: ctx.train, rng: ctx.rng.fork('base'), scorer: ctx.scorer })
    const m = this.config.candidates
    this.chunkSlots = 0
    this.items = new Int32Array(m)
    this.logQ = new Float32Array(m)
    this.scores = new Float32Array(m)
    this.keys = new Float64Array(m)
    this.taken = new Uint8Array(m)
    this.sortScratch = createSortScratch(m)
    this.state = ctx.rng.state
    this.counter.reset()
  }

  /** Sizes the chunk buffers for k negatives per slot (first sample, or when k changes). */
  private ensureChunk(k: number, capacity: number): void {
    const per = Math.ceil(k / this.config.keep) * this.config.candidates
    const slots = Math.max(1, Math.min(capacity, Math.floor(HARD_PAIR_BUDGET / per)))
    if (this.chunkSlots === slots && this.cand.k === per) return
    this.chunkSlots = slots
    this.chunk = createBatch(slots)
    this.cand = createNegativeBuffer(slots, per)
    this.pairUsers = new Int32Array(slots * per)
    this.pairScores = new Float32Array(slots * per)
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('hard', this.scorer !== null, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    const cfg = this.config
    const m = cfg.candidates
    const keep = cfg.keep
    const groups = Math.ceil(k / keep)
    this.ensureChunk(k, out.capacity)
    const per = groups * m
    const chunkSlots = this.chunkSlots
    const chunk = this.chunk
    const cand = this.cand
    const pairUsers = this.pairUsers
    const pairScores = this.pairScores
    const scorer = this.scorer!
    const softmax = cfg.pick === 'softmax'
    const selection = cfg.logQ === 'selection'
    const invTau = 1 / cfg.temperature
    const t = this.tally
    t.fill(0)
    out.trials.fill(1, 0, size)
    for (let c0 = 0; c0 < size; c0 += chunkSlots) {
      const n = Math.min(chunkSlots, size - c0)
      for (let s = 0; s < n; s++) {
        chunk.users[s] = batch.users[c0 + s]
        chunk.positives[s] = batch.positives[c0 + s]
      }
      chunk.size = n
      // Every group of every slot of the chunk: one base call, one batched scoring call.
      this.base.sample(chunk, cand)
      for (let s = 0; s < n; s++) pairUsers.fill(chunk.users[s], s * per, s * per + per)
      scorePairs(scorer, pairUsers, cand.items, n * per, pairScores)
      for (let s = 0; s < n; s++) {
        const slot = c0 + s
        for (let g = 0; g < groups; g++) {
          const d0 = g * keep
          const want = Math.min(keep, k - d0)
          const valid = gatherCandidates(cand.items, cand.logQ, pairScores, s * per + g * m, m, this.items, this.logQ, this.scores)
          pickHard(
            this.items,
            this.logQ,
            this.scores,
            this.keys,
            this.taken,
            valid,
            want,
            softmax,
            invTau,
            this.state,
            out.items,
            out.logQ,
            slot * k + d0,
            t,
            selection ? keep : 0,
            this.sortScratch,
          )
        }
      }
    }
    this.counter.add(size * k - t[2], 0, 0, size, size, t[2])
    this.counter.addHardness(t[0], t[1])
  }

  stats(): SamplerStats {
    const s = this.counter.snapshot()
    const b = this.base.stats()
    return { ...s, rejectionRate: b.rejectionRate, candidates: b.draws, fallbacks: b.fallbacks ?? 0 }
  }
}

/**
 * Compacts the non-masked candidates of one group (and their scores) to the front of
 * `items`/`logQ`/`scores`.
 * @returns how many are valid.
 * @remarks O(m); allocates nothing.
 * @internal
 */
export function gatherCandidates(
  src: Int32Array,
  srcLogQ: Float32Array,
  srcScores: Float32Array,
  offset: number,
  m: number,
  items: Int32Array,
  logQ: Float32Array,
  scores: Float32Array,
): number {
  let v = 0
  for (let c = 0; c < m; c++) {
    const j = src[offset + c]
    if (j < 0) continue
    items[v] = j
    logQ[v] = srcLogQ[offset + c]
    scores[v] = srcScores[offset + c]
    v++
  }
  return v
}

/**
 * Writes the `want` chosen candidates of one group to `outItems/outLogQ[o..o+want)`: the top by
 * score (`softmax` false) or a Gumbel top-`want` of `score/τ − logQ` (softmax sampling without
 * replacement). Missing picks (fewer valid candidates than `want`) are -1.
 *
 * @param tally - `[hardnessSum, hardnessCount, masked, _]` accumulators.
 * @param selectionKeep - N of DNS(M, N) to report the selection's logQ (see {@link hardSampler});
 *   0 reports the base proposal's.
 * @remarks O(want · valid); allocates nothing.
 * @internal
 */
export function pickHard(
  items: Int32Array,
  logQ: Float32Array,
  scores: Float32Array,
  keys: Float64Array,
  taken: Uint8Array,
  valid: number,
  want: number,
  softmax: boolean,
  invTau: number,
  state: Uint32Array,
  outItems: Int32Array,
  outLogQ: Float32Array,
  o: number,
  tally: Float64Array,
  selectionKeep = 0,
  sortScratch: SortScratch | null = null,
): void {
  // Softmax selection: log c of the inclusion probabilities min(1, c·w) (keys used as scratch).
  const logZ = selectionKeep > 0 && softmax && valid > 0 ? inclusionLogC(scores, logQ, valid, invTau, selectionKeep, keys) : 0
  const maxShift = selectionKeep > 0 && !softmax && valid > selectionKeep ? Math.log(valid / selectionKeep) : 0
  for (let c = 0; c < valid; c++) {
    taken[c] = 0
    if (softmax) {
      // Gumbel(0, 1) noise: −log(−log U), U in (0, 1).
      let s0 = state[0] | 0
      let s1 = state[1] | 0
      let s2 = state[2] | 0
      let s3 = state[3] | 0
      const r = (s0 + s3) >>> 0
      const tt = s1 << 9
      const a2 = s2 ^ s0
      const a3 = s3 ^ s1
      s1 ^= a2
      s0 ^= a3
      s2 = a2 ^ tt
      s3 = (a3 << 11) | (a3 >>> 21)
      state[0] = s0
      state[1] = s1
      state[2] = s2
      state[3] = s3
      const u = (r + 0.5) * 2.3283064365386963e-10
      keys[c] = scores[c] * invTau - logQ[c] - Math.log(-Math.log(u))
    } else keys[c] = scores[c]
  }
  if (sortScratch !== null && want > 1 && valid > 1) {
    // Small N: a running top-N by insertion; large N: one native sort.
    ;(want <= TOP_INSERT_MAX ? pickTop : pickSorted)(
      items,
      logQ,
      scores,
      keys,
      valid,
      want,
      softmax,
      invTau,
      logZ,
      maxShift,
      selectionKeep,
      outItems,
      outLogQ,
      o,
      tally,
      sortScratch,
    )
    return
  }
  for (let d = 0; d < want; d++) {
    let best = -1
    let bestKey = -Infinity
    for (let c = 0; c < valid; c++) {
      if (taken[c] === 0 && (best < 0 || keys[c] > bestKey)) {
        best = c
        bestKey = keys[c]
      }
    }
    if (best < 0) {
      outItems[o + d] = -1
      outLogQ[o + d] = 0
      tally[2]++
      continue
    }
    taken[best] = 1
    outItems[o + d] = items[best]
    outLogQ[o + d] =
      selectionKeep > 0 ? selectionLogQ(logQ[best], scores[best], softmax, invTau, logZ, maxShift, valid, selectionKeep) : logQ[best]
    if (valid > 1) {
      const x = scores[best]
      let below = 0
      let ties = 0
      for (let c = 0; c < valid; c++) {
        if (scores[c] < x) below++
        else if (scores[c] === x && c !== best) ties++
      }
      tally[0] += (below + 0.5 * ties) / (valid - 1)
      tally[1]++
    }
  }
}

/** Scratch of {@link pickHard}'s sorting path, sized for M candidates. @internal */
export interface SortScratch {
  /** Candidate indices of the running top-N ({@link pickTop}). */
  top: Int32Array
  packed: Float64Array
  sorted: Float32Array
  f32: Float32Array
  u32: Uint32Array
}

/** Allocates a {@link SortScratch} for up to `m` candidates. @internal */
export function createSortScratch(m: number): SortScratch {
  const f32 = new Float32Array(1)
  return { top: new Int32Array(m), packed: new Float64Array(m), sorted: new Float32Array(m), f32, u32: new Uint32Array(f32.buffer) }
}

const INDEX_SPAN = 131072 // > the largest M (100,000): the index fits below the key in a float64

/** Up to this many picks per group, {@link pickTop}'s insertion beats two native sorts. */
const TOP_INSERT_MAX = 32

/**
 * The top-`want` path of {@link pickHard} for small `want`: one pass keeping the running top
 * `want` keys by insertion (ties keep the earlier candidate, as the linear path), hardness counted
 * linearly for one pick per group (rotating). Same picks, in the same order, as the linear path.
 * @remarks O(valid · want) worst case, O(valid + want²·log(valid/want)) expected for random keys;
 *   allocates nothing.
 */
function pickTop(
  items: Int32Array,
  logQ: Float32Array,
  scores: Float32Array,
  keys: Float64Array,
  valid: number,
  want: number,
  softmax: boolean,
  invTau: number,
  logZ: number,
  maxShift: number,
  selectionKeep: number,
  outItems: Int32Array,
  outLogQ: Float32Array,
  o: number,
  tally: Float64Array,
  sc: SortScratch,
): void {
  const top = sc.top
  let n = 0
  for (let c = 0; c < valid; c++) {
    const key = keys[c]
    if (n === want && !(key > keys[top[n - 1]])) continue
    let p = n < want ? n++ : n - 1
    while (p > 0 && keys[top[p - 1]] < key) {
      top[p] = top[p - 1]
      p--
    }
    top[p] = c
  }
  for (let d = 0; d < n; d++) {
    const best = top[d]
    outItems[o + d] = items[best]
    outLogQ[o + d] =
      selectionKeep > 0 ? selectionLogQ(logQ[best], scores[best], softmax, invTau, logZ, maxShift, valid, selectionKeep) : logQ[best]
  }
  // Hardness of one pick per group, rotating through the positions (tally[3] counts groups): an
  // unbiased estimate of the mean over all picks at 1/want of the counting.
  if (n > 0) {
    const x = scores[top[tally[3]++ % n]]
    let below = 0
    let ties = -1 // the pick itself
    for (let c = 0; c < valid; c++) {
      if (scores[c] < x) below++
      else if (scores[c] === x) ties++
    }
    tally[0] += (below + 0.5 * ties) / (valid - 1)
    tally[1]++
  }
  for (let d = n; d < want; d++) {
    outItems[o + d] = -1
    outLogQ[o + d] = 0
    tally[2]++
  }
}

/**
 * The top-`want` path of {@link pickHard} in O(M log M): keys (as float32, order-preserving bits)
 * packed with the reversed index into float64s and sorted natively, so ties keep the earlier
 * candidate as the linear path does; hardness by binary search in the sorted scores.
 */
function pickSorted(
  items: Int32Array,
  logQ: Float32Array,
  scores: Float32Array,
  keys: Float64Array,
  valid: number,
  want: number,
  softmax: boolean,
  invTau: number,
  logZ: number,
  maxShift: number,
  selectionKeep: number,
  outItems: Int32Array,
  outLogQ: Float32Array,
  o: number,
  tally: Float64Array,
  sc: SortScratch,
): void {
  const packed = sc.packed
  const sorted = sc.sorted
  const f32 = sc.f32
  const u32 = sc.u32
  // Whole-array native sorts (a subarray view per call would allocate): the unused tail sorts first.
  const len = packed.length
  const off = len - valid
  for (let c = 0; c < valid; c++) {
    f32[0] = keys[c] + 0 // −0 → +0: they compare equal
    const bits = u32[0]
    const key = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0
    packed[c] = key * INDEX_SPAN + (INDEX_SPAN - 1 - c)
  }
  packed.fill(-1, valid)
  packed.sort()
  if (softmax) {
    // Keys are not scores: rank the scores separately for the hardness percentile.
    for (let c = 0; c < valid; c++) sorted[c] = scores[c]
    sorted.fill(-Infinity, valid)
    sorted.sort()
  }
  const n = Math.min(want, valid)
  for (let d = 0; d < n; d++) {
    const p = len - 1 - d
    const best = INDEX_SPAN - 1 - (packed[p] % INDEX_SPAN)
    outItems[o + d] = items[best]
    outLogQ[o + d] =
      selectionKeep > 0 ? selectionLogQ(logQ[best], scores[best], softmax, invTau, logZ, maxShift, valid, selectionKeep) : logQ[best]
    if (softmax) tally[0] += sortedPercentile(sorted, off, len, scores[best])
    else {
      // Keys are the scores: the run of equal keys around p gives the ties, what lies under it is below.
      const key = Math.floor(packed[p] / INDEX_SPAN)
      let lo = p
      while (lo > off && Math.floor(packed[lo - 1] / INDEX_SPAN) === key) lo--
      let hi = p
      while (hi < len - 1 && Math.floor(packed[hi + 1] / INDEX_SPAN) === key) hi++
      tally[0] += (lo - off + 0.5 * (hi - lo)) / (valid - 1)
    }
    tally[1]++
  }
  for (let d = n; d < want; d++) {
    outItems[o + d] = -1
    outLogQ[o + d] = 0
    tally[2]++
  }
}

/**
 * log q of a chosen candidate under the selection (see {@link hardSampler}): DNS(M, N) log q₀ +
 * log(M/N); softmax log(M·q₀·π/N) with π the candidate's inclusion probability among the group's
 * (weights w = e^{x/τ}/q₀): w/Σw for N = 1 (exact), 1 − e^{−λw} for N > 1 (see {@link inclusionLogC}).
 */
function selectionLogQ(
  lq0: number,
  x: number,
  softmax: boolean,
  invTau: number,
  logC: number,
  maxShift: number,
  valid: number,
  keep: number,
): number {
  if (!softmax) return lq0 + maxShift
  if (logC === Infinity) return Math.log(valid / keep) + lq0
  const t = x * invTau - lq0 + logC
  const logPi = keep === 1 ? t : Math.log(-Math.expm1(-Math.exp(t)))
  return Math.log(valid / keep) + lq0 + (logPi < 0 ? logPi : 0)
}

/**
 * The log of the inclusion constant of the softmax pick over one group's weights
 * w_c = exp(x_c/τ − log q₀(c)). N = 1: −log Σw (the Gumbel top-1 is exactly categorical ∝ w).
 * N > 1: log λ with Σ_c (1 − e^{−λ·w_c}) = N, Rosén's approximation of the inclusion probabilities
 * of successive sampling (the Gumbel top-N without replacement), solved by Newton's method from
 * λ = N/Σw (f is concave and increasing, so the iterates rise monotonically to the root).
 * +∞ when every candidate is kept.
 * @param work - scratch of at least `valid` float64s (overwritten).
 * @internal
 */
export function inclusionLogC(
  scores: Float32Array,
  logQ: Float32Array,
  valid: number,
  invTau: number,
  keep: number,
  work: Float64Array,
): number {
  if (valid <= keep) return Infinity
  let hi = -Infinity
  for (let c = 0; c < valid; c++) {
    const lw = scores[c] * invTau - logQ[c]
    work[c] = lw
    if (lw > hi) hi = lw
  }
  let sum = 0
  for (let c = 0; c < valid; c++) {
    work[c] = Math.exp(work[c] - hi)
    sum += work[c]
  }
  if (keep === 1) return -(hi + Math.log(sum))
  let lambda = keep / sum
  for (let it = 0; it < 100; it++) {
    let f = -keep
    let df = 0
    for (let c = 0; c < valid; c++) {
      const e = Math.exp(-lambda * work[c])
      f += 1 - e
      df += work[c] * e
    }
    if (f > -1e-10 * keep || !(df > 0)) break
    lambda -= f / df
  }
  return Math.log(lambda) - hi
}
