import type { Interactions } from '@decoy/core'

/**
 * One side of the confidence matrix in CSR form: row r's columns are `indices[indptr[r] ..
 * indptr[r+1])`, each with its confidence `conf[p]` = 1 + alpha·r_ui (≥ 1). ALS solves the user
 * rows against the user-major side and the item rows against its transpose.
 */
export interface ConfidenceCsr {
  /** Rows. */
  rows: number
  /** `[rows + 1]` row pointers. */
  indptr: Int32Array
  /** `[nnz]` column ids, ascending within a row. */
  indices: Int32Array
  /** `[nnz]` confidences c = 1 + alpha·r (r = 1, or the interaction's weight when weighted). */
  conf: Float32Array
}

/**
 * The user-major confidence matrix of `train` and its item-major transpose.
 * @param weighted - use `train.weights` as r_ui (1 when absent); otherwise every observed r_ui = 1.
 * @throws Error naming the row when a weight is negative or not finite.
 * @remarks O(nnz + users + items); the transpose is a counting sort, so users stay ascending.
 */
export function confidenceMatrices(train: Interactions, alpha: number, weighted: boolean): { users: ConfidenceCsr; items: ConfidenceCsr } {
  const nnz = train.indptr[train.numUsers]
  const w = weighted ? train.weights : undefined
  const confU = new Float32Array(nnz)
  for (let p = 0; p < nnz; p++) {
    const r = w ? w[p] : 1
    if (!(r >= 0 && Number.isFinite(r)))
      throw new Error(`als: interaction ${p} has weight ${r}; confidence weights must be finite and >= 0`)
    confU[p] = 1 + alpha * r
  }
  const users: ConfidenceCsr = { rows: train.numUsers, indptr: train.indptr, indices: train.items, conf: confU }
  const nItems = train.numItems
  const indptr = new Int32Array(nItems + 1)
  for (let p = 0; p < nnz; p++) indptr[train.items[p] + 1]++
  for (let i = 0; i < nItems; i++) indptr[i + 1] += indptr[i]
  const fill = indptr.slice(0, nItems)
  const indices = new Int32Array(nnz)
  const conf = new Float32Array(nnz)
  for (let u = 0; u < train.numUsers; u++) {
    for (let p = train.indptr[u]; p < train.indptr[u + 1]; p++) {
      const at = fill[train.items[p]]++
      indices[at] = u
      conf[at] = confU[p]
    }
  }
  return { users, items: { rows: nItems, indptr, indices, conf } }
}
