import type { EvalResult } from './evaluate.js'
import { studentTCdf, studentTQuantile } from './student-t.js'

/** Options of {@link pairedComparison}. */
export interface PairedOptions {
  /** Two-sided confidence level of the interval, in (0, 1); default 0.95. */
  confidence?: number
}

/** A paired t-test of one metric between two evaluation runs. */
export interface PairedComparison {
  /** The compared key, e.g. `ndcg@10`. */
  metric: string
  /** Users evaluated in both runs (the pairs). */
  n: number
  /** Mean of the metric in run a over the common users. */
  meanA: number
  /** Mean of the metric in run b over the common users. */
  meanB: number
  /** Mean of the per-user differences a − b. */
  meanDiff: number
  /** Sample standard deviation of the differences (n − 1 denominator). */
  sdDiff: number
  /** Two-sided confidence interval of the mean difference. */
  ci: [number, number]
  /** The confidence level used. */
  confidence: number
  /** t statistic: meanDiff / (sdDiff / √n). */
  tStat: number
  /** Degrees of freedom, n − 1. */
  df: number
  /** Two-sided p-value of H0: mean difference = 0. */
  pValue: number
}

/**
 * Paired comparison of two runs on one metric: per-user differences a − b over the users both
 * runs evaluated, with Student's t confidence interval and two-sided p-value.
 *
 * Pairing by user removes the between-user variance, which dominates ranking metrics, so a paired
 * test detects differences an unpaired one misses. When every difference is equal (sd = 0) the
 * interval collapses to the mean and the p-value is 1 if the mean is 0, else 0.
 *
 * @param a - first run (from {@link evaluate}).
 * @param b - second run; must use the same protocol (both full ranking or both sampled).
 * @param metric - a per-user key present in both runs, e.g. `ndcg@10` or `sampled_hr@10`.
 * @param opts - `confidence` level (default 0.95).
 * @returns a {@link PairedComparison}.
 * @throws Error when the metric is missing, the protocols differ, or fewer than 2 users are shared.
 * @example
 * ```ts
 * const cmp = pairedComparison(mfResult, popResult, 'ndcg@10')
 * cmp.meanDiff; cmp.ci; cmp.pValue
 * ```
 * @remarks O(|a.users| + |b.users| + max user id); allocates one position table.
 * @see Smucker, Allan & Carterette, "A comparison of statistical significance tests for information
 *   retrieval evaluation", CIKM 2007.
 */
export function pairedComparison(a: EvalResult, b: EvalResult, metric: string, opts: PairedOptions = {}): PairedComparison {
  const confidence = opts.confidence ?? 0.95
  if (!(confidence > 0 && confidence < 1)) throw new Error(`pairedComparison: confidence must be in (0, 1), got ${confidence}`)
  if (a.sampled !== b.sampled) {
    throw new Error('pairedComparison: cannot compare a sampled run with a full-ranking run')
  }
  const colA = a.perUser[metric]
  const colB = b.perUser[metric]
  if (colA === undefined || colB === undefined) {
    const keys = Object.keys(a.perUser).join(', ')
    throw new Error(`pairedComparison: metric "${metric}" is not in both runs' perUser (available: ${keys})`)
  }

  let maxUser = -1
  for (let i = 0; i < b.users.length; i++) if (b.users[i] > maxUser) maxUser = b.users[i]
  const posB = new Int32Array(maxUser + 1).fill(-1)
  for (let i = 0; i < b.users.length; i++) posB[b.users[i]] = i

  // Welford's running mean and variance of the differences: stable for small differences.
  let n = 0
  let sumA = 0
  let sumB = 0
  let meanD = 0
  let m2 = 0
  for (let i = 0; i < a.users.length; i++) {
    const u = a.users[i]
    if (u > maxUser) continue
    const jb = posB[u]
    if (jb < 0) continue
    const va = colA[i]
    const vb = colB[jb]
    const d = va - vb
    n++
    sumA += va
    sumB += vb
    const delta = d - meanD
    meanD += delta / n
    m2 += delta * (d - meanD)
  }
  if (n < 2) throw new Error(`pairedComparison: needs at least 2 users common to both runs, found ${n}`)
  const df = n - 1
  const sd = Math.sqrt(m2 / df)
  const se = sd / Math.sqrt(n)
  let tStat: number
  let pValue: number
  let ci: [number, number]
  if (se === 0) {
    tStat = meanD === 0 ? 0 : meanD > 0 ? Infinity : -Infinity
    pValue = meanD === 0 ? 1 : 0
    ci = [meanD, meanD]
  } else {
    tStat = meanD / se
    pValue = 2 * studentTCdf(-Math.abs(tStat), df)
    const q = studentTQuantile(1 - (1 - confidence) / 2, df)
    ci = [meanD - q * se, meanD + q * se]
  }
  return { metric, n, meanA: sumA / n, meanB: sumB / n, meanDiff: meanD, sdDiff: sd, ci, confidence, tStat, df, pValue }
}
