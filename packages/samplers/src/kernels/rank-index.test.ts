import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngBelow, prngNext } from '@decoy/core/kernels'
import { nthNonPositive } from '../exclusion.js'
import { buildRankIndex, drawNonPositives, rankIndexed, rankIndexSize } from './rank-index.js'

describe('rank index', () => {
  it('returns the same item as nthNonPositive for every rank (sparse, dense, clustered, empty rows)', () => {
    const st = createRng('rank-index').state
    for (let trial = 0; trial < 40; trial++) {
      const n = 1 + prngBelow(st, 300)
      const rows: number[][] = []
      for (let u = 0; u < 12; u++) {
        const kind = prngBelow(st, 4)
        const set = new Set<number>()
        if (kind === 1) for (let j = 0; j < n; j++) if (prngBelow(st, 4) !== 0) set.add(j) // dense
        if (kind === 2) {
          // one contiguous run: a crowded bucket, searched by bisection
          const a = prngBelow(st, n)
          for (let j = a; j < Math.min(n, a + 1 + prngBelow(st, 60)); j++) set.add(j)
        }
        if (kind === 3) for (let c = prngBelow(st, 10); c > 0; c--) set.add(prngBelow(st, n))
        if (u === 11 && trial % 5 === 0) for (let j = 0; j < n - 1; j++) set.add(j) // one non-positive left
        rows.push([...set].sort((x, y) => x - y))
      }
      const indptr = new Int32Array(rows.length + 1)
      rows.forEach((r, u) => {
        indptr[u + 1] = indptr[u] + r.length
      })
      const items = Int32Array.from(rows.flat())
      const idx = buildRankIndex(indptr, items, n)
      expect(idx.starts.length).toBe(rankIndexSize(indptr, n))
      expect(idx.starts.length).toBeLessThanOrEqual(items.length + 2 * rows.length)
      for (let u = 0; u < rows.length; u++) {
        const m = n - rows[u].length
        for (let r = 0; r < m; r++) expect(rankIndexed(idx, indptr, items, u, r)).toBe(nthNonPositive(indptr, items, u, r))
      }
    }
  })
  it('drawNonPositives: the r-th non-positive for r = ⌊U·m⌋ of consecutive prngNext words, the state advanced alike', () => {
    const rows = [[0, 1, 2, 7, 8, 30], [], [5], Array.from({ length: 39 }, (_, j) => j + 1)]
    const n = 40
    const indptr = new Int32Array(rows.length + 1)
    rows.forEach((r, u) => {
      indptr[u + 1] = indptr[u] + r.length
    })
    const items = Int32Array.from(rows.flat())
    const idx = buildRankIndex(indptr, items, n)
    const st = createRng('draw-non-positives').state
    const ref = Uint32Array.from(st)
    const out = new Int32Array(64)
    for (let rep = 0; rep < 50; rep++) {
      for (let u = 0; u < rows.length; u++) {
        drawNonPositives(idx, indptr, items, u, n, st, out, 3, 40)
        const m = n - rows[u].length
        for (let d = 0; d < 40; d++) {
          const r = (prngNext(ref) * 2.3283064365386963e-10 * m) | 0
          expect(out[3 + d]).toBe(nthNonPositive(indptr, items, u, r))
          expect(rows[u]).not.toContain(out[3 + d])
        }
        expect(Array.from(st)).toEqual(Array.from(ref))
      }
    }
  })
})
