import { describe, expect, it } from 'vitest'
import type { DotFactors } from './contracts.js'
import { BLOCK_ROWS, dotScoreRow, dotTopK, rankLayout, packItems, type ExclusionRows } from './dot-topk.js'
import { createRng } from './rng.js'
import { prngBelow, prngNormal } from './kernels/prng.js'
import { selectTopK } from './kernels/topk.js'
import { instantiateScoreBlock, scoreBlockJs, scoreBlockWasmSupported, PANEL, QUAD, RECORD_BYTES } from './kernels/score-block.js'

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

    it(`${kernel}: k beyond the catalogue pads with -1 and -Infinity; -Infinity biases and masks never selected`, () => {
      const f = randomFactors(5, 13, 4, 'small')
      const bias = Float32Array.from(f.itemBias!)
      bias[2] = -Infinity
      bias[11] = -Infinity
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

  it('spans several blocks and query biases', () => {
    const f0 = randomFactors(BLOCK_ROWS * 2 + 9, 100, 8, 'blocks')
    const st = createRng('ub').state
    const f = { ...f0, userBias: Float32Array.from({ length: f0.numUsers }, () => prngNormal(st)) }
    const queries = Int32Array.from({ length: f.numUsers }, (_, i) => f.numUsers - 1 - i)
    const got = dotTopK(f, queries, 7)
    const want = reference(f, queries, 7, [])
    expect(got.items).toEqual(want.items)
    expect(got.scores).toEqual(want.scores)
  })

  it('rejects a query outside the factors', () => {
    const f = randomFactors(3, 10, 4, 'q')
    expect(() => dotTopK(f, Int32Array.of(3), 2)).toThrow(/query 0 = 3/)
  })
})

describe('score-block kernel', () => {
  it.skipIf(!scoreBlockWasmSupported())('the WebAssembly tile writes the same records as the scalar loop', () => {
    const dim = 9
    const f = randomFactors(12, 45, dim, 'tile')
    const L = rankLayout(45, dim, 5, 1)
    const mem = new WebAssembly.Memory({ initial: L.bytes / 65536 })
    const copy = new ArrayBuffer(L.bytes)
    for (const buf of [mem.buffer, copy]) {
      packItems(f.itemFactors, f.itemBias, L, buf)
      const f32 = new Float32Array(buf)
      const U = L.scratchAt >> 2
      for (let r = 0; r < 12; r++)
        for (let x = 0; x < dim; x++) f32[U + (r >> 2) * dim * QUAD + x * QUAD + (r & 3)] = f.userFactors[r * dim + x]
    }
    const U = L.scratchAt
    const UB = U + 1024
    const T = UB + 256
    const out = T + 256
    for (const buf of [mem.buffer, copy]) {
      const f32 = new Float32Array(buf)
      for (let r = 0; r < 12; r++) {
        f32[(UB >> 2) + r] = r / 8
        f32[(T >> 2) + r] = r % 3 === 0 ? -Infinity : 0.5
      }
    }
    const wasm = instantiateScoreBlock(mem)(U, 12, UB, T, L.itemsAt, L.biasAt, dim, 0, L.panels, out)
    const js = scoreBlockJs(new Float32Array(copy), new Int32Array(copy), U, 12, UB, T, L.itemsAt, L.biasAt, dim, 0, L.panels, out)
    expect(wasm).toBe(js)
    expect(wasm).toBeGreaterThan(12)
    expect(new Uint8Array(mem.buffer, out, wasm * RECORD_BYTES)).toEqual(new Uint8Array(copy, out, js * RECORD_BYTES))
    // And each record's scores are dotScoreRow's, the query bias added.
    const i32 = new Int32Array(copy)
    const f32 = new Float32Array(copy)
    const row = new Float32Array(45)
    for (let rec = 0; rec < js; rec++) {
      const o = (out >> 2) + rec * 10
      const r = i32[o]
      dotScoreRow({ ...f, userBias: Float32Array.from({ length: 12 }, (_, u) => u / 8) }, r, row)
      for (let l = 0; l < PANEL; l++) {
        const it = i32[o + 1] * PANEL + l
        expect(f32[o + 2 + l]).toBe(it < 45 ? row[it] : -Infinity)
      }
    }
  })
})
