import { describe, expect, it } from 'vitest'
import { createRng, dotTopK, type DotFactors, type ExclusionRows } from '@decoy/core'
import { prngBelow, prngNormal } from '@decoy/core/kernels'
import { dotTopKParallel } from '@decoy/core/node'

describe('dotTopKParallel (worker threads over shared memory)', () => {
  const st = createRng('par').state
  const dim = 8
  const f: DotFactors = {
    dim,
    numUsers: 700,
    numItems: 450,
    userFactors: Float32Array.from({ length: 700 * dim }, () => prngNormal(st)),
    itemFactors: Float32Array.from({ length: 450 * dim }, () => (prngBelow(st, 3) - 1) / 2),
    itemBias: Float32Array.from({ length: 450 }, () => prngBelow(st, 2)),
  }
  const indptr = new Int32Array(701)
  const items: number[] = []
  for (let u = 0; u < 700; u++) {
    const row = [...new Set(Array.from({ length: prngBelow(st, 20) }, () => prngBelow(st, 450)))].sort((a, b) => a - b)
    items.push(...row)
    indptr[u + 1] = items.length
  }
  const ex: ExclusionRows = { numUsers: 700, indptr, items: Int32Array.from(items) }
  const queries = Int32Array.from({ length: 700 }, (_, i) => (i * 13) % 700)

  for (const kernel of ['auto', 'js'] as const) {
    it(`${kernel}: two workers give dotTopK's result`, async () => {
      const want = dotTopK(f, queries, 15, { exclude: [ex], kernel })
      const got = await dotTopKParallel(f, queries, 15, { exclude: [ex], workers: 2, kernel })
      expect(Array.from(got.items)).toEqual(Array.from(want.items))
      expect(Array.from(got.scores)).toEqual(Array.from(want.scores))
    })
  }
})
