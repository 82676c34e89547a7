/**
 * SRNS: per-user memories of candidate negatives, chosen by score plus score variance over recent
 * epochs (Ding et al. 2020), with exclusion of training positives only.
 */
import type { Batch, NegativeBuffer, NegativeSampler, SamplerConfig, SamplerContext, SamplerStats, Scorer } from '@decoy/core'
import { checkAllocation } from '@decoy/core'
import { checkConfig, checkSampleArgs, commonFields, numberField, type CommonOptions, type Resolved } from './config.js'
import { buildExclusion, nthNonPositive, type Exclusion } from './exclusion.js'
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
}

/** JSON config of {@link dynamicSampler}. */
export interface DynamicConfig extends SamplerConfig, DynamicOptions {
  readonly kind: 'dynamic'
}

/**
 * SRNS (Ding et al. 2020): a memory M_u of S1 candidate negatives per user. For each draw of
 * user u:
 * 1. j* = argmax_{j ∈ M_u} [x_uj + α_t · std_uj], std_uj the standard deviation of x_uj over the
 *    slot's last H epoch snapshots, α_t = 0 for the first H epochs, then α·min(1, t/T0);
 * 2. the memory is topped up with S2 fresh negatives drawn uniformly from I \ I_u⁺ (exactly, by
 *    rank), and S1 of the S1+S2 are kept without replacement ∝ softmax(x_uj/τ) (Gumbel top-S1).
 *
 * Rationale (the paper): false negatives score high with low variance; informative negatives
 * score high with high variance. Unlike the authors' code this never builds a user×item score
 * matrix: each memory slot stores its own H-score history (the score of the slot's item recorded
 * once per epoch, the latest write of an epoch winning), and only the training positives are
 * excluded — test positives are unreachable by construction (`prepare` sees only `train`).
 * The epoch is advanced by `onEpochEnd(epoch)`.
 *
 * **logQ** reports the uniform refresh proposal, −log(|I| − |I_u⁺|), the law through which every
 * memory item entered; the selection probability itself has no closed form. **Hardness** is the
 * chosen item's score percentile among the S1+S2 scored candidates of its step.
 *
 * Defaults (S1 = S2 = 16, α = 1, T0 = 10, H = 5, τ = 1) cost 32 scores per draw and 16·(4 + 4·5)
 * bytes per user of memory (~0.6 MB on ml-latest-small, ~63 MB on ml-25m).
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
  private numItems = 0
  private epoch = 0
  private state: Uint32Array = new Uint32Array(4)
  private mem: Int32Array = new Int32Array(0)
  private hist: Float32Array = new Float32Array(0)
  private histEpoch: Int32Array = new Int32Array(0)
  private histN: Int32Array = new Int32Array(0)
  private userLogQ: Float32Array = new Float32Array(0)
  private cand: Int32Array = new Int32Array(0)
  private scores: Float32Array = new Float32Array(0)
  private keys: Float64Array = new Float64Array(0)
  private order: Int32Array = new Int32Array(0)
  private tmpMem: Int32Array = new Int32Array(0)
  private tmpHist: Float32Array = new Float32Array(0)
  private tmpEpoch: Int32Array = new Int32Array(0)
  private tmpN: Int32Array = new Int32Array(0)
  private readonly tally = new Float64Array(4)

  constructor(options: DynamicOptions) {
    checkConfig(options, 'dynamic', ['memory', 'refresh', 'alpha', 'warmup', 'history', 'temperature'])
    this.config = {
      kind: 'dynamic',
      memory: numberField(options, 'dynamic', 'memory', 16, { min: 1, max: 4096, integer: true }),
      refresh: numberField(options, 'dynamic', 'refresh', 16, { min: 1, max: 4096, integer: true }),
      alpha: numberField(options, 'dynamic', 'alpha', 1, { min: 0 }),
      warmup: numberField(options, 'dynamic', 'warmup', 10, { min: 1, integer: true }),
      history: numberField(options, 'dynamic', 'history', 5, { min: 2, max: 64, integer: true }),
      temperature: numberField(options, 'dynamic', 'temperature', 1, { min: 0, exclusiveMin: true }),
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
    this.epoch = 0
    this.state = ctx.rng.state
    checkAllocation(`dynamic sampler with memory ${s1} × history ${h} on ${users} users`, [
      { what: 'the score history', elements: users * s1 * h, bytesPer: 4 },
      { what: 'the per-user memory', elements: users * s1, bytesPer: 12 },
    ], 'lower memory or history')
    this.ex = cfg.excludePositives ? buildExclusion(train, 'dynamic', { allowMasked: cfg.allowMasked }) : null
    this.mem = new Int32Array(users * s1)
    this.hist = new Float32Array(users * s1 * h)
    this.histEpoch = new Int32Array(users * s1).fill(-1)
    this.histN = new Int32Array(users * s1)
    this.userLogQ = new Float32Array(users)
    const total = s1 + cfg.refresh
    this.cand = new Int32Array(total)
    this.scores = new Float32Array(total)
    this.keys = new Float64Array(total)
    this.order = new Int32Array(total)
    this.tmpMem = new Int32Array(s1)
    this.tmpHist = new Float32Array(s1 * h)
    this.tmpEpoch = new Int32Array(s1)
    this.tmpN = new Int32Array(s1)
    // Initial memories: S1 uniform negatives per user (-1 for users without any).
    const indptr = train.indptr
    for (let u = 0; u < users; u++) {
      const len = this.ex === null ? 0 : indptr[u + 1] - indptr[u]
      const m = n - len
      this.userLogQ[u] = m > 0 ? -Math.log(m) : 0
      for (let s = 0; s < s1; s++) this.mem[u * s1 + s] = m > 0 ? drawFresh(this.ex, u, m, this.state) : -1
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
    tally.fill(0)
    out.trials.fill(1, 0, size)
    for (let s = 0; s < size; s++) {
      const u = batch.users[s]
      for (let d = 0; d < k; d++) {
        const o = s * k + d
        if (this.mem[u * cfg.memory] < 0) {
          out.items[o] = -1
          out.logQ[o] = 0
          tally[2]++
          continue
        }
        out.items[o] = this.step(u, alphaT, tally)
        out.logQ[o] = this.userLogQ[u]
      }
    }
    this.counter.add(size * k - tally[2], 0, 0, size, size, tally[2])
    this.counter.addHardness(tally[0], tally[1])
  }

  /** One SRNS step for user u: choose from the memory, then refresh it. Allocates nothing. */
  private step(u: number, alphaT: number, tally: Float64Array): number {
    const cfg = this.config
    const s1 = cfg.memory
    const s2 = cfg.refresh
    const h = cfg.history
    const total = s1 + s2
    const mem = this.mem
    const hist = this.hist
    const histEpoch = this.histEpoch
    const histN = this.histN
    const cand = this.cand
    const scores = this.scores
    const keys = this.keys
    const state = this.state
    const n = this.numItems
    const len = this.ex === null ? 0 : this.ex.indptr[u + 1] - this.ex.indptr[u]
    const base = u * s1
    for (let s = 0; s < s1; s++) cand[s] = mem[base + s]
    for (let s = 0; s < s2; s++) cand[s1 + s] = drawFresh(this.ex, u, n - len, state)
    this.scorer!.scoreItems(u, cand, total, scores)
    // 1. Record this epoch's snapshot per memory slot, then choose by score + α_t·std.
    const epoch = this.epoch
    let best = 0
    let bestKey = -Infinity
    for (let s = 0; s < s1; s++) {
      const slot = base + s
      const x = scores[s]
      let cnt = histN[slot]
      if (histEpoch[slot] === epoch && cnt > 0) hist[slot * h + ((cnt - 1) % h)] = x
      else {
        hist[slot * h + (cnt % h)] = x
        cnt++
        histN[slot] = cnt
        histEpoch[slot] = epoch
      }
      const key = alphaT > 0 ? x + alphaT * stdOf(hist, slot * h, cnt < h ? cnt : h) : x
      if (key > bestKey) {
        bestKey = key
        best = s
      }
    }
    const chosen = cand[best]
    const xc = scores[best]
    let below = 0
    let ties = 0
    for (let c = 0; c < total; c++) {
      if (scores[c] < xc) below++
      else if (scores[c] === xc && c !== best) ties++
    }
    tally[0] += (below + 0.5 * ties) / (total - 1)
    tally[1]++
    // 2. Keep S1 of the S1+S2 without replacement ∝ exp(x/τ): Gumbel top-S1, duplicates dropped.
    const invTau = 1 / cfg.temperature
    for (let c = 0; c < total; c++) {
      let dup = false
      for (let e = 0; e < c; e++) {
        if (cand[e] === cand[c]) {
          dup = true
          break
        }
      }
      const r = (prngWord(state) + 0.5) * 2.3283064365386963e-10
      keys[c] = dup ? -Infinity : scores[c] * invTau - Math.log(-Math.log(r))
    }
    const order = this.order
    for (let c = 0; c < total; c++) order[c] = c
    // Partial selection sort: S1 is small.
    for (let a = 0; a < s1; a++) {
      let m = a
      for (let c = a + 1; c < total; c++) if (keys[order[c]] > keys[order[m]]) m = c
      const tmp = order[a]
      order[a] = order[m]
      order[m] = tmp
    }
    const tm = this.tmpMem
    const th = this.tmpHist
    const te = this.tmpEpoch
    const tn = this.tmpN
    for (let a = 0; a < s1; a++) {
      const c = order[a]
      // With fewer distinct candidates than S1 a duplicate (key −∞) may be kept; it is still a negative.
      tm[a] = cand[c]
      if (c < s1) {
        const slot = base + c
        for (let q = 0; q < h; q++) th[a * h + q] = hist[slot * h + q]
        te[a] = histEpoch[slot]
        tn[a] = histN[slot]
      } else {
        th[a * h] = scores[c]
        te[a] = epoch
        tn[a] = 1
      }
    }
    for (let a = 0; a < s1; a++) {
      const slot = base + a
      mem[slot] = tm[a]
      for (let q = 0; q < h; q++) hist[slot * h + q] = th[a * h + q]
      histEpoch[slot] = te[a]
      histN[slot] = tn[a]
    }
    return chosen
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
function drawFresh(ex: Exclusion | null, u: number, m: number, state: Uint32Array): number {
  const r = (prngWord(state) * 2.3283064365386963e-10 * m) | 0
  return ex === null ? r : nthNonPositive(ex.indptr, ex.items, u, r)
}
