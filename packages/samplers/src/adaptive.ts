/**
 * Adaptive samplers whose law follows the model's current ranking: WARP search (reports trials
 * for the rank weight) and AOBPR adaptive oversampling (rank-geometric over per-factor orderings).
 */
import type { NegativeSampler } from '@decoy/core'
import type { AdaptiveConfig, AdaptiveOptions } from './adaptive-config.js'
import { AobprSampler } from './adaptive-aobpr.js'
import { WarpSampler } from './adaptive-warp.js'
import { enumField } from './config.js'

export type { AdaptiveConfig, AdaptiveOptions } from './adaptive-config.js'

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
 * exactly from two alias tables: offset within a block of 256, then the block), a factor f with P(f|u) ∝ |v_uf|·σ_f (with `factors: K`, among the
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
 * @remarks WARP: O(N·score) per search. AOBPR: O(dim) per slot for the user's factor law (once per
 * refresh with `userLaw: 'refresh'`), O(1) per draw plus O(K) for its log q (K mixed factors), and
 * O(dim·|I|) per refresh (radix sort), amortised O(dim/ln|I|) per draw; memory 2·dim·|I| ints
 * (16-bit up to 65,536 items). Allocation only in
 * prepare (AOBPR) and prepare/first sample (WARP scratch sized by `maxSampled`).
 */
export function adaptiveSampler(options: AdaptiveOptions = {}): NegativeSampler<AdaptiveConfig> {
  const variant = enumField(options, 'adaptive', 'variant', ['warp', 'aobpr'] as const, 'warp')
  return variant === 'warp' ? new WarpSampler(options) : new AobprSampler(options)
}
