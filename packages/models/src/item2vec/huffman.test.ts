import { describe, expect, it } from 'vitest'
import { buildHuffman, huffmanCode, keepProbabilities } from '@decoy/models/kernels'

describe('buildHuffman', () => {
  // Hand-built tree (CLRS 16.3 frequencies), merging as word2vec.c does (lighter child = 0):
  //   a5+b9 → n14; c12+d13 → n25; n14+e16 → n30; n25+n30 → n55; f45+n55 → root.
  //   f = 0, c = 100, d = 101, a = 1100, b = 1101, e = 111.
  const counts = Int32Array.of(5, 9, 12, 13, 16, 45) // a b c d e f

  it('gives the codes of the hand-built tree', () => {
    const t = buildHuffman(counts, 6)
    expect(['a', 'b', 'c', 'd', 'e', 'f'].map((_, i) => huffmanCode(t, i))).toEqual(['1100', '1101', '100', '101', '111', '0'])
    expect(t.numLeaves).toBe(6)
    expect(t.numInner).toBe(5)
  })

  it('numbers inner nodes in creation order, root last, and paths start at the root', () => {
    const t = buildHuffman(counts, 6)
    // Creation order: n14 = 0, n25 = 1, n30 = 2, n55 = 3, root = 4.
    const path = (i: number): number[] => Array.from(t.points.subarray(t.offsets[i], t.offsets[i + 1]))
    expect(path(0)).toEqual([4, 3, 2, 0]) // a: root → n55 → n30 → n14
    expect(path(2)).toEqual([4, 3, 1]) // c: root → n55 → n25
    expect(path(4)).toEqual([4, 3, 2]) // e
    expect(path(5)).toEqual([4]) // f
  })

  it('is a complete prefix code (Kraft sum 1) whose lengths fall with the count', () => {
    const c = Int32Array.of(1, 1, 2, 3, 5, 8, 13, 21, 34, 55, 0, 89)
    const t = buildHuffman(c, c.length)
    let kraft = 0
    const codes = new Set<string>()
    for (let i = 0; i < c.length; i++) {
      const code = huffmanCode(t, i)
      if (c[i] === 0) {
        expect(code).toBe('')
        continue
      }
      kraft += 2 ** -code.length
      codes.add(code)
    }
    expect(kraft).toBeCloseTo(1, 12)
    expect(codes.size).toBe(11)
    for (const a of codes) for (const b of codes) if (a !== b) expect(b.startsWith(a)).toBe(false)
    for (let i = 1; i < c.length; i++)
      if (c[i] > 0 && c[i - 1] > 0) expect(huffmanCode(t, i).length).toBeLessThanOrEqual(huffmanCode(t, i - 1).length)
  })

  it('leaves out items under minCount and handles one item', () => {
    const t = buildHuffman(Int32Array.of(3, 1, 4), 3, 2)
    expect(huffmanCode(t, 1)).toBe('')
    expect(t.numLeaves).toBe(2)
    const one = buildHuffman(Int32Array.of(0, 7), 2)
    expect(huffmanCode(one, 1)).toBe('0')
    expect(one.numInner).toBe(1)
    expect(() => buildHuffman(Float64Array.of(1, NaN), 2)).toThrow(/item 1/)
  })
})

describe('keepProbabilities', () => {
  const formula = (f: number, s: number, total: number): number => Math.min(1, (Math.sqrt(f / (s * total)) + 1) * ((s * total) / f))

  it("matches word2vec's keep rule (sqrt(f/(s·T)) + 1)·(s·T/f)", () => {
    const counts = Int32Array.of(1, 10, 100, 1000, 5000, 20000)
    let total = 0
    for (const c of counts) total += c
    for (const s of [1e-3, 1e-4, 1e-5]) {
      const p = keepProbabilities(counts, counts.length, s)
      for (let i = 0; i < counts.length; i++) expect(p[i]).toBeCloseTo(formula(counts[i], s, total), 12)
    }
    // Frequent items are thinned, rare ones always kept.
    const p = keepProbabilities(counts, counts.length, 1e-4)
    expect(p[0]).toBe(1)
    expect(p[5]).toBeLessThan(0.05)
  })

  it('drops items under minCount from the vocabulary and from T', () => {
    const counts = Int32Array.of(1, 2, 50, 400)
    const p = keepProbabilities(counts, 4, 1e-2, 3)
    expect(p[0]).toBe(0)
    expect(p[1]).toBe(0)
    expect(p[3]).toBeCloseTo(formula(400, 1e-2, 450), 12)
  })

  it('sample 0 keeps everything; sample >= 1 is an absolute threshold; bad input throws', () => {
    expect(Array.from(keepProbabilities(Int32Array.of(0, 5, 500), 3, 0))).toEqual([0, 1, 1])
    expect(keepProbabilities(Int32Array.of(400, 5), 2, 4)[0]).toBeCloseTo((Math.sqrt(100) + 1) / 100, 12)
    expect(() => keepProbabilities(Int32Array.of(1), 1, -1)).toThrow(/sample/)
  })
})
