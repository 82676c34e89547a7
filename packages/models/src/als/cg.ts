/**
 * The TypeScript reference kernels of implicit ALS (Hu, Koren & Volinsky 2008), solving each row
 * by a few conjugate-gradient steps warm-started from its current value (Takács, Pilászy & Tikk
 * 2011). For row u with observed columns i (confidence c_i ≥ 1, preference 1) and the other
 * side's factors Y, the row minimises
 *   Σ_i c_i (1 − y_i·x)² + Σ_{j unobserved} (y_j·x)² + reg·|x|²,
 * whose normal equations are A x = b with
 *   A = YᵀY + reg·I + Σ_i (c_i − 1) y_i y_iᵀ,   b = Σ_i c_i y_i.
 * YᵀY + reg·I (`gram`) is shared by every row of a half-sweep; A·p is then G·p plus the sparse
 * correction over the row's columns, so A is never formed: O(dim² + n_u·dim) per CG step.
 * Accumulation is in float64 here; the WebAssembly twin (`cg-wasm.ts`) works in float32 lanes.
 */

/**
 * `G = YᵀY + reg·I` for the `rows × dim` matrix `Y` (row-major, stride dim).
 * @param G - output `[dim*dim]`, row-major (symmetric).
 * @remarks O(rows·dim²); allocates nothing.
 */
export function gram(Y: Float32Array, rows: number, dim: number, reg: number, G: Float64Array): void {
  G.fill(0, 0, dim * dim)
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    for (let a = 0; a < dim; a++) {
      const ya = Y[o + a]
      if (ya === 0) continue
      const ga = a * dim
      // Upper triangle only; mirrored below.
      for (let b = a; b < dim; b++) G[ga + b] += ya * Y[o + b]
    }
  }
  for (let a = 0; a < dim; a++) {
    G[a * dim + a] += reg
    for (let b = a + 1; b < dim; b++) G[b * dim + a] = G[a * dim + b]
  }
}

/** Scratch of {@link cgRows}: three vectors of length dim. */
export interface CgScratch {
  r: Float64Array
  p: Float64Array
  ap: Float64Array
}

/** Allocates {@link CgScratch} for `dim`. */
export function cgScratch(dim: number): CgScratch {
  return { r: new Float64Array(dim), p: new Float64Array(dim), ap: new Float64Array(dim) }
}

/** Convergence floor on |r|², as implicit's (the row is solved to float32 precision). */
export const CG_EPS = 1e-20

/**
 * Updates rows `[start, end)` of `X` in place: each by `steps` conjugate-gradient steps on its
 * normal equations (see the module comment), starting from its current value. A row without
 * observed columns is set to zero (its exact solution).
 *
 * @param G - `YᵀY + reg·I` from {@link gram}.
 * @param X - the side being solved, `[rows*dim]`.
 * @param Y - the fixed side, `[cols*dim]`.
 * @param indptr - row pointers of the confidence matrix (rows of X).
 * @param indices - column ids (rows of Y).
 * @param conf - confidence per entry (≥ 1).
 * @remarks O(steps·(dim² + nnz·dim)) over the range; allocates nothing.
 */
export function cgRows(
  G: Float64Array,
  X: Float32Array,
  Y: Float32Array,
  dim: number,
  indptr: Int32Array,
  indices: Int32Array,
  conf: Float32Array,
  start: number,
  end: number,
  steps: number,
  s: CgScratch,
): void {
  const r = s.r
  const p = s.p
  const ap = s.ap
  for (let u = start; u < end; u++) {
    const xo = u * dim
    const a0 = indptr[u]
    const a1 = indptr[u + 1]
    if (a0 === a1) {
      X.fill(0, xo, xo + dim)
      continue
    }
    // r = b − A x = −G x + Σ_i (c_i − (c_i − 1) y_i·x) y_i
    for (let a = 0; a < dim; a++) {
      let t = 0
      const ga = a * dim
      for (let b = 0; b < dim; b++) t += G[ga + b] * X[xo + b]
      r[a] = -t
    }
    for (let q = a0; q < a1; q++) {
      const yo = indices[q] * dim
      const c = conf[q]
      let d = 0
      for (let f = 0; f < dim; f++) d += Y[yo + f] * X[xo + f]
      const t = c - (c - 1) * d
      for (let f = 0; f < dim; f++) r[f] += t * Y[yo + f]
    }
    let rs = 0
    for (let f = 0; f < dim; f++) {
      p[f] = r[f]
      rs += r[f] * r[f]
    }
    if (rs < CG_EPS) continue
    for (let it = 0; it < steps; it++) {
      // ap = A p = G p + Σ_i (c_i − 1)(y_i·p) y_i
      for (let a = 0; a < dim; a++) {
        let t = 0
        const ga = a * dim
        for (let b = 0; b < dim; b++) t += G[ga + b] * p[b]
        ap[a] = t
      }
      for (let q = a0; q < a1; q++) {
        const yo = indices[q] * dim
        let d = 0
        for (let f = 0; f < dim; f++) d += Y[yo + f] * p[f]
        const t = (conf[q] - 1) * d
        for (let f = 0; f < dim; f++) ap[f] += t * Y[yo + f]
      }
      let pap = 0
      for (let f = 0; f < dim; f++) pap += p[f] * ap[f]
      const step = rs / pap
      let rsNew = 0
      for (let f = 0; f < dim; f++) {
        X[xo + f] += step * p[f]
        r[f] -= step * ap[f]
        rsNew += r[f] * r[f]
      }
      if (rsNew < CG_EPS) break
      const beta = rsNew / rs
      for (let f = 0; f < dim; f++) p[f] = r[f] + beta * p[f]
      rs = rsNew
    }
  }
}
