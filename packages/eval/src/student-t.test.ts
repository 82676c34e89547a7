import { describe, expect, it } from 'vitest'
import { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile } from '@decoy/eval'

// Reference values: closed forms where they exist, otherwise scipy 1.17 (stats.t, special.betainc).
describe('logGamma', () => {
  it('matches factorials and Γ(1/2) = √π', () => {
    expect(logGamma(1)).toBeCloseTo(0, 14)
    expect(logGamma(5)).toBeCloseTo(Math.log(24), 13)
    expect(logGamma(0.5)).toBeCloseTo(0.5 * Math.log(Math.PI), 13)
    expect(logGamma(0.1)).toBeCloseTo(Math.log(9.513507698668732), 12)
    expect(logGamma(171)).toBeCloseTo(706.5730622457874, 9)
  })
})

describe('regularizedIncompleteBeta', () => {
  it('matches closed forms', () => {
    // I_x(1, b) = 1 − (1−x)^b ; I_x(a, 1) = x^a ; I_½(a, a) = ½
    expect(regularizedIncompleteBeta(0.3, 1, 4.5)).toBeCloseTo(1 - Math.pow(0.7, 4.5), 14)
    expect(regularizedIncompleteBeta(0.8, 3.2, 1)).toBeCloseTo(Math.pow(0.8, 3.2), 14)
    expect(regularizedIncompleteBeta(0.5, 7.5, 7.5)).toBeCloseTo(0.5, 14)
    // I_x(2, 3) = Σ_{j=2..4} C(4, j) x^j (1−x)^(4−j)
    const x = 0.37
    const exact = 6 * x ** 2 * (1 - x) ** 2 + 4 * x ** 3 * (1 - x) + x ** 4
    expect(regularizedIncompleteBeta(x, 2, 3)).toBeCloseTo(exact, 14)
    expect(regularizedIncompleteBeta(0, 2, 3)).toBe(0)
    expect(regularizedIncompleteBeta(1, 2, 3)).toBe(1)
  })
  it('matches scipy on both sides of the mean and at large a', () => {
    expect(regularizedIncompleteBeta(0.3, 2.5, 0.5)).toBeCloseTo(0.018927124071945658, 13)
    expect(regularizedIncompleteBeta(0.01, 0.5, 3.7)).toBeCloseTo(0.20797985578194916, 13)
    expect(regularizedIncompleteBeta(0.99998, 50000, 0.5)).toBeCloseTo(0.1572981692636054, 13)
    expect(regularizedIncompleteBeta(0.4, 200, 300)).toBeCloseTo(0.5024286163199315, 11)
  })
  it('rejects bad arguments', () => {
    expect(() => regularizedIncompleteBeta(1.5, 1, 1)).toThrow(/x must be in/)
    expect(() => regularizedIncompleteBeta(0.5, 0, 1)).toThrow(/must be > 0/)
  })
})

describe('studentTCdf', () => {
  it('matches the closed forms for df = 1, 2, 3', () => {
    for (const t of [-30, -2, -0.4, 0, 0.4, 1, 2, 30]) {
      expect(studentTCdf(t, 1)).toBeCloseTo(0.5 + Math.atan(t) / Math.PI, 14)
      expect(studentTCdf(t, 2)).toBeCloseTo(0.5 + t / (2 * Math.sqrt(2 + t * t)), 14)
      const s3 = Math.sqrt(3)
      const f3 = 0.5 + (t / (s3 * (1 + (t * t) / 3)) + Math.atan(t / s3)) / Math.PI
      expect(studentTCdf(t, 3)).toBeCloseTo(f3, 14)
    }
  })
  it('matches scipy', () => {
    expect(studentTCdf(-2.5, 4)).toBeCloseTo(0.03338327240599407, 13)
    expect(studentTCdf(1.3, 15)).toBeCloseTo(0.8933883394433686, 13)
    expect(2 * (1 - studentTCdf(8, 3))).toBeCloseTo(0.004076577587785466, 12)
    expect(studentTCdf(0.7, 1e5)).toBeCloseTo(0.7580355335763389, 10)
    expect(studentTCdf(Infinity, 5)).toBe(1)
    expect(studentTCdf(-Infinity, 5)).toBe(0)
  })
})

describe('studentTQuantile', () => {
  it('matches the textbook two-sided 95% critical values (scipy)', () => {
    const table: Array<[number, number]> = [
      [1, 12.706204736174694],
      [2, 4.302652729749462],
      [5, 2.5705818356363146],
      [10, 2.228138851986274],
      [30, 2.0422724563012378],
      [1000, 1.9623390808264083],
      [1e5, 1.9599877075346095],
    ]
    for (const [df, t] of table) expect(studentTQuantile(0.975, df)).toBeCloseTo(t, 9)
    expect(studentTQuantile(0.995, 20)).toBeCloseTo(2.8453397097861077, 10)
    expect(studentTQuantile(0.05, 7)).toBeCloseTo(-1.8945786050900066, 10)
    expect(studentTQuantile(0.5, 3)).toBe(0)
  })
  it('inverts the CDF', () => {
    for (const df of [1, 2.5, 9, 200]) {
      for (const p of [0.001, 0.2, 0.6, 0.9999]) expect(studentTCdf(studentTQuantile(p, df), df)).toBeCloseTo(p, 12)
    }
  })
  it('rejects p outside (0, 1)', () => {
    expect(() => studentTQuantile(1, 3)).toThrow(/p must be in/)
  })
})
