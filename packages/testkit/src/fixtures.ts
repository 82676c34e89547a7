/**
 * Tiny fixtures generated in code (no committed binaries): a CSR with heavy, light and empty
 * users, batches over its interactions, and scorers with known scores.
 */
import { buildInteractions, createRng, type Batch, type FactorView, type Interactions } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'

/**
 * Builds a CSR from explicit rows (`rows[u]` = items of user u).
 * @param numItems - item count (items may be absent from every row).
 */
export function csrFromRows(rows: readonly (readonly number[])[], numItems: number): Interactions {
  const users: number[] = []
  const items: number[] = []
  for (let u = 0; u < rows.length; u++) for (const i of rows[u]) users.push(u), items.push(i)
  return buildInteractions({ users: Int32Array.from(users), items: Int32Array.from(items) }, { numUsers: rows.length, numItems })
}

/**
 * A 10-user × 40-item CSR: user 0 is heavy (36 items), user 1 light (2 items), user 2 has no
 * items, users 3..9 hold 4–12 seeded items each; every item occurs at least once, with skewed
 * counts. With `saturated`, an 11th user holds all 40 items (no admissible negative).
 */
export function samplerFixture(opts: { saturated?: boolean } = {}): Interactions {
  const numItems = 40
  const rows: number[][] = []
  rows.push([...Array(numItems).keys()].filter((j) => j % 10 !== 3))
  rows.push([5, 17])
  rows.push([])
  const rng = createRng('testkit/fixture')
  for (let u = 3; u < 10; u++) {
    const want = 4 + ((u * 5) % 9)
    const row = new Set<number>()
    // Skewed: low ids are popular.
    while (row.size < want) row.add(Math.floor(numItems * Math.pow(rng.float(), 2)))
    rows.push([...row])
  }
  // The heavy user's four non-positives (3, 13, 23, 33) must occur somewhere.
  rows[3].push(3, 13)
  rows[4].push(23, 33)
  if (opts.saturated) rows.push([...Array(numItems).keys()])
  return csrFromRows(
    rows.map((r) => [...new Set(r)]),
    numItems,
  )
}

/**
 * Fills `batch` with `size` (user, positive) training pairs read cyclically from `train`'s
 * interactions, starting at interaction `start`; users listed in `skipUsers` are skipped.
 * @returns the next start position.
 */
export function fillBatch(train: Interactions, batch: Batch, size: number, start: number, skipUsers: readonly number[] = []): number {
  const nnz = train.indptr[train.numUsers]
  let p = start % nnz
  let s = 0
  let guard = 0
  while (s < size) {
    if (++guard > 100 * (size + nnz)) throw new Error('fillBatch: no usable interaction')
    let u = 0
    while (train.indptr[u + 1] <= p) u++
    if (!skipUsers.includes(u)) {
      batch.users[s] = u
      batch.positives[s] = train.items[p]
      s++
    }
    p = (p + 1) % nnz
  }
  batch.size = size
  return p
}

/**
 * A 1-dimensional linear {@link FactorView} whose score is the item id: x_uj = j for every user
 * (user factors 1, item factors j), so ranks are known in closed form.
 */
export function itemIdScorer(numUsers: number, numItems: number): FactorView {
  const userFactors = new Float32Array(numUsers).fill(1)
  const itemFactors = new Float32Array(numItems)
  for (let j = 0; j < numItems; j++) itemFactors[j] = j
  return linearFactorView(numUsers, numItems, 1, userFactors, itemFactors)
}

/**
 * A dot-product {@link FactorView} over the given factors (row stride `dim`).
 * @remarks `scoreItems` is O(count·dim) and allocates nothing.
 */
export function linearFactorView(
  numUsers: number,
  numItems: number,
  dim: number,
  userFactors: Float32Array,
  itemFactors: Float32Array,
): FactorView {
  if (userFactors.length !== numUsers * dim || itemFactors.length !== numItems * dim) {
    throw new Error(`linearFactorView: expected ${numUsers * dim} user and ${numItems * dim} item factors`)
  }
  return {
    dim,
    userFactors,
    itemFactors,
    scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
      const uo = user * dim
      for (let c = 0; c < count; c++) {
        const j = items[c]
        if (j < 0) {
          out[c] = -Infinity
          continue
        }
        const io = j * dim
        let s = 0
        for (let f = 0; f < dim; f++) s += userFactors[uo + f] * itemFactors[io + f]
        out[c] = s
      }
    },
  }
}

/**
 * A seeded random-factor {@link FactorView} (N(0, scale²) entries): the stand-in model for
 * model-aware samplers in tests and benchmarks.
 */
export function randomFactorView(numUsers: number, numItems: number, dim: number, seed: string | number, scale = 0.1): FactorView {
  const st = createRng(seed).fork('factors').state
  const uf = new Float32Array(numUsers * dim)
  const itf = new Float32Array(numItems * dim)
  for (let i = 0; i < uf.length; i++) uf[i] = scale * prngNormal(st)
  for (let i = 0; i < itf.length; i++) itf[i] = scale * prngNormal(st)
  return linearFactorView(numUsers, numItems, dim, uf, itf)
}
