/**
 * Recommended pairings of the model-aware samplers: the loss, the negatives per positive and the
 * sampler's own candidate settings that make each one pay for itself (issue 13), measured per
 * sampler (they do not assume the model's default loss). `decoy train --sampler X` without
 * `--loss` / `--negatives` uses X's pairing.
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
 * seed 7; test never used) with MF defaults otherwise (dim 64, Adagrad 0.1, L2 0.05, 10 epochs, one
 * worker), on ml-latest-small (random per-user 80/20, seed 42) and planted synthetic logs of
 * @decoy/datasets (`s100k`: 943 × 1,682 in 20 clusters, `s17k`: 1,900 × 17,000; script
 * packages/experiments/scripts/pairing.ts, issue 13). NDCG@10 on validation, fit CPU seconds
 * (the machine was shared: wall time is not comparable), false negatives = chosen negatives that
 * are held-out positives, per 1,000 draws:
 *
 * | loss, k      | sampler                        | ml NDCG | CPU s | FN ‰ | s100k NDCG | s17k NDCG |
 * |--------------|--------------------------------|---------|-------|------|------------|-----------|
 * | softmax, 32  | uniform                        | 0.1554  | 4.7   | 5.6  | 0.2549     | 0.2052    |
 * | softmax, 32  | hard M=16 N=1 (old default)    | 0.1301  | 20.8  | 30.2 |            |           |
 * | softmax, 32  | hard DNS(64, 32)               | 0.1571  | 9.9   | 9.6  | 0.2221     |           |
 * | softmax, 32  | dynamic S1=S2=32, keep 32      | 0.1343  | 15.3  | 18.0 |            |           |
 * | softmax, 32  | adaptive WARP maxSampled 4     | 0.1496  | 8.2   | 14.4 |            |           |
 * | bpr, 1       | uniform                        | 0.1149  | 0.49  | 5.5  | 0.2339     | 0.1677    |
 * | bpr, 1       | hard M=4                       | 0.1327  | 0.70  | 14.8 | 0.2145     | 0.1672    |
 * | bpr, 1       | hard M=8                       | 0.1451  | 0.86  | 22.4 | 0.2165     | 0.1566    |
 * | bpr, 1       | dynamic S1=S2=4                | 0.1184  | 1.59  | 27.1 | 0.2273     |           |
 * | bpr, 1       | dynamic S1=S2=8                | 0.1242  | 2.63  | 32.4 | 0.2271     |           |
 * | bpr, 1       | adaptive WARP maxSampled 10    | 0.1436  | 0.97  | 20.3 | 0.2228     |           |
 * | bpr, 1       | adaptive WARP maxSampled 32    | 0.1455  | 1.10  | 24.8 | 0.2265     |           |
 *
 * Why the model-aware samplers collapsed under sampled softmax (hard M=16 over 32 negatives:
 * 0.130 against uniform's 0.155): not the logQ correction — reporting the selection's law instead
 * of the base proposal's gives the same 0.130, no correction 0.127 — but false negatives. The
 * hardest candidates are the user's held-out positives 5.4 times as often as uniform draws
 * (30.2 against 5.6 per 1,000), and the softmax gradient on a negative is its softmax weight, so
 * 32 near-maximal negatives per positive put almost all of it on the items the user will like.
 * Softening the selection (DNS(64, 32): the top half of 64 uniform candidates) brings the false
 * negatives down to 9.6 ‰ and matches uniform on ml-latest-small (0.157), but loses 13% on the
 * clustered s100k, where every in-cluster item is a likely positive. BPR with one hard negative per
 * positive (DNS's own setting; its gradient σ(x_j − x_i) is bounded per pair) is where hardness
 * pays: +15% (hard M=4) to +27% (WARP) over uniform BPR on ml-latest-small at 1.4–2.2× its CPU
 * time. So every model-aware sampler is paired with BPR and one negative, at the mildest hardness
 * that still wins on ml-latest-small: M = 4 (M = 8 wins more there but loses 7% on s17k), WARP
 * maxSampled 32, SRNS S1 = S2 = 4 (S1 = S2 = 8 costs 5.4× uniform). On s100k every hard sampler
 * loses 3–8% to uniform BPR (the false-negative rate doubles or more): on data whose users exhaust
 * their taste cluster, prefer a static sampler. Uniform with sampled softmax stays the better
 * default model (0.155 on ml-latest-small against 0.146 for the best BPR pairing).
 */
export const samplerPairings: Readonly<Record<string, SamplerPairing>> = Object.freeze({
  hard: {
    loss: 'bpr',
    negatives: 1,
    sampler: { candidates: 4, keep: 1, pick: 'max' },
    note: 'DNS with 4 candidates and BPR: +15% NDCG@10 over uniform BPR on ml-latest-small at 1.4× its CPU time',
  },
  dynamic: {
    loss: 'bpr',
    negatives: 1,
    sampler: { memory: 4, refresh: 4, keep: 1 },
    note: 'SRNS with S1 = S2 = 4 and BPR: +3% NDCG@10 over uniform BPR on ml-latest-small at 3.2× its CPU time',
  },
  adaptive: {
    loss: 'bpr',
    negatives: 1,
    sampler: { variant: 'warp', maxSampled: 32 },
    note: 'WARP violators (maxSampled 32) as BPR negatives: +27% NDCG@10 over uniform BPR on ml-latest-small at 2.2× its CPU time',
  },
})

/**
 * The recommended pairing of a sampler kind, or null when it has none (the model's defaults
 * apply: static samplers need no pairing).
 * @example
 * ```ts
 * recommendedPairing('hard') // { loss: 'bpr', negatives: 1, sampler: { candidates: 4, keep: 1, pick: 'max' }, … }
 * ```
 */
export function recommendedPairing(kind: string): SamplerPairing | null {
  return Object.prototype.hasOwnProperty.call(samplerPairings, kind) ? samplerPairings[kind] : null
}
