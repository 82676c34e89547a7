/**
 * Running diagnostics shared by every strategy. Kernels count into locals and add their totals
 * here once per `sample` call, so the hot loop touches no object fields.
 */
import type { SamplerStats } from '@decoy/core'

/**
 * Accumulates draws, rejections, trials, masks and hardness; {@link SamplerStatsCounter.snapshot}
 * turns them into a {@link SamplerStats}.
 *
 * @example
 * ```ts
 * const stats = new SamplerStatsCounter()
 * stats.add(5120, 5140, 20, 1024, 1024, 0)
 * stats.snapshot().rejectionRate // 20 / 5140
 * ```
 */
export class SamplerStatsCounter {
  /** Negatives returned (masked ones excluded). */
  draws = 0
  /** Candidate draws made (accepted + rejected). */
  candidates = 0
  /** Candidates rejected as known positives. */
  rejected = 0
  /** Σ trials over slots. */
  trials = 0
  /** Slots filled. */
  slots = 0
  /** Draws masked as -1. */
  masked = 0
  /** Draws that used the exact complement fallback after the retry bound. */
  fallbacks = 0
  /** Σ score percentile of chosen negatives among their candidates (model-aware samplers). */
  hardnessSum = 0
  /** Number of percentiles summed. */
  hardnessCount = 0

  /**
   * Adds one call's totals.
   * @param draws - negatives returned.
   * @param candidates - candidate draws made.
   * @param rejected - candidates rejected as positives.
   * @param slots - slots filled.
   * @param trials - Σ trials over those slots.
   * @param masked - draws masked as -1.
   * @param fallbacks - draws served by the complement fallback.
   */
  add(draws: number, candidates: number, rejected: number, slots: number, trials: number, masked: number, fallbacks = 0): void {
    this.draws += draws
    this.candidates += candidates
    this.rejected += rejected
    this.slots += slots
    this.trials += trials
    this.masked += masked
    this.fallbacks += fallbacks
  }

  /** Adds `count` hardness percentiles summing to `sum`. */
  addHardness(sum: number, count: number): void {
    this.hardnessSum += sum
    this.hardnessCount += count
  }

  /** Clears every counter (called by `prepare`). */
  reset(): void {
    this.draws = 0
    this.candidates = 0
    this.rejected = 0
    this.trials = 0
    this.slots = 0
    this.masked = 0
    this.fallbacks = 0
    this.hardnessSum = 0
    this.hardnessCount = 0
  }

  /**
   * The current figures. `hardness` is present only when percentiles were recorded.
   * @returns a fresh {@link SamplerStats}; allocates one object.
   */
  snapshot(): SamplerStats {
    const s: { -readonly [K in keyof SamplerStats]: SamplerStats[K] } = {
      draws: this.draws,
      rejectionRate: this.candidates > 0 ? this.rejected / this.candidates : 0,
      meanTrials: this.slots > 0 ? this.trials / this.slots : 0,
      masked: this.masked,
      fallbacks: this.fallbacks,
      candidates: this.candidates,
    }
    if (this.hardnessCount > 0) s.hardness = this.hardnessSum / this.hardnessCount
    return s
  }
}
