import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { buildInteractions, createRng } from '@decoy/core'
import { prngBelow, prngFloat } from '@decoy/core/kernels'
import { popularitySampler } from '@decoy/samplers'
import { item2vec, wasmSimdSupported } from '@decoy/models'
import { SgnsWasmKernel, buildHuffman, createSgnsLayout, hsStep, layoutArrays, sgnsStep } from '@decoy/models/kernels'

const supported = wasmSimdSupported()

function fillRandom(a: Float32Array, seed: string, scale: number): void {
  const st = createRng(seed).state
  for (let i = 0; i < a.length; i++) a[i] = (prngFloat(st) - 0.5) * scale
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('wasm sgns module', () => {
  it('is the assembly of wasm/sgns.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)', async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('./wasm/sgns-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText())
  })

  it('is supported by this Node', () => {
    expect(supported).toBe(true)
  })
})

describe.skipIf(!supported)('SgnsWasmKernel', () => {
  const n = 200
  const dim = 16
  const k = 5
  const size = 500

  function layoutFor(syn1Rows: number, hs: ReturnType<typeof buildHuffman> | null = null) {
    const layout = createSgnsLayout({
      dim,
      k,
      batchSize: size,
      syn0Length: n * dim,
      syn1Length: syn1Rows * dim,
      threads: 1,
      shared: false,
      hs,
    })!
    const { syn0, syn1 } = layoutArrays(layout)
    fillRandom(syn0, 'wasm/in', 1)
    fillRandom(syn1, 'wasm/out', 1)
    return { layout, syn0, syn1 }
  }

  it('computes the clamped logistic to 1e-13', () => {
    const { layout } = layoutFor(n)
    const kernel = new SgnsWasmKernel(layout, 0)
    for (let x = -45; x <= 45; x += 0.37) {
      const c = Math.max(-30, Math.min(30, x))
      const want = 1 / (1 + Math.exp(-c))
      expect(Math.abs(kernel.sigmoid(x) - want)).toBeLessThanOrEqual(1e-13 * want)
    }
  })

  it('runs sgnsStep over a batch: same updates to float32 rounding, same negatives used', () => {
    const { layout, syn0, syn1 } = layoutFor(n)
    const ref0 = Float32Array.from(syn0)
    const ref1 = Float32Array.from(syn1)
    const st = createRng('wasm/batch').state
    const centres = new Int32Array(size)
    const contexts = new Int32Array(size)
    const negs = new Int32Array(size * k)
    for (let s = 0; s < size; s++) {
      centres[s] = prngBelow(st, n)
      contexts[s] = prngBelow(st, n)
      for (let d = 0; d < k; d++) {
        // Some masked (−1), some equal to the context or the centre: all must be skipped.
        const r = prngBelow(st, 10)
        negs[s * k + d] = r === 0 ? -1 : r === 1 ? contexts[s] : r === 2 ? centres[s] : prngBelow(st, n)
      }
    }
    const used = new SgnsWasmKernel(layout, 0).sgns(centres, contexts, negs, size, 0.05)
    let usedRef = 0
    const neu1e = new Float64Array(dim)
    for (let s = 0; s < size; s++) usedRef += sgnsStep(ref0, ref1, dim, centres[s], contexts[s], negs, s * k, k, 0.05, neu1e)
    expect(used).toBe(usedRef)
    expect(maxAbsDiff(syn0, ref0)).toBeLessThan(1e-5)
    expect(maxAbsDiff(syn1, ref1)).toBeLessThan(1e-5)
    // And it moved the parameters (a no-op kernel would pass the two lines above only by luck).
    expect(maxAbsDiff(syn0, layoutFor(n).syn0)).toBeGreaterThan(1e-3)
  })

  it('runs hsStep over a batch on the Huffman paths it copied', () => {
    const counts = new Int32Array(n)
    const st = createRng('wasm/hs').state
    for (let i = 0; i < n; i++) counts[i] = 1 + prngBelow(st, 100)
    const tree = buildHuffman(counts, n, 1)
    const { layout, syn0, syn1 } = layoutFor(tree.numInner, tree)
    const ref0 = Float32Array.from(syn0)
    const ref1 = Float32Array.from(syn1)
    const centres = new Int32Array(size)
    const contexts = new Int32Array(size)
    for (let s = 0; s < size; s++) {
      centres[s] = prngBelow(st, n)
      contexts[s] = prngBelow(st, n)
    }
    const nodes = new SgnsWasmKernel(layout, 0).hs(centres, contexts, size, 0.05)
    let nodesRef = 0
    const neu1e = new Float64Array(dim)
    for (let s = 0; s < size; s++)
      nodesRef += hsStep(ref0, ref1, dim, centres[s], contexts[s], tree.codes, tree.points, tree.offsets, 0.05, neu1e)
    expect(nodes).toBe(nodesRef)
    expect(maxAbsDiff(syn0, ref0)).toBeLessThan(1e-5)
    expect(maxAbsDiff(syn1, ref1)).toBeLessThan(1e-5)
  })

  describe('private rows', () => {
    // Even rows of syn0 and the first 50 of syn1 private; merges only when asked (mergeEvery huge).
    const privateRows = {
      rows0: Int32Array.from({ length: n / 2 }, (_, i) => 2 * i),
      rows1: Int32Array.from({ length: 50 }, (_, i) => i),
      mergeEvery: 1e9,
    }
    function sharedLayout() {
      const layout = createSgnsLayout({
        dim,
        k,
        batchSize: size,
        syn0Length: n * dim,
        syn1Length: n * dim,
        threads: 2,
        shared: true,
        hs: null,
        privateRows,
      })!
      const { syn0, syn1 } = layoutArrays(layout)
      fillRandom(syn0, 'wasm/in', 1)
      fillRandom(syn1, 'wasm/out', 1)
      return { layout, syn0, syn1 }
    }
    function batch(seed: string) {
      const st = createRng(seed).state
      const centres = Int32Array.from({ length: size }, () => prngBelow(st, n))
      const contexts = Int32Array.from({ length: size }, () => prngBelow(st, n))
      const negs = Int32Array.from({ length: size * k }, () => prngBelow(st, n))
      return { centres, contexts, negs }
    }

    it('train on a private copy that reaches the shared rows at the merge: as if trained in place', () => {
      const { layout, syn0, syn1 } = sharedLayout()
      const ref0 = Float32Array.from(syn0)
      const ref1 = Float32Array.from(syn1)
      const { centres, contexts, negs } = batch('wasm/private')
      const kernel = new SgnsWasmKernel(layout, 0)
      const used = kernel.sgns(centres, contexts, negs, size, 0.05)
      // Private rows have not moved in the shared matrices yet; the others have.
      const neu1e = new Float64Array(dim)
      let usedRef = 0
      for (let s = 0; s < size; s++) usedRef += sgnsStep(ref0, ref1, dim, centres[s], contexts[s], negs, s * k, k, 0.05, neu1e)
      expect(used).toBe(usedRef)
      const row = (a: Float32Array, i: number) => a.subarray(i * dim, (i + 1) * dim)
      expect(maxAbsDiff(row(syn0, 0), row(layoutArraysCopy().syn0, 0))).toBe(0)
      kernel.merge()
      expect(maxAbsDiff(syn0, ref0)).toBeLessThan(1e-5)
      expect(maxAbsDiff(syn1, ref1)).toBeLessThan(1e-5)
      expect(maxAbsDiff(syn1, layoutArraysCopy().syn1)).toBeGreaterThan(1e-3)
    })

    // Every row private: each thread trains on the rows as they were at its last merge. Listed in
    // order, the kernels address the private matrices whole; in another order, through the maps.
    it.each([
      ['in order (whole private matrices)', true],
      ['in reverse (row maps)', false],
    ])("merges add each thread's change and pick up the others': every row private, %s", (_, inOrder) => {
      const all = Int32Array.from({ length: n }, (_, i) => (inOrder ? i : n - 1 - i))
      const layout = createSgnsLayout({
        dim,
        k,
        batchSize: size,
        syn0Length: n * dim,
        syn1Length: n * dim,
        threads: 2,
        shared: true,
        hs: null,
        privateRows: { rows0: all, rows1: all, mergeEvery: 1e9 },
      })!
      expect([layout.whole0, layout.whole1]).toEqual([inOrder, inOrder])
      const { syn0, syn1 } = layoutArrays(layout)
      fillRandom(syn0, 'wasm/in', 1)
      fillRandom(syn1, 'wasm/out', 1)
      const start0 = Float32Array.from(syn0)
      const start1 = Float32Array.from(syn1)
      const a = new SgnsWasmKernel(layout, 0)
      const b = new SgnsWasmKernel(layout, 1)
      const x = batch('wasm/a')
      const y = batch('wasm/b')
      a.sgns(x.centres, x.contexts, x.negs, size, 0.05)
      b.sgns(y.centres, y.contexts, y.negs, size, 0.05)
      expect(maxAbsDiff(syn1, start1)).toBe(0)
      a.merge()
      b.merge()
      // Reference: each batch trained from the start, both changes added.
      const trained = (z: typeof x) => {
        const r0 = Float32Array.from(start0)
        const r1 = Float32Array.from(start1)
        const neu1e = new Float64Array(dim)
        for (let s = 0; s < size; s++) sgnsStep(r0, r1, dim, z.centres[s], z.contexts[s], z.negs, s * k, k, 0.05, neu1e)
        return { r0, r1 }
      }
      const ta = trained(x)
      const tb = trained(y)
      const want1 = start1.map((v, j) => v + (ta.r1[j] - v) + (tb.r1[j] - v))
      const want0 = start0.map((v, j) => v + (ta.r0[j] - v) + (tb.r0[j] - v))
      expect(maxAbsDiff(syn1, want1)).toBeLessThan(1e-5)
      expect(maxAbsDiff(syn0, want0)).toBeLessThan(1e-5)
      // a picks up b's change at its next merge: its private copy then equals the shared rows,
      // so a further merge changes nothing.
      a.merge()
      const again = Float32Array.from(syn1)
      a.merge()
      b.merge()
      expect(maxAbsDiff(syn1, again)).toBe(0)
    })

    it('refuses rows out of range or repeated, and a merge interval below 1', () => {
      const spec = { dim, k, batchSize: size, syn0Length: n * dim, syn1Length: n * dim, threads: 2, shared: true, hs: null }
      expect(() => createSgnsLayout({ ...spec, privateRows: { ...privateRows, rows0: Int32Array.of(1, 1) } })).toThrow(/private syn0 row 1/)
      expect(() => createSgnsLayout({ ...spec, privateRows: { ...privateRows, rows1: Int32Array.of(n) } })).toThrow(/private syn1 row 200/)
      expect(() => createSgnsLayout({ ...spec, privateRows: { ...privateRows, mergeEvery: 0 } })).toThrow(/mergeEvery/)
    })

    function layoutArraysCopy() {
      const { syn0, syn1 } = sharedLayout()
      return { syn0: Float32Array.from(syn0), syn1: Float32Array.from(syn1) }
    }
  })

  it('lays out shared memory for workers and refuses a dim that is not a multiple of 4', () => {
    const shared = createSgnsLayout({ dim: 8, k: 2, batchSize: 4, syn0Length: 80, syn1Length: 80, threads: 2, shared: true, hs: null })!
    expect(shared.memory.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(() => new SgnsWasmKernel(shared, 1)).not.toThrow()
    expect(() => new SgnsWasmKernel(shared, 2)).toThrow(/slot 2/)
    expect(createSgnsLayout({ dim: 6, k: 2, batchSize: 4, syn0Length: 60, syn1Length: 60, threads: 1, shared: false, hs: null })).toBeNull()
  })
})

describe.skipIf(!supported)('item2vec fit kernels', () => {
  const users = new Int32Array(600)
  const items = new Int32Array(600)
  const st = createRng('wasm/fit').state
  for (let r = 0; r < 600; r++) {
    users[r] = r % 60
    items[r] = (r % 60) * 3 + prngBelow(st, 40)
  }
  const train = buildInteractions({ users, items })

  it("uses WebAssembly by default, is deterministic, and stays close to the 'js' kernel", async () => {
    const fit = async (kernel?: 'wasm' | 'js') => {
      const m = item2vec({ dim: 16, window: 3, sample: 0 })
      const res = await m.fit(train, { sampler: popularitySampler({ alpha: 0.75 }), epochs: 2, seed: 7, kernel })
      return { res, vec: Float32Array.from(m.itemVectors) }
    }
    const a = await fit()
    const b = await fit('wasm')
    const c = await fit('js')
    expect(a.res.kernel).toBe('wasm')
    expect(c.res.kernel).toBe('js')
    expect(a.vec).toEqual(b.vec)
    // Same draws, float32 versus float64 accumulation: the runs stay within rounding drift.
    expect(maxAbsDiff(a.vec, c.vec)).toBeLessThan(1e-3)
    expect(maxAbsDiff(a.vec, c.vec)).toBeGreaterThan(0)
  })

  it("refuses kernel 'wasm' for a dim that is not a multiple of 4, and unknown kernels", async () => {
    await expect(item2vec({ dim: 6 }).fit(train, { sampler: popularitySampler(), seed: 1, kernel: 'wasm' })).rejects.toThrow(
      /multiple of 4/,
    )
    await expect(item2vec({ dim: 6 }).fit(train, { sampler: popularitySampler(), seed: 1, kernel: 'simd' as never })).rejects.toThrow(
      /kernel must be/,
    )
    const r = await item2vec({ dim: 6 }).fit(train, { sampler: popularitySampler(), seed: 1, epochs: 1 })
    expect(r.kernel).toBe('js')
  })
})
