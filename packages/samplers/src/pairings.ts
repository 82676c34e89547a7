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
 * worker), on ml-latest-small (random per-user 80/20, seed 42) and three planted logs of
 * @decoy/datasets: `s100k` (943 × 1,682 in 20 clusters; users nearly exhaust their cluster),
 * `s100k8` (943 × 1,682 in 8 clusters, ~110 per user) and `s17k` (1,900 × 17,000). Script:
 * packages/experiments/scripts/pairing.ts (issue 13). Cells: validation NDCG@10, and the fit's CPU
 * time as a multiple of uniform's at the same loss (the machine was shared: CPU, not wall time);
 * FN = chosen negatives that are held-out positives, per 1,000 draws, on ml-latest-small.
 *
 * Sampled softmax, 32 negatives (MF's default loss):
 * | sampler                          | ml             | FN   | s100k          |
 * |----------------------------------|----------------|------|----------------|
 * | uniform                          | 0.1554 (4.7 s) | 5.6  | 0.2549         |
 * | hard M = 16, N = 1 (old default) | 0.1301, 4.5×   | 30.2 |                |
 * | hard DNS(64, 32)                 | 0.1571, 2.1×   | 9.6  | 0.2221, 2.3×   |
 * | dynamic S1 = S2 = 32, keep 32    | 0.1343, 3.3×   | 18.0 |                |
 * | adaptive WARP, maxSampled 4      | 0.1496, 1.8×   | 14.4 |                |
 *
 * BPR, one negative:
 * | sampler                          | ml             | s100k          | s100k8         | s17k           |
 * |----------------------------------|----------------|----------------|----------------|----------------|
 * | uniform                          | 0.1149 (0.49 s)| 0.2339         | 0.2123         | 0.1677         |
 * | hard M = 4 ★                     | 0.1327, 1.4×   | 0.2145, 1.5×   | 0.2123, 1.6×   | 0.1672, 1.6×   |
 * | hard M = 8                       | 0.1451, 1.8×   | 0.2165, 1.6×   |                | 0.1566, 2.1×   |
 * | dynamic S1 = S2 = 4              | 0.1184, 3.2×   | 0.2273, 3.8×   | 0.1899, 4.6×   | 0.1183, 2.7×   |
 * | dynamic S1 = 4, S2 = 8, τ = 10 ★ | 0.1232, 2.9×   | 0.2069, 3.5×   | 0.2027, 3.5×   | 0.1558, 2.9×   |
 * | adaptive WARP, maxSampled 10     | 0.1436, 2.0×   | 0.2228, 1.7×   |                | 0.1224, 2.2×   |
 * | adaptive WARP, maxSampled 32 ★   | 0.1455, 2.2×   | 0.2265, 1.7×   | 0.2164, 2.3×   | 0.1378, 3.5×   |
 * (WARP's own loss: uniform 0.0925 / adaptive 0.1056 on ml, 0.1531 / 0.1383 on s100k8, at 4.7×.)
 * The ★ SRNS row is measured after its cost work (rank-indexed fresh draws, the memory update by
 * successive sampling instead of two logarithms per candidate): same law, another random stream,
 * so seed 1's NDCG moved (before: 0.1304 / 0.2140 / 0.2096 / 0.1611 at 4.8× / 6.2× / 6.2× / 5.0×
 * in the same runs); over seeds 1–6 the means are unchanged within noise (ml 0.1338 before, 0.1316
 * after, against uniform BPR's 0.0998, whose seed 1 is a lucky one; s17k 0.1568 and 0.1568). Its
 * CPU ratios: median over 3 interleaved rounds (uniform, before, after) of each round's ratio; two
 * such runs gave 2.8× and 3.1× on ml (before: 4.8×, 5.4×), 3.0× and 2.7× on s17k (5.0×, 4.5×). The
 * S1 = S2 = 4 row predates that work.
 *
 * Why the model-aware samplers collapsed under sampled softmax (hard M = 16 over 32 negatives:
 * 0.130 against uniform's 0.155): not the logQ correction — reporting the selection's law instead
 * of the base proposal's gives the same 0.130, no correction 0.127 — but false negatives. The
 * hardest candidates are the user's held-out positives 5.4 times as often as uniform draws
 * (30.2 against 5.6 per 1,000), and the softmax gradient on a negative is its softmax weight, so
 * 32 near-maximal negatives per positive put almost all of it on the items the user will like.
 * Softening the selection (DNS(64, 32), the top half of 64 uniform candidates) brings the false
 * negatives down to 9.6 ‰ and matches uniform on ml-latest-small (0.157) but loses 13% on s100k,
 * where every in-cluster item is a likely positive. BPR with one hard negative per positive (DNS's
 * own setting: its gradient σ(x_j − x_i) is bounded per pair) is where hardness pays on real data:
 * +15% to +27% over uniform BPR on ml-latest-small. So every model-aware sampler is paired with BPR
 * and one negative (★), at the mildest hardness that still wins on ml-latest-small: DNS M = 4 (M = 8
 * wins more there but loses 7% on s17k); WARP maxSampled 32 (10 masks more failed searches, which
 * BPR then skips); SRNS with a small memory refreshed by more fresh candidates and a soft memory
 * update (τ = 10), which halves its loss on s17k against S1 = S2 = 4. What is left: on the planted
 * logs hardness rarely pays (hard is within 0.3% on s100k8 and s17k but −8% on s100k; WARP −18% on
 * s17k; SRNS −4% to −12% at seed 1), and SRNS costs 2.7–3.5× uniform BPR's CPU time. Uniform negatives with
 * sampled softmax remain the better model (0.155 on ml-latest-small against 0.146 at best here).
 */
export const samplerPairings: Readonly<Record<string, SamplerPairing>> = Object.freeze({
  hard: {
    loss: 'bpr',
    negatives: 1,
    sampler: { candidates: 4, keep: 1, pick: 'max' },
    note: 'DNS over 4 candidates with BPR: +15% NDCG@10 over uniform BPR on ml-latest-small at 1.4× its CPU time',
  },
  dynamic: {
    loss: 'bpr',
    negatives: 1,
    sampler: { memory: 4, refresh: 8, temperature: 10, keep: 1 },
    note: 'SRNS (S1 = 4, S2 = 8, τ = 10) with BPR: +32% NDCG@10 over uniform BPR on ml-latest-small (means over seeds 1–6: 0.132 against 0.100) at 2.8–3.1× its CPU time',
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
  return Object.hasOwn(samplerPairings, kind) ? samplerPairings[kind] : null
}
