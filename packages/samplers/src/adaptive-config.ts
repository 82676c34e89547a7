/**
 * The adaptive sampler's options, JSON config and per-variant field check, shared by its two
 * variants (`adaptive-warp.ts`, `adaptive-aobpr.ts`) and the factory (`adaptive.ts`).
 */
import type { SamplerConfig } from '@decoy/core'
import { checkConfig, type CommonOptions } from './config.js'

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
  /** AOBPR: `'proposal'` (default, O(K) per draw for K mixed factors) or `'exact'` (after exclusion, O(|I_u⁺|·K) per slot). */
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
 * Rejects the other variant's fields and unknown ones.
 * @internal
 */
export function variantCheck(options: object, variant: 'warp' | 'aobpr'): void {
  const own = variant === 'warp' ? WARP_FIELDS : AOBPR_FIELDS
  const other = variant === 'warp' ? AOBPR_FIELDS : WARP_FIELDS
  for (const key of Object.keys(options)) {
    if ((other as readonly string[]).includes(key) && !(own as readonly string[]).includes(key)) {
      throw new Error(`adaptive sampler: field "${key}" belongs to variant "${variant === 'warp' ? 'aobpr' : 'warp'}", not "${variant}"`)
    }
  }
  checkConfig(options, 'adaptive', own)
}
