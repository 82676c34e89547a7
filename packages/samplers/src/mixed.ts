/**
 * A mixture of samplers: each slot's k draws are split between parts by share, each draw keeping
 * its own part's logQ (mixed negative sampling, Yang et al. 2020).
 */
import {
  createNegativeBuffer,
  type Batch,
  type NegativeBuffer,
  type NegativeSampler,
  type SamplerConfig,
  type SamplerContext,
  type SamplerStats,
} from '@decoy/core'
import { booleanField, checkSampleArgs, numberField, type CommonOptions } from './config.js'
import { SamplerStatsCounter } from './stats.js'

/** One part of a {@link MixedConfig}. */
export interface MixedPart {
  /** The part's sampler config (any registered kind, custom kinds included). */
  readonly sampler: SamplerConfig
  /** Relative share of each slot's k draws (> 0; normalised over parts). */
  readonly share: number
}

/** Options of {@link mixedSampler}. */
export interface MixedOptions extends CommonOptions {
  /**
   * The parts, in output order: a slot's draws are part 0's, then part 1's, … Default: in-batch
   * (exact frequencies) and uniform with equal shares (Yang et al. 2020).
   */
  readonly parts?: readonly MixedPart[]
}

const COMMON = ['excludePositives', 'allowMasked', 'maxTrials'] as const

const DEFAULT_PARTS: readonly MixedPart[] = [
  { sampler: { kind: 'in-batch' }, share: 1 },
  { sampler: { kind: 'uniform' }, share: 1 },
]

/** JSON config of {@link mixedSampler}. */
export interface MixedConfig extends SamplerConfig, MixedOptions {
  readonly kind: 'mixed'
}

/**
 * Splits k draws between parts by share, deterministically: k_p = ⌊k·w_p⌋ plus one for the parts
 * with the largest remainders (ties to the earlier part), w_p = share_p / Σ share.
 *
 * @param shares - the parts' shares.
 * @param k - draws per slot.
 * @param out - out: draws per part, length ≥ shares.length.
 * @remarks O(parts²) (parts are few), allocates nothing.
 */
export function splitDraws(shares: ArrayLike<number>, k: number, out: Int32Array): void {
  const n = shares.length
  let total = 0
  for (let p = 0; p < n; p++) total += shares[p]
  let given = 0
  for (let p = 0; p < n; p++) {
    out[p] = Math.floor((k * shares[p]) / total)
    given += out[p]
  }
  for (let left = k - given; left > 0; left--) {
    let best = -1
    let bestRem = -1
    for (let p = 0; p < n; p++) {
      const rem = (k * shares[p]) / total - out[p]
      if (rem > bestRem) {
        bestRem = rem
        best = p
      }
    }
    out[best]++
  }
}

/**
 * A mixture of negative samplers, e.g. in-batch plus uniform (mixed negative sampling, Yang et al.
 * 2020): `{ kind: 'mixed', parts: [{ sampler: { kind: 'in-batch' }, share: 1 }, { sampler:
 * { kind: 'uniform' }, share: 1 }] }`.
 *
 * Parts are built through the registry (`createSampler`, so custom kinds work when the mixed
 * sampler is itself built by `createSampler(config, { custom })`), prepared with their own forks
 * `rng.fork('part<p>')`, and each fills its k_p draws of every slot ({@link splitDraws}: a
 * deterministic largest-remainder split of k by share). A slot's output is part 0's k_0 draws, then
 * part 1's, and so on. `trials` comes from the first part with k_p > 0 (put a WARP part first to
 * keep its rank estimate). `requires` is the union of the parts'.
 *
 * logQ: a draw from part p reports log q_p(j) + log(k_p/k), i.e. its own proposal scaled by the
 * part's share of the draws, so that k·exp(logQ) = k_p·q_p(j) is the draw's expected count from
 * its own stream and streams of different laws are comparable in one sampled softmax. Yang et al.
 * use p = 1/|C| for the corpus (uniform) stream and the streaming estimate for the in-batch one.
 * For an item that both streams can produce, the exact expected count is Σ_p k_p·q_p(j) (the
 * balance heuristic of multiple importance sampling); which formula to use is open (TFRS #635).
 * We report only the own-stream term, a lower bound of the mixture probability: exact for items
 * only one stream can draw, and off by log(1 + Σ_{p'≠p} k_p'q_p'(j) / (k_p q_p(j))) otherwise — small
 * for the common in-batch + uniform mix, where popular items dominate the in-batch stream and the
 * uniform stream's 1/|C| is tiny next to them. Unlike the paper, corpus negatives are drawn per
 * slot rather than shared by the whole batch (the per-draw law is the same).
 *
 * @param options - `parts` (non-empty; shares finite and > 0; default in-batch + uniform, equal
 *   shares). `excludePositives`, `allowMasked`, `maxTrials`, when given, override every part's.
 *   The stored `config` holds each part's resolved config (every default filled in).
 * @param create - builds a part from its config; the registry passes its own (custom kinds included).
 * @returns an unprepared sampler.
 * @see Yang, Yi, Chen, Hong, Cheng, Heldt, Kumthekar, Zhao, Wei, Chi, "Mixed Negative Sampling for
 * Learning Two-tower Neural Networks in Recommendations", WWW 2020 companion.
 * @see tensorflow/recommenders #635 (what q is for mixed negatives).
 * @example
 * ```ts
 * const s = createSampler({ kind: 'mixed', parts: [
 *   { sampler: { kind: 'in-batch', frequency: 'streaming' }, share: 3 },
 *   { sampler: { kind: 'uniform' }, share: 1 },
 * ] })
 * ```
 * @remarks O(Σ parts' costs) + O(B·k) copying per batch. The per-part buffers are allocated in
 * `sample` the first time a (capacity, k) pair is seen, then reused.
 */
export function mixedSampler(options: MixedOptions = {}, create: (config: SamplerConfig) => NegativeSampler): NegativeSampler<MixedConfig> {
  return new MixedSampler(options, create)
}

class MixedSampler implements NegativeSampler<MixedConfig> {
  readonly config: MixedConfig
  readonly requires: { scorer: boolean; factors?: boolean; minBatch?: number }
  private readonly parts: NegativeSampler[]
  private readonly shares: Float64Array
  private readonly split: Int32Array
  private readonly bufs: (NegativeBuffer | null)[]
  private readonly counter = new SamplerStatsCounter()
  private bufK = 0
  private bufCap = 0
  private prepared = false

  constructor(options: MixedOptions, create: (config: SamplerConfig) => NegativeSampler) {
    if (options === null || typeof options !== 'object' || Array.isArray(options))
      throw new Error(`mixed sampler: config must be an object, got ${JSON.stringify(options)}`)
    const o = options as Record<string, unknown>
    for (const key of Object.keys(o)) {
      if (key === 'kind' && o.kind === 'mixed') continue
      if (key === 'kind') throw new Error(`mixed sampler: config.kind is ${JSON.stringify(o.kind)}, expected "mixed"`)
      if (key !== 'parts' && !(COMMON as readonly string[]).includes(key)) {
        throw new Error(`mixed sampler: unknown config field "${key}" (known: kind, parts, ${COMMON.join(', ')})`)
      }
    }
    // Common fields given at the top level override every part's (validated here, applied below).
    const overrides: Record<string, unknown> = {}
    if (o.excludePositives !== undefined) overrides.excludePositives = booleanField(o, 'mixed', 'excludePositives', true)
    if (o.allowMasked !== undefined) overrides.allowMasked = booleanField(o, 'mixed', 'allowMasked', false)
    if (o.maxTrials !== undefined) overrides.maxTrials = numberField(o, 'mixed', 'maxTrials', 32, { min: 1, max: 1_000_000, integer: true })
    const parts = o.parts === undefined ? DEFAULT_PARTS : o.parts
    if (!Array.isArray(parts) || parts.length === 0)
      throw new Error(`mixed sampler: field "parts" must be a non-empty array of { sampler, share }, got ${JSON.stringify(parts)}`)
    const built: NegativeSampler[] = []
    const shares = new Float64Array(parts.length)
    const resolved: MixedPart[] = []
    for (let p = 0; p < parts.length; p++) {
      const part = parts[p] as Record<string, unknown>
      if (part === null || typeof part !== 'object' || Array.isArray(part))
        throw new Error(`mixed sampler: parts[${p}] must be an object { sampler, share }, got ${JSON.stringify(part)}`)
      for (const key of Object.keys(part))
        if (key !== 'sampler' && key !== 'share')
          throw new Error(`mixed sampler: parts[${p}] has unknown field "${key}" (known: sampler, share)`)
      const share = part.share
      if (typeof share !== 'number' || !Number.isFinite(share) || !(share > 0))
        throw new Error(`mixed sampler: parts[${p}].share must be a finite number > 0, got ${JSON.stringify(share)}`)
      let s: NegativeSampler
      try {
        const sc = part.sampler
        if (sc === null || typeof sc !== 'object' || Array.isArray(sc))
          throw new Error(`config must be an object with a "kind", got ${JSON.stringify(sc)}`)
        s = create({ ...(sc as SamplerConfig), ...overrides })
      } catch (e) {
        throw new Error(`mixed sampler: parts[${p}].sampler: ${(e as Error).message}`)
      }
      built.push(s)
      shares[p] = share
      resolved.push({ sampler: s.config, share })
    }
    this.parts = built
    this.shares = shares
    this.split = new Int32Array(parts.length)
    this.bufs = built.map(() => null)
    this.config = { kind: 'mixed', parts: resolved, ...overrides }
    let scorer = false
    let factors = false
    let minBatch = 0
    for (const s of built) {
      scorer = scorer || s.requires.scorer
      factors = factors || s.requires.factors === true
      minBatch = Math.max(minBatch, s.requires.minBatch ?? 0)
    }
    const req: { scorer: boolean; factors?: boolean; minBatch?: number } = { scorer }
    if (factors) req.factors = true
    if (minBatch > 0) req.minBatch = minBatch
    this.requires = req
  }

  prepare(ctx: SamplerContext): void {
    for (let p = 0; p < this.parts.length; p++)
      this.parts[p].prepare({ train: ctx.train, rng: ctx.rng.fork('part' + p), scorer: ctx.scorer })
    this.counter.reset()
    this.prepared = true
  }

  sample(batch: Batch, out: NegativeBuffer): void {
    checkSampleArgs('mixed', this.prepared, batch.size, out.capacity)
    const k = out.k
    const nParts = this.parts.length
    if (k !== this.bufK || out.capacity !== this.bufCap) {
      splitDraws(this.shares, k, this.split)
      for (let p = 0; p < nParts; p++) this.bufs[p] = this.split[p] > 0 ? createNegativeBuffer(out.capacity, this.split[p]) : null
      this.bufK = k
      this.bufCap = out.capacity
    }
    const size = batch.size
    let offset = 0
    let trialsSet = false
    let drawn = 0
    let masked = 0
    for (let p = 0; p < nParts; p++) {
      const buf = this.bufs[p]
      if (buf === null) continue
      const kp = buf.k
      this.parts[p].sample(batch, buf)
      const shift = Math.log(kp / k)
      const src = buf.items
      const srcQ = buf.logQ
      const dst = out.items
      const dstQ = out.logQ
      for (let s = 0; s < size; s++) {
        const sb = s * kp
        const db = s * k + offset
        for (let d = 0; d < kp; d++) {
          const j = src[sb + d]
          dst[db + d] = j
          if (j >= 0) {
            dstQ[db + d] = srcQ[sb + d] + shift
            drawn++
          } else {
            dstQ[db + d] = 0
            masked++
          }
        }
      }
      if (!trialsSet) {
        out.trials.set(buf.trials.subarray(0, size), 0)
        trialsSet = true
      }
      offset += kp
    }
    this.counter.add(drawn, 0, 0, size, 0, masked)
  }

  onEpochEnd(epoch: number): void {
    for (const s of this.parts) s.onEpochEnd?.(epoch)
  }

  stats(): SamplerStats {
    const own = this.counter.snapshot()
    const out: Record<string, number> = { draws: own.draws, masked: own.masked }
    let candidates = 0
    let rejected = 0
    let fallbacks = 0
    let meanTrials = 1
    let trialsFound = false
    for (let p = 0; p < this.parts.length; p++) {
      const st = this.parts[p].stats()
      const c = st.candidates ?? 0
      candidates += c
      rejected += st.rejectionRate * c
      fallbacks += st.fallbacks ?? 0
      if (!trialsFound && this.split[p] > 0) {
        meanTrials = st.meanTrials
        trialsFound = true
      }
      out[`part${p}Draws`] = st.draws
      out[`part${p}RejectionRate`] = st.rejectionRate
      if (st.hardness !== undefined) out[`part${p}Hardness`] = st.hardness
    }
    return {
      ...out,
      draws: own.draws,
      masked: own.masked,
      rejectionRate: candidates > 0 ? rejected / candidates : 0,
      meanTrials,
      fallbacks,
      candidates,
    }
  }
}
