/**
 * The exact per-row solve of implicit ALS by Cholesky factorisation (Hu, Koren & Volinsky 2008's
 * original method, implicit's `use_cg=False`): A = YᵀY + reg·I + Σ_i (c_i − 1) y_i y_iᵀ is formed
 * and factorised for each row. O(n_u·dim² + dim³/3) per row, so several times the CG solver at
 * dim 64; the `'cholesky'` solver and the tests use it as the reference the CG steps approach.
 */

/**
 * Solves `A x = b` in place for a symmetric positive-definite `A` (`[n*n]` row-major, overwritten
 * by its Cholesky factor L in the lower triangle); `b` becomes x.
 * @throws Error when A is not positive definite (a pivot ≤ 0).
 * @remarks O(n³/3); allocates nothing.
 */
export function choleskySolve(A: Float64Array, b: Float64Array, n: number): void {
  for (let j = 0; j < n; j++) {
    const jj = j * n
    let d = A[jj + j]
    for (let k = 0; k < j; k++) d -= A[jj + k] * A[jj + k]
    if (!(d > 0)) throw new Error(`choleskySolve: matrix is not positive definite (pivot ${j} = ${d}); increase the regularization`)
    const l = Math.sqrt(d)
    A[jj + j] = l
    for (let i = j + 1; i < n; i++) {
      const ii = i * n
      let s = A[ii + j]
      for (let k = 0; k < j; k++) s -= A[ii + k] * A[jj + k]
      A[ii + j] = s / l
    }
  }
  // L y = b, then Lᵀ x = y.
  for (let i = 0; i < n; i++) {
    let s = b[i]
    for (let k = 0; k < i; k++) s -= A[i * n + k] * b[k]
    b[i] = s / A[i * n + i]
  }
  for (let i = n - 1; i >= 0; i--) {
    let s = b[i]
    for (let k = i + 1; k < n; k++) s -= A[k * n + i] * b[k]
    b[i] = s / A[i * n + i]
  }
}

/**
 * Sets rows `[start, end)` of `X` to the exact minimiser of their weighted least-squares problem
 * (see `cg.ts`), given `G = YᵀY + reg·I`. Rows without observed columns become zero.
 * @param A - scratch `[dim*dim]`.
 * @param b - scratch `[dim]`.
 * @remarks O(n_u·dim² + dim³/3) per row; allocates nothing.
 */
export function choleskyRows(
  G: Float64Array,
  X: Float32Array,
  Y: Float32Array,
  dim: number,
  indptr: Int32Array,
  indices: Int32Array,
  conf: Float32Array,
  start: number,
  end: number,
  A: Float64Array,
  b: Float64Array,
): void {
  const dd = dim * dim
  for (let u = start; u < end; u++) {
    const xo = u * dim
    if (indptr[u] === indptr[u + 1]) {
      X.fill(0, xo, xo + dim)
      continue
    }
    for (let e = 0; e < dd; e++) A[e] = G[e]
    b.fill(0, 0, dim)
    for (let q = indptr[u]; q < indptr[u + 1]; q++) {
      const yo = indices[q] * dim
      const c = conf[q]
      for (let a = 0; a < dim; a++) {
        const ya = Y[yo + a]
        b[a] += c * ya
        const t = (c - 1) * ya
        for (let k = 0; k <= a; k++) A[a * dim + k] += t * Y[yo + k]
      }
    }
    // Only the lower triangle is read by choleskySolve.
    choleskySolve(A, b, dim)
    for (let f = 0; f < dim; f++) X[xo + f] = b[f]
  }
}
