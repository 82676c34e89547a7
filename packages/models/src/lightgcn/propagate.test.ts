import { readFileSync } from 'node:fs'
import { describe, expect, it } from 'vitest'
import { csrFromRows } from '@decoy/testkit'
import { normalizedGraph } from './graph.js'
import { jsPropagator, lightGcnPropagator, spmmWasmSupported, wasmPropagator, type Propagator } from './propagate.js'
import { resolveLoss, type LossName } from '../losses/index.js'
import { OPT_SGD } from '../optim/optim.js'
import { slotGradients, type LightGcnState } from './step.js'
import { createDotScorer } from '../dot-scorer.js'

/** A random log: `nu` users with 0..maxDeg items each (repeats allowed, some items unseen). */
function randomGraph(seed: number, nu: number, ni: number, maxDeg: number) {
  let x = seed
  const next = (): number => {
    x = (x * 1103515245 + 12345) % 2147483648
    return x / 2147483648
  }
  const rows = Array.from({ length: nu }, () => Array.from({ length: Math.floor(next() * (maxDeg + 1)) }, () => Math.floor(next() * ni)))
  return { graph: normalizedGraph(csrFromRows(rows, ni)), next }
}

function fill(a: Float32Array, next: () => number): Float32Array {
  for (let i = 0; i < a.length; i++) a[i] = next() - 0.5
  return a
}

/** Relative agreement (1e-5 by default: f32 sums against the reference's f64). */
function expectClose(got: Float32Array, want: Float32Array, tol = 1e-5): void {
  expect(got.length).toBe(want.length)
  let worst = 0
  for (let i = 0; i < want.length; i++) worst = Math.max(worst, Math.abs(got[i] - want[i]) / (1e-3 + Math.abs(want[i])))
  expect(worst).toBeLessThan(tol)
}

describe.runIf(spmmWasmSupported())('LightGCN propagation, WebAssembly SIMD kernel against the TypeScript reference', () => {
  it('the committed module matches lightgcn.wat', async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(new URL('./wasm/lightgcn-module.ts', import.meta.url), 'utf8')
    expect(committed).toBe(await moduleText('lightgcn'))
  })

  // Dims exercising each column block: 4-float only, 16, 16 + 4s, 32, 32 + 16 + 4, 64.
  for (const dim of [4, 16, 20, 32, 52, 64]) {
    it(`dim ${dim}: one layer, the forward sum and the backward Horner pass equal the reference`, () => {
      const { graph, next } = randomGraph(dim, 37, 23, 9)
      const wasm = wasmPropagator(graph, dim, 6) as Propagator
      expect(wasm).not.toBeNull()
      const js = jsPropagator(graph, dim)
      const [wx, wy, wa, wb, wout, wd] = [0, 1, 2, 3, 4, 5].map(() => wasm.floats())
      fill(wx, next)
      fill(wy, next)
      const jx = wx.slice()
      const jy = wy.slice()
      const [ja, jb, jout, jd] = [0, 1, 2, 3].map(() => js.floats())
      wasm.layer(wx, wd)
      js.layer(jx, jd)
      expectClose(wd, jd)
      for (const weights of [Float64Array.of(0.25, 0.25, 0.25, 0.25), Float64Array.of(0.4, 0, 0.6), Float64Array.of(1)]) {
        wasm.forward(wx, weights, wout, wa, wb)
        js.forward(jx, weights, jout, ja, jb)
        expectClose(wout, jout)
        const wr = wasm.backward(wy, weights, wout, wa, wb)
        const jr = js.backward(jy, weights, jout, ja, jb)
        expect(wr === wout).toBe(jr === jout)
        expectClose(wr, jr)
      }
      // The inputs are read, never written.
      expect(wx).toEqual(jx)
      expect(wy).toEqual(jy)
    })
  }

  for (const [lossName, opts] of [
    ['bpr', {}],
    ['logistic', {}],
    ['gbce', { gbceT: 0.5 }],
    ['softmax', { temperature: 0.5 }],
    ['softmax', { logQCorrection: true }],
  ] as const) {
    it(`slot kernel, ${lossName} ${JSON.stringify(opts)}: loss, ∂L/∂final and the touched rows equal slotGradients'`, () => {
      const dim = 20
      const k = 3
      const n = 9
      const { graph, next } = randomGraph(11, 13, 17, 6)
      const loss = resolveLoss(lossName as LossName, opts, k, graph.numItems)
      const slotSpec = { batchSize: n, k, loss: loss.code, hp: loss.hp }
      const wasm = wasmPropagator(graph, dim, 2, slotSpec) as Propagator
      expect(wasm.slots).not.toBeNull()
      const js = jsPropagator(graph, dim)
      const nodes = graph.numUsers + graph.numItems
      const state = (p: Propagator, F: Float32Array, G: Float32Array): LightGcnState => ({
        graph: p.graph,
        prop: p,
        dim,
        weights: Float64Array.of(0.5, 0.5),
        e0: F,
        acc: new Float32Array(0),
        final: F,
        grad: G,
        grad0: G,
        a: G,
        b: G,
        touched: new Int32Array(nodes),
        touchedList: new Int32Array(nodes),
        optimizer: OPT_SGD,
        loss: loss.code,
        hp: loss.hp,
        l2: 0,
        propagateEvery: 1,
        steps: 0,
        pending: new Float32Array(0),
        deferredWeights: Float64Array.of(0, 0.5),
        lastLr: 0,
        stepsPerEpoch: 1,
        epochStep: 0,
        scores: new Float64Array(k + 1),
        grads: new Float64Array(k + 1),
        exps: new Float64Array(k + 1),
      })
      const wF = fill(wasm.floats(), next)
      const wG = wasm.floats()
      const jF = wF.slice()
      const jG = new Float32Array(wG.length)
      const ws = state(wasm, wF, wG)
      const js_ = state(js, jF, jG)
      // Slots 2..8 of 11 (the kernel stages a sub-range); a masked negative and a repeated item.
      const users = Int32Array.from({ length: 11 }, () => Math.floor(next() * graph.numUsers))
      const positives = Int32Array.from({ length: 11 }, () => Math.floor(next() * graph.numItems))
      const negs = Int32Array.from({ length: 11 * k }, () => Math.floor(next() * graph.numItems))
      negs[2 * k + 1] = -1
      negs[3 * k] = positives[3]
      const logQ = Float32Array.from({ length: 11 * k }, () => Math.log(0.01 + next() * 0.1))
      const wo = { loss: 0, touched: 0 }
      const jo = { loss: 0, touched: 0 }
      slotGradients(ws, users, positives, negs, logQ, new Int32Array(11), k, 2, 11, wo)
      slotGradients(js_, users, positives, negs, logQ, new Int32Array(11), k, 2, 11, jo)
      expect(wo.loss).toBeCloseTo(jo.loss, 4)
      // f32 dot products in the kernel against f64 in the reference, amplified by 1/temperature.
      expectClose(wG, jG, 1e-4)
      expect(wo.touched).toBe(jo.touched)
      expect(ws.touchedList).toEqual(js_.touchedList)
      expect(ws.touched).toEqual(js_.touched)
      expect(jG.some((v) => v !== 0)).toBe(true)
    })
  }

  it('scorePairs equals the TypeScript scorer over the final embeddings (−∞ for a masked item), across chunks', () => {
    const dim = 24
    const { graph, next } = randomGraph(5, 19, 29, 5)
    const wasm = wasmPropagator(graph, dim, 1) as Propagator
    const F = fill(wasm.floats(), next)
    const nu = graph.numUsers
    const ts = createDotScorer(F.subarray(0, nu * dim), F.subarray(nu * dim), new Float32Array(0), dim, 0)
    const count = 5000
    const users = Int32Array.from({ length: count }, () => Math.floor(next() * nu))
    const items = Int32Array.from({ length: count }, () => Math.floor(next() * graph.numItems))
    items[7] = -1
    items[4321] = -1
    const got = new Float32Array(count)
    const want = new Float32Array(count)
    wasm.scorePairs?.(F, users, items, count, got)
    ts.scoreBatch?.(users, items, count, want)
    expect(got[7]).toBe(Number.NEGATIVE_INFINITY)
    expect(got[4321]).toBe(Number.NEGATIVE_INFINITY)
    for (let c = 0; c < count; c++) if (items[c] >= 0) expect(got[c]).toBeCloseTo(want[c], 5)
  })

  it('rejects arrays it did not allocate and more arrays than laid out', () => {
    const { graph } = randomGraph(1, 5, 4, 3)
    const wasm = wasmPropagator(graph, 8, 1) as Propagator
    const mine = wasm.floats()
    expect(() => wasm.layer(mine, new Float32Array(mine.length))).toThrow(/not an array of this propagator/)
    expect(() => wasm.floats()).toThrow(/laid out for 1 node arrays/)
  })
})

describe('LightGCN propagation backend choice', () => {
  const { graph } = randomGraph(3, 6, 5, 3)
  it("falls back to the reference for a dim that is not a multiple of 4, and 'wasm' then names the reason", () => {
    expect(wasmPropagator(graph, 6, 1)).toBeNull()
    expect(lightGcnPropagator('auto', graph, 6, 1).kernel).toBe('js')
    expect(() => lightGcnPropagator('wasm', graph, 6, 1)).toThrow(/dim a multiple of 4 \(got 6\)/)
    expect(lightGcnPropagator('js', graph, 8, 1).kernel).toBe('js')
  })
  it.runIf(spmmWasmSupported())("'auto' runs the twin where it can", () => {
    expect(lightGcnPropagator('auto', graph, 8, 1).kernel).toBe('wasm')
  })
})
