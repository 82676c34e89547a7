import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildInteractions, createRng } from '@decoy/core'
import { prngBelow, prngFloat, prngNormal } from '@decoy/core/kernels'
import {
  AlsWasmKernel,
  alsWasmArrays,
  alsWasmSupported,
  cgRows,
  cgScratch,
  confidenceMatrices,
  createAlsWasmLayout,
  gram,
} from '@decoy/models/kernels'

/** A random problem: `rows` users × `cols` items, factors in the kernel's memory and as copies. */
function setup(dim: number, rows: number, cols: number, seed: number) {
  const st = createRng(seed).state
  const us: number[] = []
  const is: number[] = []
  for (let u = 0; u < rows; u++) {
    if (u % 5 === 2) continue
    const seen = new Set<number>()
    const n = 1 + prngBelow(st, Math.min(15, cols - 1))
    while (seen.size < n) seen.add(prngBelow(st, cols))
    for (const i of seen) {
      us.push(u)
      is.push(i)
    }
  }
  const x = buildInteractions({ users: Int32Array.from(us), items: Int32Array.from(is) }, { numUsers: rows, numItems: cols })
  const { users, items } = confidenceMatrices(x, 2.5, false)
  const layout = createAlsWasmLayout({ dim, users, items, threads: 1, shared: false })!
  const { userFactors, itemFactors } = alsWasmArrays(layout)
  for (let e = 0; e < userFactors.length; e++) userFactors[e] = 0.2 * prngNormal(st)
  for (let e = 0; e < itemFactors.length; e++) itemFactors[e] = 0.2 * prngFloat(st)
  return { layout, users, items, userFactors, itemFactors, kernel: new AlsWasmKernel(layout, 0) }
}

/** Largest ‖a_r − b_r‖ / ‖b_r‖ over rows of length `dim` (rows of b that are zero must match exactly). */
function maxRowRelDiff(a: Float32Array, b: Float32Array, dim: number): number {
  let m = 0
  for (let o = 0; o < a.length; o += dim) {
    let d = 0
    let n = 0
    for (let f = 0; f < dim; f++) {
      d += (a[o + f] - b[o + f]) ** 2
      n += b[o + f] ** 2
    }
    m = Math.max(m, n === 0 ? (d === 0 ? 0 : Infinity) : Math.sqrt(d / n))
  }
  return m
}

describe('ALS WebAssembly kernels', () => {
  it('are the assembly of wasm/als.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)', async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('./wasm/als-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText('als'))
  })

  it('are supported here, and a layout needs dim % 4 = 0', () => {
    expect(alsWasmSupported()).toBe(true)
    const { users, items } = confidenceMatrices(buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0) }), 1, false)
    expect(createAlsWasmLayout({ dim: 6, users, items, threads: 1, shared: false })).toBeNull()
  })

  // dim 20 exercises the 4-float tail blocks after the 16-float ones; 9 rows the single-row tail of gram.
  for (const [dim, rows, cols] of [
    [16, 40, 9],
    [20, 33, 50],
    [64, 25, 70],
  ] as const) {
    it(`gram and cgRows agree with the TypeScript kernels at dim ${dim} to float32 rounding`, () => {
      const { layout, users, items, userFactors, itemFactors, kernel } = setup(dim, rows, cols, dim)
      const G64 = new Float64Array(dim * dim)
      // users: G over the item factors
      kernel.gram('users', 1.5)
      gram(itemFactors, cols, dim, 1.5, G64)
      expect(maxRowRelDiff(kernel.gramView(), Float32Array.from(G64), dim)).toBeLessThan(1e-5)
      const X = userFactors.slice()
      cgRows(G64, X, itemFactors, dim, users.indptr, users.indices, users.conf, 0, rows, 3, cgScratch(dim))
      kernel.solve('users', 0, layout.numUsers, 3)
      expect(maxRowRelDiff(userFactors, X, dim)).toBeLessThan(1e-4)
      // items: G over the (new) user factors, a sub-range of rows only
      kernel.gram('items', 0.5)
      gram(userFactors, rows, dim, 0.5, G64)
      expect(maxRowRelDiff(kernel.gramView(), Float32Array.from(G64), dim)).toBeLessThan(1e-5)
      const Y = itemFactors.slice()
      cgRows(G64, Y, userFactors, dim, items.indptr, items.indices, items.conf, 3, cols - 2, 2, cgScratch(dim))
      kernel.solve('items', 3, cols - 2, 2)
      expect(maxRowRelDiff(itemFactors, Y, dim)).toBeLessThan(1e-4)
      expect(() => kernel.solve('items', 0, cols + 1, 1)).toThrow(RangeError)
    })
  }
})

describe('splitRows', () => {
  it('cuts rows into contiguous ranges of about equal cost (dim per row plus its interactions)', async () => {
    const { splitRows } = await import('./parallel.js')
    const indptr = Int32Array.of(0, 100, 100, 101, 102, 300, 301)
    const c = { rows: 6, indptr, indices: new Int32Array(301), conf: new Float32Array(301) }
    const b = splitRows(c, 4, 2)
    expect(Array.from(b)).toEqual([0, 5, 6]) // costs 104, 4, 5, 5, 202, 5: the first prefix reaching half the total (162.5) ends at row 5
    expect(Array.from(splitRows(c, 4, 3))).toEqual([0, 3, 5, 6])
    expect(Array.from(splitRows({ ...c, rows: 0, indptr: Int32Array.of(0) }, 4, 2))).toEqual([0, 0, 0])
  })
})
