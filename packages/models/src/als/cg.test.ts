import { describe, expect, it } from 'vitest'
import { buildInteractions, createRng } from '@decoy/core'
import { prngBelow, prngFloat, prngNormal } from '@decoy/core/kernels'
import { alsLoss, cgRows, cgScratch, choleskyRows, choleskySolve, confidenceMatrices, gram } from '@decoy/models/kernels'

/** Random factors and a random sparse confidence matrix (some rows empty). */
function problem(seed: number, rows: number, cols: number, dim: number, perRow: number, alpha: number) {
  const st = createRng(seed).state
  const X = new Float32Array(rows * dim)
  const Y = new Float32Array(cols * dim)
  for (let e = 0; e < X.length; e++) X[e] = 0.3 * prngNormal(st)
  for (let e = 0; e < Y.length; e++) Y[e] = 0.3 * prngNormal(st)
  const us: number[] = []
  const is: number[] = []
  const ws: number[] = []
  for (let u = 0; u < rows; u++) {
    if (u % 7 === 3) continue // an empty row
    const seen = new Set<number>()
    const n = 1 + prngBelow(st, perRow)
    while (seen.size < n) seen.add(prngBelow(st, cols))
    for (const i of seen) {
      us.push(u)
      is.push(i)
      ws.push(0.5 + 4 * prngFloat(st))
    }
  }
  const x = buildInteractions(
    { users: Int32Array.from(us), items: Int32Array.from(is), weights: Float32Array.from(ws) },
    { numUsers: rows, numItems: cols },
  )
  return { X, Y, x, ...confidenceMatrices(x, alpha, true) }
}

/** Dense Gaussian elimination with partial pivoting, independent of choleskySolve. */
function gaussSolve(A: number[][], b: number[]): number[] {
  const n = b.length
  const M = A.map((row, i) => [...row, b[i]])
  for (let c = 0; c < n; c++) {
    let piv = c
    for (let r = c + 1; r < n; r++) if (Math.abs(M[r][c]) > Math.abs(M[piv][c])) piv = r
    ;[M[c], M[piv]] = [M[piv], M[c]]
    for (let r = c + 1; r < n; r++) {
      const f = M[r][c] / M[c][c]
      for (let k = c; k <= n; k++) M[r][k] -= f * M[c][k]
    }
  }
  const x = new Array<number>(n).fill(0)
  for (let r = n - 1; r >= 0; r--) {
    let s = M[r][n]
    for (let k = r + 1; k < n; k++) s -= M[r][k] * x[k]
    x[r] = s / M[r][r]
  }
  return x
}

/**
 * The closed form of Hu, Koren & Volinsky for row u, from the dense confidence matrix:
 * x_u = (Yᵀ C_u Y + reg·I)⁻¹ Yᵀ C_u p_u with C_u = diag(c_ui) over every column (1 unobserved).
 */
function denseRow(
  u: number,
  users: { indptr: Int32Array; indices: Int32Array; conf: Float32Array },
  Y: Float32Array,
  cols: number,
  dim: number,
  reg: number,
): number[] {
  const c = new Array<number>(cols).fill(1)
  const p = new Array<number>(cols).fill(0)
  for (let q = users.indptr[u]; q < users.indptr[u + 1]; q++) {
    c[users.indices[q]] = users.conf[q]
    p[users.indices[q]] = 1
  }
  const A = Array.from({ length: dim }, (_, a) => Array.from({ length: dim }, (_, b) => (a === b ? reg : 0)))
  const b = new Array<number>(dim).fill(0)
  for (let i = 0; i < cols; i++) {
    for (let a = 0; a < dim; a++) {
      b[a] += c[i] * p[i] * Y[i * dim + a]
      for (let k = 0; k < dim; k++) A[a][k] += c[i] * Y[i * dim + a] * Y[i * dim + k]
    }
  }
  return gaussSolve(A, b)
}

describe('ALS row kernels (TypeScript reference)', () => {
  it('gram is YᵀY + reg·I', () => {
    const { Y } = problem(1, 5, 13, 6, 3, 1)
    const G = new Float64Array(36)
    gram(Y, 13, 6, 0.7, G)
    for (let a = 0; a < 6; a++) {
      for (let b = 0; b < 6; b++) {
        let s = a === b ? 0.7 : 0
        for (let i = 0; i < 13; i++) s += Y[i * 6 + a] * Y[i * 6 + b]
        expect(G[a * 6 + b]).toBeCloseTo(s, 10)
      }
    }
  })

  it('choleskySolve solves a random SPD system, and rejects an indefinite one', () => {
    const st = createRng(2).state
    const n = 7
    const B = Array.from({ length: n * n }, () => prngNormal(st))
    const A = new Float64Array(n * n)
    for (let i = 0; i < n; i++)
      for (let j = 0; j < n; j++) for (let k = 0; k < n; k++) A[i * n + j] += B[i * n + k] * B[j * n + k] + (i === j && k === 0 ? 0.5 : 0)
    const rhs = Array.from({ length: n }, () => prngNormal(st))
    const want = gaussSolve(
      Array.from({ length: n }, (_, i) => Array.from(A.subarray(i * n, i * n + n))),
      rhs,
    )
    const b = Float64Array.from(rhs)
    choleskySolve(A.slice(), b, n)
    for (let i = 0; i < n; i++) expect(b[i]).toBeCloseTo(want[i], 8)
    expect(() => choleskySolve(Float64Array.of(1, 2, 2, 1), new Float64Array(2), 2)).toThrow(/positive definite/)
  })

  it('choleskyRows equals the dense closed-form solve with confidence weights (full-rank normal equations)', () => {
    const rows = 12
    const cols = 9
    const dim = 5
    const reg = 0.3
    const { X, Y, users } = problem(3, rows, cols, dim, 5, 2)
    const G = new Float64Array(dim * dim)
    gram(Y, cols, dim, reg, G)
    choleskyRows(G, X, Y, dim, users.indptr, users.indices, users.conf, 0, rows, new Float64Array(dim * dim), new Float64Array(dim))
    for (let u = 0; u < rows; u++) {
      const want = users.indptr[u] === users.indptr[u + 1] ? new Array(dim).fill(0) : denseRow(u, users, Y, cols, dim, reg)
      for (let f = 0; f < dim; f++) expect(X[u * dim + f]).toBeCloseTo(want[f], 5)
    }
  })

  it('cgRows reaches the exact solution in dim steps, and each step lowers the loss', () => {
    const rows = 20
    const cols = 30
    const dim = 8
    const reg = 0.1
    const { X, Y, users } = problem(4, rows, cols, dim, 12, 3)
    const G = new Float64Array(dim * dim)
    gram(Y, cols, dim, reg, G)
    const exact = X.slice()
    choleskyRows(G, exact, Y, dim, users.indptr, users.indices, users.conf, 0, rows, new Float64Array(dim * dim), new Float64Array(dim))
    const err = (a: Float32Array): number => {
      let s = 0
      for (let e = 0; e < a.length; e++) s += (a[e] - exact[e]) ** 2
      return Math.sqrt(s)
    }
    const s = cgScratch(dim)
    expect(err(X)).toBeGreaterThan(0.5)
    // One step at a time from the previous result restarts CG, so each is a steepest-descent step
    // with exact line search: the row objective (the training loss with Y fixed) must fall.
    let prev = alsLoss(users, cols, X, Y, dim, reg)
    const x1 = X.slice()
    for (let t = 0; t < 4; t++) {
      cgRows(G, x1, Y, dim, users.indptr, users.indices, users.conf, 0, rows, 1, s)
      const l = alsLoss(users, cols, x1, Y, dim, reg)
      expect(l).toBeLessThan(prev)
      prev = l
    }
    expect(prev).toBeGreaterThan(alsLoss(users, cols, exact, Y, dim, reg))
    const full = X.slice()
    cgRows(G, full, Y, dim, users.indptr, users.indices, users.conf, 0, rows, dim, s)
    expect(err(full)).toBeLessThan(1e-4)
    for (let u = 0; u < rows; u++) {
      if (users.indptr[u] === users.indptr[u + 1]) for (let f = 0; f < dim; f++) expect(full[u * dim + f]).toBe(0)
    }
  })

  it('confidenceMatrices builds c = 1 + alpha·r on both sides, users ascending within an item', () => {
    const x = buildInteractions(
      { users: Int32Array.of(0, 0, 1, 2), items: Int32Array.of(1, 2, 1, 0), weights: Float32Array.of(2, 1, 3, 1) },
      { numUsers: 3, numItems: 3 },
    )
    const w = confidenceMatrices(x, 0.5, true)
    expect(Array.from(w.users.conf)).toEqual([2, 1.5, 2.5, 1.5])
    expect(Array.from(w.items.indptr)).toEqual([0, 1, 3, 4])
    expect(Array.from(w.items.indices)).toEqual([2, 0, 1, 0])
    expect(Array.from(w.items.conf)).toEqual([1.5, 2, 2.5, 1.5])
    expect(Array.from(confidenceMatrices(x, 0.5, false).users.conf)).toEqual([1.5, 1.5, 1.5, 1.5])
    const bad = buildInteractions(
      { users: Int32Array.of(0), items: Int32Array.of(0), weights: Float32Array.of(-1) },
      { numUsers: 1, numItems: 1 },
    )
    expect(() => confidenceMatrices(bad, 1, true)).toThrow(/weight -1/)
  })
})
