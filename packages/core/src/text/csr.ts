import type { Interactions } from '../contracts.js'
import { identityIds, type BuildOptions, type InteractionColumns } from '../interactions.js'

/**
 * Builds a user-major CSR like {@link buildInteractions}, with the same result and the same
 * duplicate policy, by a stable counting sort on users followed by a native sort of packed
 * (item, position) keys per user row (insertion sort for short rows, nothing for sorted rows).
 *
 * Duplicates of a (user, item) pair are folded as in `buildInteractions`: `last` keeps the latest
 * by time (ties: the later row), `first` the earliest, `sum` adds weights and keeps the latest
 * time, `max` keeps the largest weight (ties: the earliest by time, then row).
 *
 * @param cols - internal ids per row (plus optional weights and times).
 * @param opts - id space and duplicate policy, as for `buildInteractions`.
 * @returns an {@link Interactions} whose rows are sorted by item and unique.
 * @remarks O(nnz + numUsers + Σ row·log row) time with no comparator callbacks; allocates a
 * permutation, the counts and the outputs. Input that is already user-major with strictly
 * increasing items is returned without copying (only `indptr` is computed).
 */
export function buildInteractionsRadix(cols: InteractionColumns, opts: BuildOptions = {}): Interactions {
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

  // One stable counting sort by user (row order kept within a user), then a sort of each user's
  // row by item: rows end up ordered by (user, item, row).
  const counts = new Int32Array(numUsers + 1)
  for (let r = 0; r < n; r++) counts[users[r] + 1]++
  for (let u = 0; u < numUsers; u++) counts[u + 1] += counts[u]
  const fill = counts.slice(0, numUsers)
  const perm = new Int32Array(n)
  const sItems = new Int32Array(n)
  for (let r = 0; r < n; r++) {
    const p = fill[users[r]]++
    perm[p] = r
    sItems[p] = items[r]
  }
  let keys = new Float64Array(64)
  let permCopy = new Int32Array(64)
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
    if (len <= 24) {
      // Insertion sort; strict comparison keeps equal items in row order.
      for (let j = s + 1; j < e; j++) {
        const it = sItems[j]
        const r = perm[j]
        let k = j - 1
        while (k >= s && sItems[k] > it) {
          sItems[k + 1] = sItems[k]
          perm[k + 1] = perm[k]
          k--
        }
        sItems[k + 1] = it
        perm[k + 1] = r
      }
    } else if (numItems * len < 9007199254740992) {
      // Native sort of packed (item, position) keys: exact in a double, stable by position.
      if (keys.length < len) {
        keys = new Float64Array(2 * len)
        permCopy = new Int32Array(2 * len)
      }
      for (let j = 0; j < len; j++) {
        keys[j] = sItems[s + j] * len + j
        permCopy[j] = perm[s + j]
      }
      const view = keys.subarray(0, len)
      view.sort()
      for (let j = 0; j < len; j++) {
        const key = view[j]
        const pos = key % len
        sItems[s + j] = (key - pos) / len
        perm[s + j] = permCopy[pos]
      }
    } else {
      const idx = Array.from(perm.subarray(s, e))
      idx.sort((a, b) => items[a] - items[b] || a - b)
      for (let j = 0; j < len; j++) {
        perm[s + j] = idx[j]
        sItems[s + j] = items[idx[j]]
      }
    }
  }

  const indptr = new Int32Array(numUsers + 1)
  const outItems = sItems // output position never overtakes the scan
  const outW = w ? new Float32Array(n) : undefined
  const outT = times ? new Float64Array(n) : undefined
  let nnz = 0
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    const rowStart = nnz
    for (let j = s; j < e; j++) {
      const r = perm[j]
      const it = sItems[j]
      if (nnz > rowStart && outItems[nnz - 1] === it) {
        const o = nnz - 1
        // Rows of one pair arrive in row order; buildInteractions orders them by (time, row).
        if (mode === 0) {
          if (!outT || times![r] >= outT[o]) {
            if (outW) outW[o] = w![r]
            if (outT) outT[o] = times![r]
          }
        } else if (mode === 1) {
          if (outT && times![r] < outT[o]) {
            if (outW) outW[o] = w![r]
            outT[o] = times![r]
          }
        } else if (mode === 2) {
          if (outW) outW[o] += w![r]
          if (outT && times![r] > outT[o]) outT[o] = times![r]
        } else if (outW) {
          const wr = w![r]
          if (wr > outW[o] || (wr === outW[o] && outT && times![r] < outT[o])) {
            outW[o] = wr
            if (outT) outT[o] = times![r]
          }
        } else if (outT && times![r] < outT[o]) {
          outT[o] = times![r]
        }
        continue
      }
      outItems[nnz] = it
      if (outW) outW[nnz] = w![r]
      if (outT) outT[nnz] = times![r]
      nnz++
    }
    indptr[u + 1] = nnz
  }
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
