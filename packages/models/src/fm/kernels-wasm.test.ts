import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRng } from '@decoy/core'
import { prngBelow, prngFloat, prngNormal } from '@decoy/core/kernels'
import { type LossName } from '@decoy/models'
import { OPT_ADAGRAD, OPT_SGD, allocFmScratch, fmStepRange, resolveLoss, type FmViews } from '@decoy/models/kernels'
import { FmWasmKernel, createFmWasmLayout, fmWasmArrays, fmWasmCovers, fmWasmSupported } from './kernels-wasm.js'

const DIM = 8
const K = 4
const USERS = 30
const ITEMS = 40
const UF = 25 // user features: ids 0..USERS-1 are not used; a pool of shared user features
const IF = 35

/** Random sparse rows with `nnz` active features each (values ≠ 1), from a pool of features `[base, base + pool)`. */
function rows(
  st: Uint32Array,
  n: number,
  nnz: number,
  base: number,
  pool: number,
): { ptr: Int32Array; feat: Int32Array; val: Float32Array } {
  const ptr = new Int32Array(n + 1)
  const feat = new Int32Array(n * nnz)
  const val = new Float32Array(n * nnz)
  for (let r = 0; r < n; r++) {
    ptr[r + 1] = (r + 1) * nnz
    for (let j = 0; j < nnz; j++) {
      feat[r * nnz + j] = base + prngBelow(st, pool)
      val[r * nnz + j] = 0.3 + 1.2 * prngFloat(st)
    }
  }
  return { ptr, feat, val }
}

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('wasm fm module', () => {
  it('is the assembly of wasm/fm.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)', async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('./wasm/fm-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText('fm'))
  })

  it('is supported by this Node and covers bpr/logistic/gbce/softmax × SGD/Adagrad at dim % 4 = 0', () => {
    expect(fmWasmSupported()).toBe(true)
    expect(fmWasmCovers({ dim: 8, loss: 2, optimizer: OPT_ADAGRAD })).toBe(true)
    expect(fmWasmCovers({ dim: 8, loss: 0, optimizer: OPT_SGD })).toBe(true)
    expect(fmWasmCovers({ dim: 8, loss: 3, optimizer: OPT_SGD })).toBe(false) // WARP
    expect(fmWasmCovers({ dim: 6, loss: 0, optimizer: OPT_SGD })).toBe(false)
  })

  const cases: [LossName, number, boolean][] = [
    ['softmax', OPT_ADAGRAD, true],
    ['softmax', OPT_ADAGRAD, false],
    ['softmax', OPT_SGD, true],
    ['bpr', OPT_SGD, false],
    ['bpr', OPT_ADAGRAD, false],
    ['logistic', OPT_SGD, false],
    ['gbce', OPT_ADAGRAD, false],
  ]
  for (const [loss, optimizer, logQ] of cases) {
    it(`equals fmStepRange to float32 rounding: ${loss} + ${optimizer === OPT_ADAGRAD ? 'adagrad' : 'sgd'}${logQ ? ' + logQ' : ''}`, () => {
      const st = createRng(`fm-wasm-${loss}-${optimizer}-${logQ}`).state
      const numFeatures = UF + IF
      // 3 user features, 4 item features per row, drawn from shared pools (rows share features).
      const u = rows(st, USERS, 3, 0, UF)
      const it = rows(st, ITEMS, 4, UF, IF)
      const { code, hp } = resolveLoss(loss, { temperature: 0.8, logQCorrection: logQ }, K, ITEMS)
      const adagrad = optimizer === OPT_ADAGRAD
      const layout = createFmWasmLayout({
        dim: DIM,
        k: K,
        batchSize: 7,
        numFeatures,
        adagrad,
        uPtr: u.ptr,
        uFeat: u.feat,
        uVal: u.val,
        iPtr: it.ptr,
        iFeat: it.feat,
        iVal: it.val,
        threads: 1,
        shared: false,
      })!
      const wa = fmWasmArrays(layout)
      wa.w0[0] = 0.05
      for (let i = 0; i < numFeatures; i++) wa.w[i] = 0.1 * prngNormal(st)
      for (let i = 0; i < wa.V.length; i++) wa.V[i] = 0.3 * prngNormal(st)
      const ts: FmViews = {
        dim: DIM,
        numItems: ITEMS,
        w0: wa.w0.slice(),
        w: wa.w.slice(),
        V: wa.V.slice(),
        w0Acc: adagrad ? new Float32Array(1) : new Float32Array(0),
        wAcc: adagrad ? new Float32Array(numFeatures) : new Float32Array(0),
        VAcc: adagrad ? new Float32Array(numFeatures * DIM) : new Float32Array(0),
        optimizer,
        loss: code,
        hp,
        l2: 0.02,
        l2Bias: 0.01,
        indptr: new Int32Array(0),
        uPtr: u.ptr,
        uFeat: u.feat,
        uVal: u.val,
        iPtr: it.ptr,
        iFeat: it.feat,
        iVal: it.val,
        userFactors: new Float32Array(0),
        ...allocFmScratch(K, DIM),
      }
      const V0 = wa.V.slice()
      const kernel = new FmWasmKernel(layout, 0, { loss: code, hp, optimizer, l2: 0.02, l2Bias: 0.01 })
      const S = 20
      const users = new Int32Array(S)
      const pos = new Int32Array(S)
      const negs = new Int32Array(S * K)
      const lq = new Float32Array(S * K)
      const trials = new Int32Array(S).fill(1)
      for (let round = 0; round < 5; round++) {
        for (let s = 0; s < S; s++) {
          users[s] = prngBelow(st, USERS)
          pos[s] = prngBelow(st, ITEMS)
          for (let j = 0; j < K; j++) {
            // ≈ 1 in 6 negatives masked; repeats of the positive allowed.
            negs[s * K + j] = prngBelow(st, 6) === 0 ? -1 : prngBelow(st, ITEMS)
            lq[s * K + j] = -Math.log(ITEMS) + 0.5 * prngNormal(st)
          }
        }
        const lr = 0.05
        const lossTs = fmStepRange(ts, users, pos, negs, lq, trials, K, 0, S, lr)
        const lossWasm = kernel.step(users, pos, negs, lq, K, 0, S, lr)
        // Observed: |ΔV| ≤ 3e-7 and |Δloss| ≤ 3e-6 after 100 slots (float32 rows vs float64 sums).
        expect(Math.abs(lossWasm - lossTs)).toBeLessThan(2e-5 * Math.max(1, Math.abs(lossTs)))
        expect(maxAbsDiff(wa.V, ts.V)).toBeLessThan(2e-6)
        expect(maxAbsDiff(wa.w, ts.w)).toBeLessThan(2e-6)
        expect(Math.abs(wa.w0[0] - ts.w0[0])).toBeLessThan(2e-6)
        if (adagrad) {
          expect(maxAbsDiff(wa.VAcc, ts.VAcc) / Math.max(1, ...ts.VAcc)).toBeLessThan(1e-4)
          expect(maxAbsDiff(wa.wAcc, ts.wAcc) / Math.max(1, ...ts.wAcc)).toBeLessThan(1e-4)
        }
      }
      // The step moved the parameters (the comparison is not vacuous).
      expect(maxAbsDiff(ts.V, V0)).toBeGreaterThan(1e-3)
    })
  }
})
