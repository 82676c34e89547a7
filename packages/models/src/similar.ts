import { dotTopK, type TopK } from '@decoy/core'

/**
 * Rows of `emb` (`n` rows of stride `dim`) scaled to unit length in float32 (norm in float64; a
 * zero row stays zero).
 * @remarks O(n·dim); allocates the result.
 */
export function unitRows(emb: Float32Array, n: number, dim: number): Float32Array {
  const out = new Float32Array(n * dim)
  for (let i = 0, o = 0; i < n; i++, o += dim) {
    let s = 0
    for (let f = 0; f < dim; f++) s += emb[o + f] * emb[o + f]
    const inv = s > 1e-24 ? 1 / Math.sqrt(s) : 0
    for (let f = 0; f < dim; f++) out[o + f] = emb[o + f] * inv
  }
  return out
}

/** A CSR whose row i holds item i: excludes each query item from its own list. */
export function selfRows(n: number): { numUsers: number; indptr: Int32Array; items: Int32Array } {
  const indptr = new Int32Array(n + 1)
  const items = new Int32Array(n)
  for (let i = 0; i < n; i++) {
    indptr[i + 1] = i + 1
    items[i] = i
  }
  return { numUsers: n, indptr, items }
}

/**
 * The k items most similar to each query item by cosine of their embedding rows (`emb`, `n` rows
 * of stride `dim`), the query item itself excluded: the blocked kernel (`dotTopK`) over the unit
 * rows, ties to the lower item id. Shared by MF (item factors) and FM (cached item-side sums).
 *
 * @returns row r owns `items/scores[r*k .. r*k+k)`.
 * @throws RangeError for a query outside `[0, n)`.
 * @remarks O(n·dim) for the unit rows, then O(n·dim) per query in SIMD.
 */
export function cosineSimilarItems(emb: Float32Array, n: number, dim: number, queries: Int32Array, k: number): TopK {
  for (let r = 0; r < queries.length; r++) {
    const q = queries[r]
    if (!(q >= 0 && q < n)) throw new RangeError(`similarItems: item ${q} out of range [0, ${n})`)
  }
  const unit = unitRows(emb, n, dim)
  return dotTopK({ dim, numUsers: n, numItems: n, userFactors: unit, itemFactors: unit }, queries, k, { exclude: [selfRows(n)] })
}
