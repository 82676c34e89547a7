import { type TopK } from '@decoy/core'
import { selectTopK } from '@decoy/core/kernels'

/**
 * The k items most similar to each query item by cosine of their embedding rows (`emb`, `n` rows
 * of stride `dim`), the query item itself excluded. Shared by MF (item factors) and FM (cached
 * item-side sums).
 *
 * @param scores - scratch of length ≥ n.
 * @param heapItems - scratch of length ≥ k.
 * @param heapScores - scratch of length ≥ k.
 * @returns row r owns `items/scores[r*k .. r*k+k)`.
 * @remarks O(n·dim) for the norms, then O(n·dim) per query; allocates the norms and the output.
 */
export function cosineSimilarItems(
  emb: Float32Array,
  n: number,
  dim: number,
  queries: Int32Array,
  k: number,
  scores: Float32Array,
  heapItems: Int32Array,
  heapScores: Float64Array,
): TopK {
  const norms = new Float64Array(n)
  for (let i = 0, o = 0; i < n; i++, o += dim) {
    let s = 0
    for (let f = 0; f < dim; f++) s += emb[o + f] * emb[o + f]
    norms[i] = s > 1e-24 ? Math.sqrt(s) : 1e-12
  }
  const out: TopK = { k, items: new Int32Array(queries.length * k), scores: new Float32Array(queries.length * k) }
  for (let r = 0; r < queries.length; r++) {
    const q = queries[r]
    if (!(q >= 0 && q < n)) throw new RangeError(`similarItems: item ${q} out of range [0, ${n})`)
    const qo = q * dim
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let d = 0
      for (let f = 0; f < dim; f++) d += emb[qo + f] * emb[o + f]
      scores[i] = d / (norms[q] * norms[i])
    }
    scores[q] = -Infinity
    selectTopK(scores, n, k, heapItems, heapScores, out.items, out.scores, r * k)
  }
  return out
}
