/**
 * The adaptive sampler's AOBPR variant: adaptive oversampling over per-factor item orderings
 * (`adaptiveSampler` in adaptive.ts documents the rule, `kernels/aobpr-order.ts` for its kernels).
 */
import {
  isFactorView,
  type Batch,
  type FactorView,
  type Interactions,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerContext,
  type SamplerStats,
} from '@decoy/core'
import { checkAllocation } from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import { variantCheck, type AdaptiveConfig, type AdaptiveOptions } from './adaptive-config.js'
import { checkSampleArgs, commonFields, enumField, numberField } from './config.js'
import { buildExclusion, isPositive, nthNonPositive, type Exclusion } from './exclusion.js'
import {
  aobprAliasPick,
  aobprDrawRankAlias,
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
import { SamplerStatsCounter } from './stats.js'

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

/** Adaptive oversampling (`variant: 'aobpr'`). @internal */
export class AobprSampler implements NegativeSampler<AdaptiveConfig> {
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
          // sign, or the cached one); the rank by the two-level table. No logarithm per draw.
          const t = lo + aobprAliasPick(prngFloat(state), fprob, falias, count, lo)
          const r = aobprDrawRankAlias(state, ra, n)
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
