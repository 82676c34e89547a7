/**
 * Dot product of `a[ao..ao+dim)` and `b[bo..bo+dim)`.
 * @remarks O(dim), allocates nothing.
 */
export function dot(a: Float32Array, ao: number, b: Float32Array, bo: number, dim: number): number {
  let s = 0
  for (let f = 0; f < dim; f++) s += a[ao + f] * b[bo + f]
  return s
}

/**
 * `y[yo..yo+dim) += alpha * x[xo..xo+dim)`.
 * @remarks O(dim), allocates nothing.
 */
export function axpy(alpha: number, x: Float32Array, xo: number, y: Float32Array, yo: number, dim: number): void {
  for (let f = 0; f < dim; f++) y[yo + f] += alpha * x[xo + f]
}

/**
 * Scores of every row of `m` (row stride `dim`, `rows` rows) against `v[vo..vo+dim)`, written to
 * `out[0..rows)`. The full-ranking inner loop.
 * @remarks O(rows·dim), allocates nothing.
 */
export function gemv(m: Float32Array, rows: number, dim: number, v: Float32Array, vo: number, out: Float32Array): void {
  for (let r = 0, o = 0; r < rows; r++, o += dim) {
    let s = 0
    for (let f = 0; f < dim; f++) s += m[o + f] * v[vo + f]
    out[r] = s
  }
}
