/**
 * Small statistics the CLI reports: Gini coefficient, order statistics, and the chi-square test
 * used by `decoy sample` to compare a sampler's draws with its closed-form law.
 */

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

/** log Γ(x) for x > 0 (Lanczos, g = 7, n = 9; ~15 significant digits). */
export function logGamma(x: number): number {
  const c = [
    0.99999999999980993, 676.5203681218851, -1259.1392167224028, 771.32342877765313, -176.61502916214059, 12.507343278686905,
    -0.13857109526572012, 9.9843695780195716e-6, 1.5056327351493116e-7,
  ]
  if (x < 0.5) return Math.log(Math.PI / Math.abs(Math.sin(Math.PI * x))) - logGamma(1 - x)
  const z = x - 1
  let a = c[0]
  const t = z + 7.5
  for (let i = 1; i < 9; i++) a += c[i] / (z + i)
  return 0.5 * Math.log(2 * Math.PI) + (z + 0.5) * Math.log(t) - t + Math.log(a)
}

/**
 * Regularized upper incomplete gamma Q(a, x) = Γ(a, x)/Γ(a), by the series for x < a + 1 and the
 * Lentz continued fraction otherwise (Numerical Recipes §6.2).
 */
export function gammaQ(a: number, x: number): number {
  if (!(a > 0)) throw new RangeError(`gammaQ: a must be > 0, got ${a}`)
  if (x <= 0) return 1
  const lnPre = a * Math.log(x) - x - logGamma(a)
  const maxIter = 10_000 + Math.ceil(20 * Math.sqrt(a))
  if (x < a + 1) {
    let ap = a
    let sum = 1 / a
    let del = sum
    for (let n = 0; n < maxIter; n++) {
      ap += 1
      del *= x / ap
      sum += del
      if (Math.abs(del) < Math.abs(sum) * 1e-15) break
    }
    return Math.max(0, 1 - sum * Math.exp(lnPre))
  }
  const tiny = 1e-300
  let b = x + 1 - a
  let c = 1 / tiny
  let d = 1 / b
  let h = d
  for (let i = 1; i < maxIter; i++) {
    const an = -i * (i - a)
    b += 2
    d = an * d + b
    if (Math.abs(d) < tiny) d = tiny
    c = b + an / c
    if (Math.abs(c) < tiny) c = tiny
    d = 1 / d
    const del = d * c
    h *= del
    if (Math.abs(del - 1) < 1e-15) break
  }
  return Math.min(1, Math.exp(lnPre) * h)
}

/** Result of a chi-square goodness-of-fit test. */
export interface ChiSquareResult {
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
 * Chi-square goodness of fit of observed counts against expected counts (same total). Bins with an
 * expectation below `minExpected` are pooled, in ascending order of expectation, until every pooled
 * bin reaches it; bins with zero expectation and a non-zero observation make the p-value 0.
 *
 * @param observed - count per category.
 * @param expected - expected count per category (Σ expected = Σ observed).
 * @param minExpected - pooling threshold (default 5, the usual rule of thumb).
 * @remarks O(n log n); allocates an index permutation.
 */
export function chiSquare(observed: ArrayLike<number>, expected: ArrayLike<number>, minExpected = 5): ChiSquareResult {
  const n = observed.length
  if (expected.length !== n) throw new Error(`chiSquare: ${n} observed vs ${expected.length} expected categories`)
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

/** Total-variation distance ½ Σ |p − q| between two count vectors, each normalised to 1. */
export function totalVariation(a: ArrayLike<number>, b: ArrayLike<number>): number {
  let sa = 0
  let sb = 0
  for (let i = 0; i < a.length; i++) sa += a[i]
  for (let i = 0; i < b.length; i++) sb += b[i]
  if (!(sa > 0) || !(sb > 0)) return 0
  let tv = 0
  for (let i = 0; i < a.length; i++) tv += Math.abs(a[i] / sa - b[i] / sb)
  return tv / 2
}
