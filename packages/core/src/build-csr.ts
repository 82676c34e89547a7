import type { Interactions } from './contracts.js'
import { identityIds, type BuildOptions, type InteractionColumns } from './interactions.js'

/**
 * Builds a user-major CSR by a stable counting sort on users followed by a native sort of packed
 * (item, position) keys per user row (insertion sort for short rows, nothing for sorted rows); item, weight and time travel with
 * the scatter so every later pass is sequential.
 *
 * Duplicates of a (user, item) pair are folded as in `buildInteractions`: `last` keeps the latest
 * by time (ties: the later row), `first` the earliest, `sum` adds weights and keeps the latest
 * time, `max` keeps the largest weight (ties: the earliest by time, then row).
 *
 * @param cols - internal ids per row (plus optional weights and times).
 * @param opts - id space and duplicate policy, as for `buildInteractions`.
 * @returns an {@link Interactions} whose rows are sorted by item and unique.
 * @remarks O(nnz + numUsers + Σ row·log row) time with no comparator callbacks; allocates a
 * the scattered columns (which become the outputs), the counts and per-row scratch. Input that is already user-major with strictly
 * increasing items is returned without copying (only `indptr` is computed).
 */
export function buildInteractions(cols: InteractionColumns, opts: BuildOptions = {}): Interactions {
  const n = cols.length ?? cols.users.length
  if (cols.items.length < n) throw new Error(`buildInteractions: items column has ${cols.items.length} rows, expected ${n}`)
  if (cols.weights && cols.weights.length < n) throw new Error('buildInteractions: weights column is shorter than users')
  if (cols.times && cols.times.length < n) throw new Error('buildInteractions: times column is shorter than users')
  const users = cols.users
  const items = cols.items
  let maxU = -1
  let maxI = -1
  let minId = 0
  for (let r = 0; r < n; r++) {
    const u = users[r]
    const i = items[r]
    if (u > maxU) maxU = u
    if (i > maxI) maxI = i
    if ((u | i) < minId) minId = u | i
  }
  if (minId < 0) {
    for (let r = 0; r < n; r++) {
      if (users[r] < 0 || items[r] < 0) throw new Error(`buildInteractions: negative id at row ${r} (user ${users[r]}, item ${items[r]})`)
    }
  }
  const numUsers = opts.numUsers ?? opts.userIds?.size ?? maxU + 1
  const numItems = opts.numItems ?? opts.itemIds?.size ?? maxI + 1
  if (maxU >= numUsers) throw new Error(`buildInteractions: user id ${maxU} >= numUsers ${numUsers}`)
  if (maxI >= numItems) throw new Error(`buildInteractions: item id ${maxI} >= numItems ${numItems}`)
  const policy = opts.duplicates ?? 'last'

  const w = cols.weights
  const times = cols.times
  const mode = policy === 'last' ? 0 : policy === 'first' ? 1 : policy === 'sum' ? 2 : 3

  // Already user-major with strictly increasing items (a canonical cache, a sorted export): the
  // columns are the CSR; only indptr is counted.
  let sorted = true
  for (let r = 1; r < n; r++) {
    const du = users[r] - users[r - 1]
    if (du < 0 || (du === 0 && items[r] <= items[r - 1])) {
      sorted = false
      break
    }
  }
  if (sorted) {
    const indptr = new Int32Array(numUsers + 1)
    for (let r = 0; r < n; r++) indptr[users[r] + 1]++
    for (let u = 0; u < numUsers; u++) indptr[u + 1] += indptr[u]
    return {
      numUsers,
      numItems,
      indptr,
      items: items.length === n ? items : items.slice(0, n),
      weights: w ? (w.length === n ? w : w.slice(0, n)) : undefined,
      times: times ? (times.length === n ? times : times.slice(0, n)) : undefined,
      userIds: opts.userIds ?? identityIds(numUsers),
      itemIds: opts.itemIds ?? identityIds(numItems),
    }
  }

  // One stable counting sort by user (row order kept within a user) that carries item, weight and
  // time along, so later passes read sequentially; then a stable sort of each user's row by item.
  const counts = new Int32Array(numUsers + 1)
  for (let r = 0; r < n; r++) counts[users[r] + 1]++
  for (let u = 0; u < numUsers; u++) counts[u + 1] += counts[u]
  const fill = counts.slice(0, numUsers)
  const sItems = new Int32Array(n)
  const sW = w ? new Float32Array(n) : undefined
  const sT = times ? new Float64Array(n) : undefined
  if (sW && sT) {
    for (let r = 0; r < n; r++) {
      const p = fill[users[r]]++
      sItems[p] = items[r]
      sW[p] = w![r]
      sT[p] = times![r]
    }
  } else {
    for (let r = 0; r < n; r++) {
      const p = fill[users[r]]++
      sItems[p] = items[r]
      if (sW) sW[p] = w![r]
      if (sT) sT[p] = times![r]
    }
  }
  let maxRow = 0
  for (let u = 0; u < numUsers; u++) if (counts[u + 1] - counts[u] > maxRow) maxRow = counts[u + 1] - counts[u]
  const order = new Int32Array(maxRow)
  const keys = new Float64Array(maxRow)
  const keys32 = new Int32Array(maxRow)
  const tmpI = new Int32Array(maxRow)
  const tmpW = sW ? new Float32Array(maxRow) : undefined
  const tmpT = sT ? new Float64Array(maxRow) : undefined
  const packable = numItems * maxRow < 9007199254740992
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    const len = e - s
    if (len < 2) continue
    let ordered = true
    for (let j = s + 1; j < e; j++) {
      if (sItems[j] < sItems[j - 1]) {
        ordered = false
        break
      }
    }
    if (ordered) continue
    // order[k] = position (within the row) of the k-th smallest (item, position). Keys pack
    // (item, position) into one number, so sorting the keys is a stable sort by item: in an int32
    // when they fit (insertion sort for rows of up to 12, else the engine's native sort, which measured faster from ~16 on), else
    // in a double, else through a comparator.
    const P = 2 ** (32 - Math.clz32(len - 1))
    if (numItems * P <= 0x80000000) {
      const mask = P - 1
      for (let j = 0; j < len; j++) keys32[j] = sItems[s + j] * P + j
      if (len <= 12) {
        for (let j = 1; j < len; j++) {
          const x = keys32[j]
          let k = j - 1
          while (k >= 0 && keys32[k] > x) {
            keys32[k + 1] = keys32[k]
            k--
          }
          keys32[k + 1] = x
        }
      } else keys32.subarray(0, len).sort()
      for (let j = 0; j < len; j++) {
        const key = keys32[j]
        sItems[s + j] = (key - (key & mask)) / P
        order[j] = key & mask
      }
    } else {
      if (packable) {
        for (let j = 0; j < len; j++) keys[j] = sItems[s + j] * len + j
        const view = keys.subarray(0, len)
        view.sort()
        for (let j = 0; j < len; j++) order[j] = view[j] % len
      } else {
        const idx = Array.from({ length: len }, (_, j) => j)
        idx.sort((a, b) => sItems[s + a] - sItems[s + b] || a - b)
        for (let j = 0; j < len; j++) order[j] = idx[j]
      }
      for (let j = 0; j < len; j++) tmpI[j] = sItems[s + j]
      for (let j = 0; j < len; j++) sItems[s + j] = tmpI[order[j]]
    }
    if (sW) {
      for (let j = 0; j < len; j++) tmpW![j] = sW[s + j]
      for (let j = 0; j < len; j++) sW[s + j] = tmpW![order[j]]
    }
    if (sT) {
      for (let j = 0; j < len; j++) tmpT![j] = sT[s + j]
      for (let j = 0; j < len; j++) sT[s + j] = tmpT![order[j]]
    }
  }

  // Fold duplicates in place: rows of one pair are adjacent and in row order; buildInteractions
  // orders them by (time, row), which the comparisons below reproduce.
  const indptr = new Int32Array(numUsers + 1)
  let nnz = 0
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    const rowStart = nnz
    for (let j = s; j < e; j++) {
      const it = sItems[j]
      if (nnz > rowStart && sItems[nnz - 1] === it) {
        const o = nnz - 1
        if (mode === 0) {
          if (!sT || sT[j] >= sT[o]) {
            if (sW) sW[o] = sW[j]
            if (sT) sT[o] = sT[j]
          }
        } else if (mode === 1) {
          if (sT && sT[j] < sT[o]) {
            if (sW) sW[o] = sW[j]
            sT[o] = sT[j]
          }
        } else if (mode === 2) {
          if (sW) sW[o] += sW[j]
          if (sT && sT[j] > sT[o]) sT[o] = sT[j]
        } else if (sW) {
          const wr = sW[j]
          if (wr > sW[o] || (wr === sW[o] && sT && sT[j] < sT[o])) {
            sW[o] = wr
            if (sT) sT[o] = sT[j]
          }
        } else if (sT && sT[j] < sT[o]) {
          sT[o] = sT[j]
        }
        continue
      }
      if (nnz !== j) {
        sItems[nnz] = it
        if (sW) sW[nnz] = sW[j]
        if (sT) sT[nnz] = sT[j]
      }
      nnz++
    }
    indptr[u + 1] = nnz
  }
  const outItems = sItems
  const outW = sW
  const outT = sT
  return {
    numUsers,
    numItems,
    indptr,
    items: nnz === n ? outItems : outItems.slice(0, nnz),
    weights: outW ? (nnz === n ? outW : outW.slice(0, nnz)) : undefined,
    times: outT ? (nnz === n ? outT : outT.slice(0, nnz)) : undefined,
    userIds: opts.userIds ?? identityIds(numUsers),
    itemIds: opts.itemIds ?? identityIds(numItems),
  }
}
