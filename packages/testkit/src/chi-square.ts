/**
 * Goodness-of-fit helpers for statistical tests at a fixed seed: Pearson's chi-square with an
 * exact p-value (regularised upper incomplete gamma) and the total-variation distance.
 */

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

const LANCZOS = [
  676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
  -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
]

/**
 * ln Γ(x) for x > 0 (Lanczos, g = 7, n = 9; relative error ~1e-15).
 * @remarks O(1).
 */
export function logGamma(x: number): number {
  if (!(x > 0)) throw new Error(`logGamma: x must be > 0, got ${x}`)
  if (x < 0.5) return Math.log(Math.PI / Math.sin(Math.PI * x)) - logGamma(1 - x)
  const z = x - 1
  let a = 0.99999999999980993
  const t = z + 7.5
  for (let i = 0; i < 8; i++) a += LANCZOS[i] / (z + i + 1)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
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
export function chiSquare(observed: ArrayLike<number>, expectedProbs: ArrayLike<number>, opts: { minExpected?: number } = {}): ChiSquareResult {
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
