/**
 * Statistics, in one home for the CLI, the testkit and experiments: Pearson's chi-square with an
 * exact p-value (regularised upper incomplete gamma), the total-variation distance, and the
 * descriptive figures of `decoy data stats` (Gini coefficient, order statistics).
 */
import { logGamma } from './student-t.js'

/** Result of {@link chiSquare}. */
export interface ChiSquareResult {
  /** Pearson's statistic Σ (O − E)² / E over the (pooled) bins. */
  statistic: number
  /** Degrees of freedom: bins with positive expectation after pooling, minus one. */
  df: number
  /** P(χ²_df ≥ statistic); 0 when an impossible bin was observed. */
  pValue: number
  /** Number of draws. */
  n: number
}

/**
 * Regularised upper incomplete gamma Q(a, x) = Γ(a, x) / Γ(a): the series for P when x < a + 1,
 * the Lentz continued fraction for Q otherwise (Numerical Recipes §6.2).
 *
 * @param a - shape > 0.
 * @param x - ≥ 0.
 * @returns Q(a, x) in [0, 1]; absolute error below ~1e-14.
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new Error(`gammaQ: a must be > 0, got ${a}`)
  if (!(x >= 0)) throw new Error(`gammaQ: x must be >= 0, got ${x}`)
  if (x === 0) return 1
  if (x === Infinity) return 0
  const lnPrefix = -x + a * Math.log(x) - logGamma(a)
  if (x < a + 1) {
    let ap = a
    let del = 1 / a
    let sum = del
    for (let n = 0; n < 10_000; n++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * 1e-16) break
    }
    return Math.max(0, 1 - sum * Math.exp(lnPrefix))
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < 10_000; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-16) break
  }
  return Math.min(1, Math.exp(lnPrefix) * h)
}

/**
 * Pearson's chi-square goodness of fit of `observed` counts against the law `expectedProbs`.
 *
 * Bins whose expected count is below `minExpected` (default 5) are pooled into one bin, the
 * textbook condition for the χ² approximation; the pooled bin counts only if its own expectation
 * is positive. An observation in a bin of probability 0 gives statistic +∞ and p-value 0.
 *
 * @param observed - counts per bin.
 * @param expectedProbs - probabilities per bin (normalised here if they do not sum to 1).
 * @returns `{ statistic, df, pValue, n }`.
 * @example
 * ```ts
 * const { pValue } = chiSquare(counts, law)
 * expect(pValue).toBeGreaterThan(1e-3)
 * ```
 */
export function chiSquare(
  observed: ArrayLike<number>,
  expectedProbs: ArrayLike<number>,
  opts: { minExpected?: number } = {},
): ChiSquareResult {
  const m = observed.length
  if (expectedProbs.length !== m) throw new Error(`chiSquare: ${m} observed bins but ${expectedProbs.length} probabilities`)
  const minExpected = opts.minExpected ?? 5
  let n = 0
  let psum = 0
  for (let i = 0; i < m; i++) {
    if (!(observed[i] >= 0)) throw new Error(`chiSquare: observed[${i}] is ${observed[i]}`)
    if (!(expectedProbs[i] >= 0)) throw new Error(`chiSquare: expectedProbs[${i}] is ${expectedProbs[i]}`)
    n += observed[i]
    psum += expectedProbs[i]
  }
  if (!(psum > 0)) throw new Error('chiSquare: expected probabilities sum to 0')
  if (n === 0) throw new Error('chiSquare: no observations')
  let statistic = 0
  let bins = 0
  let poolO = 0
  let poolE = 0
  for (let i = 0; i < m; i++) {
    const e = (n * expectedProbs[i]) / psum
    const o = observed[i]
    if (e === 0) {
      if (o > 0) return { statistic: Infinity, df: Math.max(1, bins - 1), pValue: 0, n }
      continue
    }
    if (e < minExpected) {
      poolO += o
      poolE += e
      continue
    }
    statistic += ((o - e) * (o - e)) / e
    bins++
  }
  if (poolE > 0) {
    statistic += ((poolO - poolE) * (poolO - poolE)) / poolE
    bins++
  }
  const df = bins - 1
  if (df < 1) return { statistic, df: 0, pValue: 1, n }
  return { statistic, df, pValue: gammaQ(df / 2, statistic / 2), n }
}

/**
 * Total-variation distance ½ Σ |observed_i / n − p_i| between empirical counts and a law.
 * @returns a number in [0, 1].
 */
export function totalVariation(observed: ArrayLike<number>, expectedProbs: ArrayLike<number>): number {
  const m = observed.length
  if (expectedProbs.length !== m) throw new Error(`totalVariation: ${m} observed bins but ${expectedProbs.length} probabilities`)
  let n = 0
  let psum = 0
  for (let i = 0; i < m; i++) {
    n += observed[i]
    psum += expectedProbs[i]
  }
  if (n === 0 || !(psum > 0)) throw new Error('totalVariation: empty counts or law')
  let d = 0
  for (let i = 0; i < m; i++) d += Math.abs(observed[i] / n - expectedProbs[i] / psum)
  return d / 2
}

/** Result of {@link chiSquareCounts}. */
export interface ChiSquareCountsResult {
  /** Σ (O − E)² / E over the pooled bins. */
  statistic: number
  /** Degrees of freedom (pooled bins − 1). */
  df: number
  /** P(χ²_df ≥ statistic). */
  pValue: number
  /** Bins after pooling small expectations. */
  bins: number
}

/**
 * Chi-square goodness of fit of observed counts against expected counts (same total), as `decoy
 * sample` reports it against a sampler's closed-form law. Bins with an
 * expectation below `minExpected` are pooled, in ascending order of expectation, until every pooled
 * bin reaches it; bins with zero expectation and a non-zero observation make the p-value 0.
 *
 * @param observed - count per category.
 * @param expected - expected count per category (Σ expected = Σ observed).
 * @param minExpected - pooling threshold (default 5, the usual rule of thumb).
 * @remarks O(n log n); allocates an index permutation.
 */
export function chiSquareCounts(observed: ArrayLike<number>, expected: ArrayLike<number>, minExpected = 5): ChiSquareCountsResult {
  const n = observed.length
  if (expected.length !== n) throw new Error(`chiSquareCounts: ${n} observed vs ${expected.length} expected categories`)
  const order: number[] = []
  for (let i = 0; i < n; i++) {
    if (expected[i] > 0) order.push(i)
    else if (observed[i] > 0) return { statistic: Infinity, df: Math.max(1, n - 1), pValue: 0, bins: n }
  }
  order.sort((a, b) => expected[a] - expected[b])
  let stat = 0
  let bins = 0
  let o = 0
  let e = 0
  let lastO = 0
  let lastE = 0
  for (let j = 0; j < order.length; j++) {
    o += observed[order[j]]
    e += expected[order[j]]
    if (e >= minExpected) {
      stat += ((o - e) * (o - e)) / e
      bins++
      lastO = o
      lastE = e
      o = 0
      e = 0
    }
  }
  if (e > 0) {
    if (bins > 0) {
      // Fold the small leftover pool into the last bin.
      stat -= ((lastO - lastE) * (lastO - lastE)) / lastE
      const mo = lastO + o
      const me = lastE + e
      stat += ((mo - me) * (mo - me)) / me
    } else {
      stat += ((o - e) * (o - e)) / e
      bins++
    }
  }
  const df = Math.max(1, bins - 1)
  return { statistic: stat, df, pValue: bins < 2 ? 1 : gammaQ(df / 2, stat / 2), bins }
}

/**
 * Gini coefficient of non-negative values (0 = all equal, → 1 = all mass on one value).
 *
 * @param values - e.g. interaction count per item.
 * @returns G = Σ_i (2i − n − 1)·x_(i) / (n·Σx) over the sorted values, or 0 when Σx = 0.
 * @remarks O(n log n); copies and sorts the input.
 */
export function gini(values: ArrayLike<number>): number {
  const n = values.length
  if (n === 0) return 0
  const x = Float64Array.from(values as ArrayLike<number>).sort()
  let sum = 0
  let weighted = 0
  for (let i = 0; i < n; i++) {
    sum += x[i]
    weighted += (2 * (i + 1) - n - 1) * x[i]
  }
  return sum > 0 ? weighted / (n * sum) : 0
}

/** Minimum, median, mean and maximum of a sample. */
export interface Summary {
  min: number
  median: number
  mean: number
  max: number
}

/**
 * Min, median (mean of the two middle values for even n), mean and max.
 * @remarks O(n log n); copies the input. An empty input gives zeros.
 */
export function summarize(values: ArrayLike<number>): Summary {
  const n = values.length
  if (n === 0) return { min: 0, median: 0, mean: 0, max: 0 }
  const x = Float64Array.from(values as ArrayLike<number>).sort()
  let sum = 0
  for (let i = 0; i < n; i++) sum += x[i]
  const median = n % 2 === 1 ? x[(n - 1) >> 1] : (x[n / 2 - 1] + x[n / 2]) / 2
  return { min: x[0], median, mean: sum / n, max: x[n - 1] }
}
