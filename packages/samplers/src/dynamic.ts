/**
 * SRNS: per-user memories of candidate negatives, chosen by score plus score variance over recent
 * epochs (Ding et al. 2020), with exclusion of training positives only.
 */
import {
  scorePairs,
  type Batch,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type SamplerContext,
  type SamplerStats,
  type Scorer,
} from '@decoy/core'
import { checkAllocation } from '@decoy/core'
import { checkConfig, checkSampleArgs, commonFields, numberField, type CommonOptions, type Resolved } from './config.js'
import { buildExclusion, type Exclusion } from './exclusion.js'
import { buildRankIndex, drawNonPositives, rankIndexed, rankIndexSize, type RankIndex } from './kernels/rank-index.js'
import { successiveSample } from './kernels/successive.js'
import { createTopOrderScratch, topOrder, type TopOrderScratch } from './kernels/top-order.js'
import { sortedPercentile } from './kernels/percentile.js'
import { SamplerStatsCounter } from './stats.js'

/** Options of {@link dynamicSampler}. */
export interface DynamicOptions extends CommonOptions {
  /** S1: memory slots per user (default 16). */
  readonly memory?: number
  /** S2: fresh uniform candidates added to the memory at every step (default 16). */
  readonly refresh?: number
  /** α: weight of the score standard deviation in the choice (default 1). */
  readonly alpha?: number
  /** T0: epochs over which α_t ramps up linearly, α_t = α·min(1, t/T0) (default 10). */
  readonly warmup?: number
  /** H: epoch snapshots per memory slot in the variance (default 5; α_t = 0 before epoch H). */
  readonly history?: number
  /** τ of the memory update, keep S1 of S1+S2 without replacement ∝ exp(x/τ) (default 1). */
  readonly temperature?: number
  /**
   * N: negatives one step yields, the N memory slots of highest x + α_t·std (default 1, the
   * paper's argmax); a slot's k draws take ⌈k/N⌉ steps, so N = k scores S1 + S2 items per positive
   * instead of k·(S1 + S2). At most `memory`.
   */
  readonly keep?: number
}

/** JSON config of {@link dynamicSampler}. */
export interface DynamicConfig extends SamplerConfig, DynamicOptions {
  readonly kind: 'dynamic'
}

/**
 * SRNS (Ding et al. 2020): a memory M_u of S1 candidate negatives per user. For each draw of
 * user u:
 * 1. j* = argmax_{j ∈ M_u} [x_uj + α_t · std_uj], std_uj the standard deviation of x_uj over the
 *    slot's last H epoch snapshots, α_t = 0 for the first H epochs, then α·min(1, t/T0) (with
 *    `keep` N > 1: the N memory slots of highest key, in descending key, as DNS(M, N) does);
 * 2. the memory is topped up with S2 fresh negatives drawn uniformly from I \ I_u⁺ (exactly, by
 *    rank), and S1 of the S1+S2 are kept without replacement ∝ softmax(x_uj/τ) (the Gumbel top-S1
 *    law, drawn by successive sampling: a few uniforms per kept slot, no logarithm).
 *
 * Rationale (the paper): false negatives score high with low variance; informative negatives
 * score high with high variance. Unlike the authors' code this never builds a user×item score
 * matrix: each memory slot stores its own H-score history (the score of the slot's item recorded
 * once per epoch, the latest write of an epoch winning), and only the training positives are
 * excluded — test positives are unreachable by construction (`prepare` sees only `train`).
 * The epoch is advanced by `onEpochEnd(epoch)`.
 *
 * **Batched scoring**: a batch's steps run in rounds in which each user takes at most one step (its
 * next one, in slot order), and one `scorePairs` call (the model's batched `scoreBatch`) scores the
 * memories and fresh candidates of the whole round. A user's steps therefore see the memory its
 * previous step left, exactly as one at a time: the parameters do not change inside `sample`.
 *
 * **logQ** reports the uniform refresh proposal, −log(|I| − |I_u⁺|), the law through which every
 * memory item entered; the selection probability itself has no closed form. **Hardness** is the
 * chosen item's score percentile among the S1+S2 scored candidates of its step.
 *
 * Defaults (S1 = S2 = 16, α = 1, T0 = 10, H = 5, τ = 1) cost 32 scores per draw and 16·(4 + 4·5)
 * bytes per user of memory (~0.6 MB on ml-latest-small, ~63 MB on ml-25m), plus a rank index of
 * about 4 bytes per training pair that makes each exact fresh draw O(1) expected.
 *
 * @param options - see {@link DynamicOptions}.
 * @returns an unprepared sampler that requires a scorer.
 * @see Ding, Quan, Yao, Li, Jin, "Simplify and Robustify Negative Sampling for Implicit
 * Collaborative Filtering", NeurIPS 2020 (code: dingjingtao/SRNS).
 * @example
 * ```ts
 * const s = dynamicSampler({ memory: 16, refresh: 16 })
 * s.prepare({ train, rng: createRng(5).fork('sampler'), scorer: model.scorer() })
 * s.sample(batch, negatives); s.onEpochEnd?.(0)
 * ```
 * @remarks O(k·(S1+S2)·(score cost + H)) per slot; allocation only in prepare.
 */
export function dynamicSampler(options: DynamicOptions = {}): NegativeSampler<DynamicConfig> {
  return new DynamicSampler(options)
}

class DynamicSampler implements NegativeSampler<DynamicConfig> {
  readonly config: Resolved<DynamicConfig> & Required<DynamicOptions>
  readonly requires = { scorer: true }
  private readonly counter = new SamplerStatsCounter()
  private scorer: Scorer | null = null
  private ex: Exclusion | null = null
  private ranks: RankIndex | null = null
  private numItems = 0
  private invTau = 1
  private epoch = 0
  private state: Uint32Array = new Uint32Array(4)
  private mem: Int32Array = new Int32Array(0)
  private hist: Float32Array = new Float32Array(0)
  private histEpoch: Int32Array = new Int32Array(0)
  /** Per memory slot: snapshots and ring position, see `step`. */
  private histN: Int32Array = new Int32Array(0)
  private userLogQ: Float32Array = new Float32Array(0)
  private keys: Float64Array = new Float64Array(0)
  private weights: Float64Array = new Float64Array(0)
  private order: Int32Array = new Int32Array(0)
  private tmpMem: Int32Array = new Int32Array(0)
  private tmpHist: Float32Array = new Float32Array(0)
  private tmpEpoch: Int32Array = new Int32Array(0)
  private tmpN: Int32Array = new Int32Array(0)
  private readonly tally = new Float64Array(4)
  private pairUsers = new Int32Array(0)
  private pairItems = new Int32Array(0)
  private pairScores = new Float32Array(0)
  private pending = new Int32Array(0)
  private roundAt = new Int32Array(0)
  private userRound = new Int32Array(0)
  private memOrder = new Int32Array(0)
  private sortedScores = new Float32Array(0)
  private memScratch: TopOrderScratch = createTopOrderScratch(0)
  private stamp = new Int32Array(0)
  private stampGen = 0

  constructor(options: DynamicOptions) {
    checkConfig(options, 'dynamic', ['memory', 'refresh', 'alpha', 'warmup', 'history', 'temperature', 'keep'])
    const memory = numberField(options, 'dynamic', 'memory', 16, { min: 1, max: 4096, integer: true })
    this.config = {
      kind: 'dynamic',
      memory,
      refresh: numberField(options, 'dynamic', 'refresh', 16, { min: 1, max: 4096, integer: true }),
      alpha: numberField(options, 'dynamic', 'alpha', 1, { min: 0 }),
      warmup: numberField(options, 'dynamic', 'warmup', 10, { min: 1, integer: true }),
      history: numberField(options, 'dynamic', 'history', 5, { min: 2, max: 64, integer: true }),
      temperature: numberField(options, 'dynamic', 'temperature', 1, { min: 0, exclusiveMin: true }),
      keep: numberField(options, 'dynamic', 'keep', 1, { min: 1, max: memory, integer: true }),
      ...commonFields(options, 'dynamic'),
    }
  }

  prepare(ctx: SamplerContext): void {
    if (ctx.scorer == null) throw new Error('dynamic sampler: requires a scorer (the model’s live Scorer) in prepare({ scorer }); got null')
    const train = ctx.train
    const n = train.numItems
    if (!(n > 0)) throw new Error('dynamic sampler: the training data has no items')
    const cfg = this.config
    const s1 = cfg.memory
    const h = cfg.history
    const users = train.numUsers
    this.scorer = ctx.scorer
    this.numItems = n
    this.invTau = 1 / cfg.temperature
    this.epoch = 0
    this.state = ctx.rng.state
    checkAllocation(
      `dynamic sampler with memory ${s1} × history ${h} on ${users} users`,
      [
        { what: 'the score history', elements: users * s1 * h, bytesPer: 4 },
        { what: 'the per-user memory', elements: users * s1, bytesPer: 12 },
        { what: 'the rank index of the training rows', elements: cfg.excludePositives ? rankIndexSize(train.indptr, n) : 0, bytesPer: 4 },
      ],
      'lower memory or history',
    )
    this.ex = cfg.excludePositives ? buildExclusion(train, 'dynamic', { allowMasked: cfg.allowMasked }) : null
    // Fresh draws are exact by rank; the index makes each O(1) expected instead of a binary search.
    this.ranks = this.ex === null ? null : buildRankIndex(this.ex.indptr, this.ex.items, n)
    this.mem = new Int32Array(users * s1)
    this.hist = new Float32Array(users * s1 * h)
    this.histEpoch = new Int32Array(users * s1).fill(-1)
    this.histN = new Int32Array(users * s1)
    this.userLogQ = new Float32Array(users)
    const total = s1 + cfg.refresh
    this.keys = new Float64Array(total)
    this.weights = new Float64Array(total)
    this.order = new Int32Array(total)
    this.tmpMem = new Int32Array(s1)
    this.tmpHist = new Float32Array(s1 * h)
    this.tmpEpoch = new Int32Array(s1)
    this.tmpN = new Int32Array(s1)
    this.memOrder = new Int32Array(s1)
    this.sortedScores = new Float32Array(total)
    this.memScratch = createTopOrderScratch(s1)
    this.stamp = new Int32Array(n).fill(-1)
    this.stampGen = 0
    this.userRound = new Int32Array(users).fill(-1)
    // Initial memories: S1 uniform negatives per user (-1 for users without any).
    const indptr = train.indptr
    for (let u = 0; u < users; u++) {
      const len = this.ex === null ? 0 : indptr[u + 1] - indptr[u]
      const m = n - len
      this.userLogQ[u] = m > 0 ? -Math.log(m) : 0
      for (let s = 0; s < s1; s++) this.mem[u * s1 + s] = m > 0 ? drawFresh(this.ex, this.ranks, u, m, this.state) : -1
    }
    this.counter.reset()
  }

  onEpochEnd(epoch: number): void {
    this.epoch = epoch + 1
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('dynamic', this.scorer !== null, batch.size, out.capacity)
    const size = batch.size
    const k = out.k
    const cfg = this.config
    const t = this.epoch
    const alphaT = t < cfg.history ? 0 : cfg.alpha * Math.min(1, t / cfg.warmup)
    const tally = this.tally
    const total = cfg.memory + cfg.refresh
    const keep = cfg.keep
    const groups = Math.ceil(k / keep)
    tally.fill(0)
    out.trials.fill(1, 0, size)
    // Steps (slot, group) in slot order; a user's steps must run in that order.
    const steps = size * groups
    if (this.pending.length < steps) {
      this.pending = new Int32Array(steps)
      this.roundAt = new Int32Array(steps)
    }
    const perRound = Math.max(1, Math.min(steps, Math.floor(DYNAMIC_PAIR_BUDGET / total)))
    if (this.pairUsers.length < perRound * total) {
      this.pairUsers = new Int32Array(perRound * total)
      this.pairItems = new Int32Array(perRound * total)
      this.pairScores = new Float32Array(perRound * total)
    }
    const users = batch.users
    const pending = this.pending
    const roundAt = this.roundAt
    const userRound = this.userRound
    let np = 0
    for (let s = 0; s < size; s++) {
      if (this.mem[users[s] * cfg.memory] < 0) {
        for (let d = 0; d < k; d++) {
          out.items[s * k + d] = -1
          out.logQ[s * k + d] = 0
        }
        tally[2] += k
        continue
      }
      for (let g = 0; g < groups; g++) pending[np++] = s * groups + g
    }
    for (let round = 0; np > 0; round++) {
      // Gather the first pending step of each user not yet in this round, up to perRound steps.
      let inRound = 0
      let pairs = 0
      for (let p = 0; p < np; p++) {
        const u = users[groups === 1 ? pending[p] : (pending[p] / groups) | 0]
        if (inRound >= perRound || userRound[u] === round) {
          roundAt[p] = -1
          continue
        }
        userRound[u] = round
        roundAt[p] = pairs
        this.gather(u, pairs)
        pairs += total
        inRound++
      }
      scorePairs(this.scorer!, this.pairUsers, this.pairItems, pairs, this.pairScores)
      // Run the gathered steps in slot order; the others stay pending.
      let next = 0
      for (let p = 0; p < np; p++) {
        const step = pending[p]
        if (roundAt[p] < 0) {
          pending[next++] = step
          continue
        }
        const s = groups === 1 ? step : (step / groups) | 0
        const d0 = groups === 1 ? 0 : (step - s * groups) * keep
        const want = Math.min(keep, k - d0)
        const u = users[s]
        this.step(u, alphaT, tally, roundAt[p], out.items, s * k + d0, want)
        for (let d = 0; d < want; d++) out.logQ[s * k + d0 + d] = this.userLogQ[u]
      }
      np = next
    }
    // Reset the round stamps this batch touched.
    for (let s = 0; s < size; s++) userRound[users[s]] = -1
    this.counter.add(size * k - tally[2], 0, 0, size, size, tally[2])
    this.counter.addHardness(tally[0], tally[1])
  }

  /** Writes user u's memory and S2 fresh uniform negatives at `pairItems[at..at+S1+S2)`. */
  private gather(u: number, at: number): void {
    const cfg = this.config
    const s1 = cfg.memory
    const total = s1 + cfg.refresh
    const items = this.pairItems
    const pu = this.pairUsers
    const mem = this.mem
    for (let c = at; c < at + total; c++) pu[c] = u
    for (let s = 0; s < s1; s++) items[at + s] = mem[u * s1 + s]
    const ex = this.ex
    if (ex !== null && this.ranks !== null)
      drawNonPositives(this.ranks, ex.indptr, ex.items, u, this.numItems, this.state, items, at + s1, cfg.refresh)
    else for (let s = s1; s < total; s++) items[at + s] = drawFresh(null, null, u, this.numItems, this.state)
  }

  /**
   * One SRNS step for user u over the candidates gathered at `pairItems[at..at+S1+S2)` (memory
   * first) and their scores at `pairScores[at..)`: writes the `want` chosen memory items to
   * `outItems[o..o+want)`, then refreshes the memory. Allocates nothing.
   */
  private step(u: number, alphaT: number, tally: Float64Array, at: number, outItems: Int32Array, o: number, want: number): void {
    const cfg = this.config
    const s1 = cfg.memory
    const h = cfg.history
    const total = s1 + cfg.refresh
    const mem = this.mem
    const hist = this.hist
    const histEpoch = this.histEpoch
    const histN = this.histN
    const cand = this.pairItems
    const scores = this.pairScores
    const keys = this.keys
    const base = u * s1
    // 1. Record this epoch's snapshot per memory slot, then choose by score + α_t·std.
    const epoch = this.epoch
    for (let s = 0; s < s1; s++) {
      const slot = base + s
      const x = scores[at + s]
      // histN in [0, 2H): v < H snapshots written at [0, v); v ≥ H: full ring, next write at v − H
      // (no integer division in the step).
      let v = histN[slot]
      if (histEpoch[slot] === epoch && v > 0) hist[slot * h + (v > h ? v - h - 1 : v - 1)] = x
      else {
        hist[slot * h + (v >= h ? v - h : v)] = x
        v = v + 1 === 2 * h ? h : v + 1
        histN[slot] = v
        histEpoch[slot] = epoch
      }
      keys[s] = alphaT > 0 ? x + alphaT * stdOf(hist, slot * h, v < h ? v : h) : x
    }
    // The `want` memory slots of highest key (ties: the earlier slot), in descending key.
    const memOrder = this.memOrder
    const sortedScores = this.sortedScores
    if (want === 1) {
      let best = 0
      for (let s = 1; s < s1; s++) if (keys[s] > keys[best]) best = s
      memOrder[0] = best
    } else topOrder(keys, s1, want, memOrder, this.memScratch)
    for (let d = 0; d < want; d++) {
      const best = memOrder[d]
      outItems[o + d] = cand[at + best]
      if (total < 2) continue
      const xc = scores[at + best]
      if (want === 1) {
        // One pick: a linear count beats sorting.
        let below = 0
        let ties = 0
        for (let c = 0; c < total; c++) {
          const x = scores[at + c]
          below += x < xc ? 1 : 0
          ties += x === xc ? 1 : 0
        }
        if (ties > 0) ties-- // the chosen one itself
        tally[0] += (below + 0.5 * ties) / (total - 1)
      } else {
        // Ranks by binary search in the step's sorted scores (sorted once for the `want` picks).
        if (d === 0) {
          for (let c = 0; c < total; c++) sortedScores[c] = scores[at + c]
          sortedScores.sort()
        }
        tally[0] += sortedPercentile(sortedScores, 0, total, xc)
      }
      tally[1]++
    }
    // 2. Keep S1 of the S1+S2 without replacement ∝ exp(x/τ), duplicates dropped (weight 0):
    // successive sampling, the law of the Gumbel top-S1 order, a few uniforms per kept slot and no
    // logarithm.
    const invTau = this.invTau
    // A candidate equal to an earlier one of this step is a duplicate (item stamps: O(1) each).
    const stamp = this.stamp
    if (this.stampGen >= 0x7ffffff0) {
      stamp.fill(-1)
      this.stampGen = 0
    }
    const gen = ++this.stampGen
    for (let c = 0; c < total; c++) {
      const j = cand[at + c]
      keys[c] = stamp[j] === gen ? -Infinity : scores[at + c] * invTau
      stamp[j] = gen
    }
    const order = this.order
    successiveSample(keys, total, s1, order, this.weights, this.state)
    // With fewer distinct candidates than S1 a duplicate (weight 0) may be kept; it is still a negative.
    const tm = this.tmpMem
    const th = this.tmpHist
    const te = this.tmpEpoch
    const tn = this.tmpN
    for (let a = 0; a < s1; a++) {
      const c = order[a]
      tm[a] = cand[at + c]
      if (c < s1) {
        const slot = base + c
        const v = histN[slot]
        // Only the written snapshots matter (most slots hold one: the memory turns over fast).
        for (let q = 0, nq = v < h ? v : h; q < nq; q++) th[a * h + q] = hist[slot * h + q]
        te[a] = histEpoch[slot]
        tn[a] = v
      } else {
        th[a * h] = scores[at + c]
        te[a] = epoch
        tn[a] = 1
      }
    }
    for (let a = 0; a < s1; a++) {
      const slot = base + a
      mem[slot] = tm[a]
      for (let q = 0, nq = tn[a] < h ? tn[a] : h; q < nq; q++) hist[slot * h + q] = th[a * h + q]
      histEpoch[slot] = te[a]
      histN[slot] = tn[a]
    }
  }

  stats(): SamplerStats {
    return { ...this.counter.snapshot(), epoch: this.epoch }
  }
}

/** Population standard deviation of `a[o..o+n)` (0 when n < 2). @internal */
function stdOf(a: Float32Array, o: number, n: number): number {
  if (n < 2) return 0
  let mean = 0
  for (let i = 0; i < n; i++) mean += a[o + i]
  mean /= n
  let v = 0
  for (let i = 0; i < n; i++) {
    const d = a[o + i] - mean
    v += d * d
  }
  return Math.sqrt(v / n)
}

/** (step, candidate) pairs scored per batched call. */
const DYNAMIC_PAIR_BUDGET = 16384

/** One xoshiro128+ word (inline copy of `prngNext`). @internal */
function prngWord(state: Uint32Array): number {
  const s0 = state[0]
  const s1 = state[1]
  const s2 = state[2] ^ s0
  const s3 = state[3] ^ s1
  const r = (s0 + state[3]) >>> 0
  state[0] = s0 ^ s3
  state[1] = s1 ^ s2
  state[2] = s2 ^ (s1 << 9)
  state[3] = (s3 << 11) | (s3 >>> 21)
  return r
}

/** Exact uniform draw from I \ I_u⁺ (m = its size > 0) by rank; uniform over I without exclusion. @internal */
function drawFresh(ex: Exclusion | null, ranks: RankIndex | null, u: number, m: number, state: Uint32Array): number {
  const r = (prngWord(state) * 2.3283064365386963e-10 * m) | 0
  return ex === null || ranks === null ? r : rankIndexed(ranks, ex.indptr, ex.items, u, r)
}
