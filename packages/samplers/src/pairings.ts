/**
 * Recommended pairings of the model-aware samplers: the loss, the negatives per positive and the
 * sampler's own candidate settings that make each one pay for itself (issue 13). `decoy train
 * --sampler X` without `--loss` / `--negatives` uses X's pairing.
 */

/** A sampler's recommended training setup. */
export interface SamplerPairing {
  /** Loss name of @decoy/models (`softmax`, `bpr`, …). */
  readonly loss: string
  /** Negatives per positive (the training loop's k). */
  readonly negatives: number
  /** Sampler config fields (candidates, keep, …), under any the user sets. */
  readonly sampler: Readonly<Record<string, unknown>>
  /** Why, in one line: the measurement behind it. */
  readonly note: string
}

/**
 * The pairing per sampler kind, chosen on validation carved from train (10% of the train part,
 * seed 7; test never used) with MF defaults otherwise (dim 64, Adagrad 0.1, L2 0.05, 10 epochs),
 * on three datasets: ml-latest-small (random per-user 80/20, seed 42) and two planted synthetic
 * logs of @decoy/datasets (943 users × 1,682 items, and 1,900 × 17,000). The script is
 * packages/experiments/scripts/pairing.ts; the figures are in the issue-13 note.
 *
 * PAIRINGS_PLACEHOLDER
 */
export const samplerPairings: Readonly<Record<string, SamplerPairing>> = Object.freeze({
  hard: { loss: 'softmax', negatives: 32, sampler: { candidates: 64, keep: 32 }, note: 'placeholder' },
  dynamic: { loss: 'softmax', negatives: 32, sampler: { memory: 32, refresh: 32, keep: 32 }, note: 'placeholder' },
  adaptive: { loss: 'softmax', negatives: 8, sampler: { maxSampled: 10 }, note: 'placeholder' },
})

/**
 * The recommended pairing of a sampler kind, or null when it has none (the model's defaults
 * apply: static samplers need no pairing).
 * @example
 * ```ts
 * recommendedPairing('hard') // { loss: 'softmax', negatives: 32, sampler: { candidates: 64, keep: 32 }, … }
 * ```
 */
export function recommendedPairing(kind: string): SamplerPairing | null {
  return Object.prototype.hasOwnProperty.call(samplerPairings, kind) ? samplerPairings[kind] : null
}
