import { describe, expect, it } from 'vitest'
import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { createRng } from '@decoy/core'
import { prngBelow, prngFloat, prngNormal } from '@decoy/core/kernels'
import { type LossName } from '@decoy/models'
import {
  DotWasmKernel,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  OPT_SGD,
  accumulatorLength,
  allocDotScratch,
  createDotStepper,
  createDotWasmLayout,
  dotStepRange,
  dotWasmArrays,
  dotWasmCovers,
  dotWasmSupported,
  resolveLoss,
  sigmoid,
  softplus,
  type DotViews,
} from '@decoy/models/kernels'

const supported = dotWasmSupported()

function maxAbsDiff(a: Float32Array, b: Float32Array): number {
  let m = 0
  for (let i = 0; i < a.length; i++) m = Math.max(m, Math.abs(a[i] - b[i]))
  return m
}

describe('wasm dot module', () => {
  it('is the assembly of wasm/dot.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)', async () => {
    const script = new URL('../../scripts/build-wasm.mjs', import.meta.url).href
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('./wasm/dot-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText('dot'))
  })

  it('is supported by this Node', () => {
    expect(supported).toBe(true)
  })

  it('covers the unnormalised bpr, logistic, gbce and softmax losses with SGD, Adagrad or row-wise Adagrad at dim % 4 = 0', () => {
    for (const loss of ['bpr', 'logistic', 'gbce', 'softmax'] as LossName[]) {
      const code = resolveLoss(loss, {}, 4, 100).code
      expect(dotWasmCovers({ dim: 16, loss: code, optimizer: OPT_ADAGRAD, normalize: 0 })).toBe(true)
      expect(dotWasmCovers({ dim: 16, loss: code, optimizer: OPT_ADAGRAD_ROW, normalize: 0 })).toBe(true)
      expect(dotWasmCovers({ dim: 16, loss: code, optimizer: OPT_ADAGRAD_ROW, normalize: 1 })).toBe(false)
      expect(dotWasmCovers({ dim: 16, loss: code, optimizer: OPT_SGD, normalize: 0 })).toBe(true)
      expect(dotWasmCovers({ dim: 16, loss: code, optimizer: OPT_SGD, normalize: 1 })).toBe(false)
      expect(dotWasmCovers({ dim: 18, loss: code, optimizer: OPT_SGD, normalize: 0 })).toBe(false)
    }
    expect(dotWasmCovers({ dim: 16, loss: resolveLoss('warp', {}, 4, 100).code, optimizer: OPT_SGD, normalize: 0 })).toBe(false)
  })
})

describe.skipIf(!supported)('DotWasmKernel', () => {
  const USERS = 20
  const ITEMS = 30
  const DIM = 16
  const SIZE = 300

  it('computes the logistic function and softplus as the TypeScript ones, to 1e-15 relative', () => {
    const layout = createDotWasmLayout({
      dim: 4,
      k: 1,
      batchSize: 1,
      rows: 1,
      numItems: 1,
      bias: false,
      adagrad: false,
      threads: 1,
      shared: false,
    })!
    const kernel = new DotWasmKernel(layout, 0, {
      loss: resolveLoss('bpr', {}, 1, 2).code,
      hp: resolveLoss('bpr', {}, 1, 2).hp,
      optimizer: OPT_SGD,
      l2: 0,
      l2Bias: 0,
    })
    for (let x = -800; x <= 800; x += x > -40 && x < 40 ? 0.0137 : 3.1) {
      const s = sigmoid(x)
      expect(Math.abs(kernel.sigmoid(x) - s)).toBeLessThanOrEqual(1e-15 * s + 1e-300)
      const p = softplus(x)
      expect(Math.abs(kernel.softplus(x) - p)).toBeLessThanOrEqual(1e-15 * p + 1e-300)
    }
  })

  /** Random slots over few items (so candidates repeat within a slot), some negatives masked. */
  function slots(k: number, seed: string) {
    const st = createRng(seed).state
    const users = new Int32Array(SIZE)
    const positives = new Int32Array(SIZE)
    const negItems = new Int32Array(SIZE * k)
    const logQ = new Float32Array(SIZE * k)
    for (let s = 0; s < SIZE; s++) {
      users[s] = prngBelow(st, USERS)
      positives[s] = prngBelow(st, ITEMS)
      for (let j = 0; j < k; j++) {
        negItems[s * k + j] = prngBelow(st, 8) === 0 ? -1 : prngBelow(st, ITEMS)
        logQ[s * k + j] = Math.log(0.01 + prngFloat(st) * 0.2)
      }
    }
    return { users, positives, negItems, logQ, trials: new Int32Array(SIZE).fill(1) }
  }

  const cases: [LossName, number, number][] = []
  for (const loss of ['bpr', 'logistic', 'gbce', 'softmax'] as LossName[]) {
    for (const opt of [OPT_SGD, OPT_ADAGRAD, OPT_ADAGRAD_ROW]) cases.push([loss, opt, 5])
  }
  cases.push(
    ['bpr', OPT_SGD, 1],
    ['bpr', OPT_ADAGRAD, 1],
    ['softmax', OPT_ADAGRAD, 1],
    ['bpr', OPT_ADAGRAD_ROW, 1],
    ['softmax', OPT_ADAGRAD_ROW, 1],
    // An even k: k + 1 candidates end in half an f64x2 pair (the row-wise step sizes' spare slot).
    ['softmax', OPT_ADAGRAD_ROW, 4],
    ['logistic', OPT_ADAGRAD_ROW, 2],
  )
  const optName = ['sgd', 'adagrad', 'adagrad-row']

  for (const [loss, optimizer, k] of cases) {
    for (const withBias of [true, false]) {
      it(`${loss} + ${optName[optimizer]}, k ${k}, ${withBias ? 'biases' : 'no biases'}: same updates and loss as dotStepRange to float32 rounding`, () => {
        const adagrad = optimizer !== OPT_SGD
        const layout = createDotWasmLayout({
          dim: DIM,
          k,
          batchSize: 64,
          rows: USERS,
          numItems: ITEMS,
          bias: withBias,
          adagrad,
          rowwise: optimizer === OPT_ADAGRAD_ROW,
          threads: 1,
          shared: false,
        })!
        const arrays = dotWasmArrays(layout)
        const st = createRng('wasm-dot/init').state
        for (let i = 0; i < arrays.left.length; i++) arrays.left[i] = 0.5 * prngNormal(st)
        for (let i = 0; i < arrays.right.length; i++) arrays.right[i] = 0.5 * prngNormal(st)
        if (withBias) for (let i = 0; i < ITEMS; i++) arrays.bias[i] = 0.2 * prngNormal(st)
        const before = { left: arrays.left.slice(), right: arrays.right.slice() }
        const { code, hp } = resolveLoss(loss, { temperature: 0.7 }, k, ITEMS)
        const ref: DotViews = {
          dim: DIM,
          numItems: ITEMS,
          left: arrays.left.slice(),
          right: arrays.right.slice(),
          bias: withBias ? arrays.bias.slice() : new Float32Array(0),
          leftAcc: new Float32Array(accumulatorLength(optimizer, USERS, DIM)),
          rightAcc: new Float32Array(accumulatorLength(optimizer, ITEMS, DIM)),
          biasAcc: adagrad && withBias ? new Float32Array(ITEMS) : new Float32Array(0),
          optimizer,
          loss: code,
          hp,
          normalize: 0,
          l2: 0.03,
          l2Bias: 0.02,
          indptr: new Int32Array(0),
          ...allocDotScratch(k, DIM),
        }
        const kernel = new DotWasmKernel(layout, 0, { loss: code, hp, optimizer, l2: 0.03, l2Bias: 0.02 })
        const d = slots(k, `wasm-dot/${loss}/${k}`)
        const lr = adagrad ? 0.1 : 0.05
        // Two ranges, the first longer than the layout's batch (chunked), at different rates.
        let got = kernel.step(d.users, d.positives, d.negItems, d.logQ, k, 0, 200, lr)
        got += kernel.step(d.users, d.positives, d.negItems, d.logQ, k, 200, SIZE, lr / 2)
        let want = dotStepRange(ref, d.users, d.positives, d.negItems, d.logQ, d.trials, k, 0, 200, lr)
        want += dotStepRange(ref, d.users, d.positives, d.negItems, d.logQ, d.trials, k, 200, SIZE, lr / 2)
        expect(Math.abs(got - want)).toBeLessThan(1e-5 * Math.abs(want))
        expect(maxAbsDiff(arrays.left, ref.left)).toBeLessThan(2e-5)
        expect(maxAbsDiff(arrays.right, ref.right)).toBeLessThan(2e-5)
        if (withBias) expect(maxAbsDiff(arrays.bias, ref.bias)).toBeLessThan(2e-5)
        if (adagrad) {
          expect(arrays.leftAcc.length).toBe(optimizer === OPT_ADAGRAD_ROW ? USERS : USERS * DIM)
          expect(arrays.rightAcc.length).toBe(optimizer === OPT_ADAGRAD_ROW ? ITEMS : ITEMS * DIM)
          expect(maxAbsDiff(arrays.leftAcc, ref.leftAcc)).toBeLessThan(1e-4)
          expect(maxAbsDiff(arrays.rightAcc, ref.rightAcc)).toBeLessThan(1e-4)
          if (withBias) expect(maxAbsDiff(arrays.biasAcc, ref.biasAcc)).toBeLessThan(1e-4)
        }
        // And the step moved the parameters (a no-op kernel would fail the lines above only by luck).
        expect(maxAbsDiff(arrays.left, before.left)).toBeGreaterThan(1e-2)
        expect(maxAbsDiff(arrays.right, before.right)).toBeGreaterThan(1e-2)
      })
    }
  }

  it('steps its own buffers in place exactly as it steps copied-in slots (bit for bit)', () => {
    const k = 5
    const B = 64
    const { code, hp } = resolveLoss('softmax', {}, k, ITEMS)
    const run = (inPlace: boolean) => {
      const layout = createDotWasmLayout({
        dim: DIM,
        k,
        batchSize: B,
        rows: USERS,
        numItems: ITEMS,
        bias: true,
        adagrad: true,
        threads: 1,
        shared: false,
      })!
      const arrays = dotWasmArrays(layout)
      const st = createRng('wasm-dot/in-place').state
      for (let i = 0; i < arrays.left.length; i++) arrays.left[i] = 0.5 * prngNormal(st)
      for (let i = 0; i < arrays.right.length; i++) arrays.right[i] = 0.5 * prngNormal(st)
      const kernel = new DotWasmKernel(layout, 0, { loss: code, hp, optimizer: OPT_ADAGRAD, l2: 0.03, l2Bias: 0.02 })
      expect(kernel.buffers(B + 1, k)).toBeNull()
      expect(kernel.buffers(B, k + 1)).toBeNull()
      const own = kernel.buffers(B, k)!
      const d = slots(k, 'wasm-dot/in-place')
      let loss = 0
      for (let c0 = 0; c0 < SIZE; c0 += B) {
        const n = Math.min(B, SIZE - c0)
        if (inPlace) {
          own.batch.users.set(d.users.subarray(c0, c0 + n))
          own.batch.positives.set(d.positives.subarray(c0, c0 + n))
          own.negs.items.set(d.negItems.subarray(c0 * k, (c0 + n) * k))
          own.negs.logQ.set(d.logQ.subarray(c0 * k, (c0 + n) * k))
          loss += kernel.step(own.batch.users, own.batch.positives, own.negs.items, own.negs.logQ, k, 0, n, 0.1)
        } else loss += kernel.step(d.users, d.positives, d.negItems, d.logQ, k, c0, c0 + n, 0.1)
      }
      return { loss, left: arrays.left.slice(), right: arrays.right.slice(), bias: arrays.bias.slice(), acc: arrays.rightAcc.slice() }
    }
    const a = run(false)
    const b = run(true)
    expect(b.loss).toBe(a.loss)
    expect(b.left).toEqual(a.left)
    expect(b.right).toEqual(a.right)
    expect(b.bias).toEqual(a.bias)
    expect(b.acc).toEqual(a.acc)
  })

  it('takes the logQ correction into account (softmax): different logQ, different updates', () => {
    const run = (shift: number) => {
      // SGD: Adagrad's first step is ≈ lr·sign(g) whatever the logQ.
      const layout = createDotWasmLayout({
        dim: 8,
        k: 4,
        batchSize: 16,
        rows: 4,
        numItems: 10,
        bias: true,
        adagrad: false,
        threads: 1,
        shared: false,
      })!
      const arrays = dotWasmArrays(layout)
      arrays.left.fill(0.1)
      arrays.right.fill(0.2)
      const { code, hp } = resolveLoss('softmax', {}, 4, 10)
      const kernel = new DotWasmKernel(layout, 0, { loss: code, hp, optimizer: OPT_SGD, l2: 0, l2Bias: 0 })
      const logQ = Float32Array.of(-1, -2 + shift, -3, -4)
      kernel.step(Int32Array.of(0), Int32Array.of(1), Int32Array.of(2, 3, 4, 5), logQ, 4, 0, 1, 0.1)
      return arrays.right.slice()
    }
    expect(maxAbsDiff(run(0), run(1))).toBeGreaterThan(1e-4)
  })

  it('lays out shared memory for workers, one scratch per thread, and refuses a dim that is not a multiple of 4', () => {
    const { code, hp } = resolveLoss('softmax', {}, 2, 10)
    const settings = { loss: code, hp, optimizer: OPT_ADAGRAD, l2: 0, l2Bias: 0 }
    const shared = createDotWasmLayout({
      dim: 8,
      k: 2,
      batchSize: 4,
      rows: 10,
      numItems: 10,
      bias: true,
      adagrad: true,
      threads: 2,
      shared: true,
    })!
    expect(shared.memory.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(dotWasmArrays(shared).left.buffer).toBeInstanceOf(SharedArrayBuffer)
    expect(() => new DotWasmKernel(shared, 1, settings)).not.toThrow()
    expect(() => new DotWasmKernel(shared, 2, settings)).toThrow(/slot 2/)
    expect(() => new DotWasmKernel(shared, 0, { ...settings, optimizer: OPT_SGD })).toThrow(/Adagrad/)
    // Row-wise Adagrad needs the row-wise layout (one accumulator per row), and the reverse.
    expect(() => new DotWasmKernel(shared, 0, { ...settings, optimizer: OPT_ADAGRAD_ROW })).toThrow(/row-wise/)
    const rowwise = createDotWasmLayout({
      dim: 8,
      k: 2,
      batchSize: 4,
      rows: 10,
      numItems: 12,
      bias: true,
      adagrad: true,
      rowwise: true,
      threads: 1,
      shared: false,
    })!
    expect([rowwise.leftAccLength, rowwise.rightAccLength]).toEqual([10, 12])
    expect(() => new DotWasmKernel(rowwise, 0, { ...settings, optimizer: OPT_ADAGRAD_ROW })).not.toThrow()
    expect(() => new DotWasmKernel(rowwise, 0, settings)).toThrow(/row-wise/)
    expect(
      createDotWasmLayout({ dim: 6, k: 2, batchSize: 4, rows: 10, numItems: 10, bias: false, adagrad: false, threads: 1, shared: false }),
    ).toBeNull()
  })

  it("the dot stepper refuses arrays that are not the layout's views", () => {
    const layout = createDotWasmLayout({
      dim: 8,
      k: 2,
      batchSize: 4,
      rows: 3,
      numItems: 5,
      bias: false,
      adagrad: false,
      threads: 1,
      shared: false,
    })!
    const spec = {
      dim: 8,
      numItems: 5,
      loss: resolveLoss('bpr', {}, 2, 5).code,
      hp: [1, 1, 1, 1],
      optimizer: OPT_SGD,
      normalize: 0,
      l2: 0,
      l2Bias: 0,
      wasm: layout,
    }
    const train = { numUsers: 3, numItems: 5, indptr: new Int32Array(4), items: new Int32Array(0) } as never
    expect(() => createDotStepper(dotWasmArrays(layout), spec, train, 2)).not.toThrow()
    expect(() => createDotStepper({ left: new Float32Array(24), right: new Float32Array(40) }, spec, train, 2)).toThrow(
      /not the WebAssembly layout's view/,
    )
  })
})
