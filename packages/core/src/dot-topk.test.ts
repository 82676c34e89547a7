import { describe, expect, it } from 'vitest'
import type { DotFactors } from './contracts.js'
import { BLOCK_ROWS, dotScoreRow, dotTopK, rankLayout, packItems, slotRegions, type ExclusionRows } from './dot-topk.js'
import { createRng } from './rng.js'
import { prngBelow, prngNormal } from './kernels/prng.js'
import { selectTopK } from './kernels/topk.js'
import { instantiateScoreBlock, scoreBlockJs, scoreBlockWasmSupported, QUAD, type ScoreBlockKernel } from './kernels/score-block.js'

/** Random factors; `levels` > 0 quantises them to a few values so that many scores tie exactly. */
function randomFactors(numUsers: number, numItems: number, dim: number, seed: string, levels = 0, bias = true): DotFactors {
  const st = createRng(seed).state
  const draw = (): number => (levels > 0 ? (prngBelow(st, levels) - (levels >> 1)) / 4 : prngNormal(st))
  const userFactors = Float32Array.from({ length: numUsers * dim }, draw)
  const itemFactors = Float32Array.from({ length: numItems * dim }, draw)
  const itemBias = bias ? Float32Array.from({ length: numItems }, () => (levels > 0 ? prngBelow(st, 3) / 2 : 0.3 * prngNormal(st))) : null
  return { dim, numUsers, numItems, userFactors, itemFactors, itemBias }
}

/** A random sorted CSR over numUsers rows of items in [0, numItems + extra). */
function randomRows(numUsers: number, numItems: number, perRow: number, seed: string): ExclusionRows {
  const st = createRng(seed).state
  const indptr = new Int32Array(numUsers + 1)
  const items: number[] = []
  for (let u = 0; u < numUsers; u++) {
    const row = new Set<number>()
    const n = prngBelow(st, perRow + 1)
    for (let j = 0; j < n; j++) row.add(prngBelow(st, numItems + 3))
    items.push(...[...row].sort((a, b) => a - b))
    indptr[u + 1] = items.length
  }
  return { numUsers, indptr, items: Int32Array.from(items) }
}

/** The per-user reference: dotScoreRow, mask with -Infinity, selectTopK. */
function reference(f: DotFactors, queries: Int32Array, k: number, exclude: ExclusionRows[]): { items: Int32Array; scores: Float32Array } {
  const items = new Int32Array(queries.length * k)
  const scores = new Float32Array(queries.length * k)
  const row = new Float32Array(f.numItems)
  for (let r = 0; r < queries.length; r++) {
    const u = queries[r]
    dotScoreRow(f, u, row)
    for (const x of exclude) {
      if (u >= x.numUsers) continue
      for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) if (x.items[j] < f.numItems) row[x.items[j]] = -Infinity
    }
    selectTopK(row, f.numItems, k, new Int32Array(k), new Float64Array(k), items, scores, r * k)
  }
  return { items, scores }
}

const kernels = scoreBlockWasmSupported() ? (['wasm', 'js'] as const) : (['js'] as const)

describe('dotTopK (blocked product with a fused top-k)', () => {
  for (const kernel of kernels) {
    it(`${kernel}: equals per-user scoring + selectTopK on random factors`, () => {
      const f = randomFactors(150, 333, 12, 'rand')
      const queries = Int32Array.from({ length: 150 }, (_, i) => (i * 7) % 150)
      const ex = [randomRows(150, 333, 40, 'ex1'), randomRows(90, 333, 5, 'ex2')]
      for (const k of [1, 10, 37]) {
        const got = dotTopK(f, queries, k, { exclude: ex, kernel })
        const want = reference(f, queries, k, ex)
        expect(got.items).toEqual(want.items)
        expect(got.scores).toEqual(want.scores)
      }
    })

    it(`${kernel}: ties go to the lower item id, as in selectTopK`, () => {
      // Factors in {-0.5, -0.25, 0, 0.25} and biases in {0, 0.5, 1}: scores repeat across items.
      const f = randomFactors(70, 203, 3, 'ties', 4)
      const queries = Int32Array.from({ length: 70 }, (_, i) => i)
      const got = dotTopK(f, queries, 25, { exclude: [randomRows(70, 203, 20, 'tx')], kernel })
      const want = reference(f, queries, 25, [randomRows(70, 203, 20, 'tx')])
      expect(got.items).toEqual(want.items)
      let ties = 0
      for (let j = 1; j < got.scores.length; j++) if (j % 25 !== 0 && got.scores[j] === got.scores[j - 1]) ties++
      expect(ties).toBeGreaterThan(100)
    })

    it(`${kernel}: k beyond the catalogue pads with -1 and -Infinity; -Infinity and NaN scores and masks never selected`, () => {
      const f = randomFactors(5, 13, 4, 'small')
      const bias = Float32Array.from(f.itemBias!)
      bias[2] = -Infinity
      bias[11] = Number.NaN
      const g = { ...f, itemBias: bias }
      const ex: ExclusionRows = { numUsers: 1, indptr: Int32Array.of(0, 2), items: Int32Array.of(0, 5) }
      const got = dotTopK(g, Int32Array.of(0, 4), 20, { exclude: [ex], kernel })
      const want = reference(g, Int32Array.of(0, 4), 20, [ex])
      expect(got.items).toEqual(want.items)
      expect(
        Array.from(got.items.subarray(0, 20))
          .filter((i) => i >= 0)
          .sort((a, b) => a - b),
      ).toEqual([1, 3, 4, 6, 7, 8, 9, 10, 12])
      expect(got.items[19]).toBe(-1)
      expect(got.scores[19]).toBe(-Infinity)
      expect(Array.from(got.items.subarray(20)).filter((i) => i >= 0)).toHaveLength(11)
    })
  }

  for (const kernel of kernels) {
    it(`${kernel}: spans several blocks and query biases; a block's masks do not leak into the next`, () => {
      const f0 = randomFactors(BLOCK_ROWS * 2 + 9, 100, 8, 'blocks')
      const st = createRng('ub').state
      const f = { ...f0, userBias: Float32Array.from({ length: f0.numUsers }, () => prngNormal(st)) }
      const queries = Int32Array.from({ length: f.numUsers + 3 }, (_, i) => (i < f.numUsers ? f.numUsers - 1 - i : i - f.numUsers))
      // Heavy rows for the first users only (those of the last block); two sets that overlap.
      const ex = [randomRows(70, 100, 90, 'heavy'), randomRows(BLOCK_ROWS, 100, 30, 'light')]
      for (const k of [7, 150]) {
        const got = dotTopK(f, queries, k, { exclude: ex, kernel })
        const want = reference(f, queries, k, ex)
        expect(got.items).toEqual(want.items)
        expect(got.scores).toEqual(want.scores)
      }
    })
  }

  it('rejects a query outside the factors', () => {
    const f = randomFactors(3, 10, 4, 'q')
    expect(() => dotTopK(f, Int32Array.of(3), 2)).toThrow(/query 0 = 3/)
  })
})

describe('score-block kernel', () => {
  /** Two copies of one ranking memory (a WebAssembly one and a plain one) holding items, 12 query rows, masks. */
  function setup(kk: number) {
    const dim = 9
    const numItems = 45
    const rows = 12
    const f = randomFactors(rows, numItems, dim, 'tile', 4)
    const L = rankLayout(numItems, dim, kk, 1)
    const at = slotRegions(dim, L.kk, L.maskWords)
    const o = (name: keyof typeof at): number => L.scratchAt + at[name]
    const mem = new WebAssembly.Memory({ initial: L.bytes / 65536 })
    const copy = new ArrayBuffer(L.bytes)
    const threshold = (r: number): number => (r === 11 ? Infinity : r % 3 === 1 ? 0.5 : -Infinity)
    const masked = (r: number, it: number): boolean => (it * 7 + r) % 5 === 0
    for (const buf of [mem.buffer, copy]) {
      packItems(f.itemFactors, f.itemBias, L, buf)
      const f32 = new Float32Array(buf)
      const i32 = new Int32Array(buf)
      for (let r = 0; r < rows; r++) {
        for (let x = 0; x < dim; x++) f32[(o('U') >> 2) + (r >> 2) * dim * QUAD + x * QUAD + (r & 3)] = f.userFactors[r * dim + x]
        f32[(o('UB') >> 2) + r] = r / 8
        f32[(o('T') >> 2) + r] = threshold(r)
        for (let it = 0; it < numItems; it++) if (masked(r, it)) i32[(o('X') >> 2) + r * L.maskWords + (it >> 5)] |= 1 << (it & 31)
      }
    }
    const run = (k: ScoreBlockKernel, p0: number, p1: number): number =>
      k.scoreTopK(
        o('U'),
        rows,
        o('UB'),
        o('T'),
        L.itemsAt,
        L.biasAt,
        dim,
        p0,
        p1,
        o('HZ'),
        o('HS'),
        o('HI'),
        L.kk,
        o('X'),
        L.maskWords,
        o('R'),
      )
    const sort = (k: ScoreBlockKernel): void => k.sortTopK(rows, o('HZ'), o('HS'), o('HI'), L.kk)
    /** The bytes a call may change: thresholds, heap sizes, heaps. */
    const state = (buf: ArrayBufferLike): Uint8Array => new Uint8Array(buf.slice(o('T'), o('X')))
    return { f, L, at: o, mem, copy, rows, numItems, threshold, masked, run, sort, state }
  }

  it.skipIf(!scoreBlockWasmSupported())(
    'the WebAssembly kernel keeps the same heaps as its TypeScript twin, and they hold the top k',
    () => {
      for (const kk of [1, 6, 45]) {
        const c = setup(kk)
        const wasm = instantiateScoreBlock(c.mem)
        const js = scoreBlockJs(c.copy)
        // Two calls over halves of the panels: the heaps and thresholds carry over between calls.
        const mid = c.L.panels >> 1
        const offered = [c.run(wasm, 0, mid), c.run(wasm, mid, c.L.panels)]
        expect([c.run(js, 0, mid), c.run(js, mid, c.L.panels)]).toEqual(offered)
        expect(offered[0] + offered[1]).toBeGreaterThan(c.rows)
        expect(c.state(c.mem.buffer)).toEqual(c.state(c.copy))
        c.sort(wasm)
        c.sort(js)
        expect(c.state(c.mem.buffer)).toEqual(c.state(c.copy))
        // Each row holds selectTopK of its scores above the starting threshold, masks removed.
        const f32 = new Float32Array(c.copy)
        const i32 = new Int32Array(c.copy)
        const g = { ...c.f, userBias: Float32Array.from({ length: c.rows }, (_, r) => r / 8) }
        const row = new Float32Array(c.numItems)
        for (let r = 0; r < c.rows; r++) {
          dotScoreRow(g, r, row)
          for (let it = 0; it < c.numItems; it++) if (c.masked(r, it) || !(row[it] > c.threshold(r))) row[it] = -Infinity
          const items = new Int32Array(kk)
          const scores = new Float32Array(kk)
          selectTopK(row, c.numItems, kk, new Int32Array(kk), new Float64Array(kk), items, scores, 0)
          const n = i32[(c.at('HZ') >> 2) + r]
          const hi = (c.at('HI') >> 2) + r * kk
          const hs = (c.at('HS') >> 2) + r * kk
          expect(Array.from(i32.subarray(hi, hi + n)), `row ${r}, k ${kk}`).toEqual(Array.from(items).filter((x) => x >= 0))
          expect(Array.from(f32.subarray(hs, hs + n))).toEqual(Array.from(scores.subarray(0, n)))
        }
        expect(i32[(c.at('HZ') >> 2) + 11]).toBe(0) // threshold +Infinity: a padding row takes nothing
      }
    },
  )

  it.skipIf(!scoreBlockWasmSupported())(
    'with every threshold at +Infinity it is the product alone: nothing offered, no state changed',
    () => {
      const c = setup(6)
      for (const buf of [c.mem.buffer, c.copy]) new Float32Array(buf).fill(Infinity, c.at('T') >> 2, (c.at('T') >> 2) + c.rows)
      const before = c.state(c.mem.buffer)
      expect(c.run(instantiateScoreBlock(c.mem), 0, c.L.panels)).toBe(0)
      expect(c.run(scoreBlockJs(c.copy), 0, c.L.panels)).toBe(0)
      expect(c.state(c.mem.buffer)).toEqual(before)
      expect(c.state(c.copy)).toEqual(before)
    },
  )
})
