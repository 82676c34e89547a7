import { describe, expect, it } from 'vitest'
import { popularitySampler, uniformSampler } from '@decoy/samplers'
import { plantedSplit, recallAt } from '@decoy/testkit'
import { MatrixFactorization, matrixFactorization, type LossName } from '@decoy/models'
import { dotWasmSupported } from '@decoy/models/kernels'

const supported = dotWasmSupported()

describe.skipIf(!supported)('matrixFactorization step kernels', () => {
  const { train, test } = plantedSplit(3)
  const fitOptions = { epochs: 5, negatives: 8, learningRate: 0.05, l2: 0.005 }

  for (const [loss, optimizer] of [
    ['softmax', 'adagrad'],
    ['bpr', 'sgd'],
    ['bpr', 'adagrad'],
    ['logistic', 'adagrad'],
    ['gbce', 'sgd'],
  ] as [LossName, 'sgd' | 'adagrad'][]) {
    it(`${loss} + ${optimizer}: 'wasm' reaches the quality of 'js' on planted clusters`, async () => {
      const run = async (kernel: 'wasm' | 'js') => {
        const m = matrixFactorization({ dim: 16, loss })
        // Plain SGD needs a larger rate than Adagrad to learn the clusters in 5 epochs.
        const res = await m.fit(train, {
          seed: 1,
          sampler: uniformSampler(),
          ...fitOptions,
          optimizer,
          learningRate: optimizer === 'sgd' ? 0.2 : 0.05,
          negatives: loss === 'bpr' ? 1 : 8,
          kernel,
        })
        return { res, recall: recallAt(m, train, test, 10) }
      }
      const js = await run('js')
      const wasm = await run('wasm')
      expect(js.res.kernel).toBe('js')
      expect(wasm.res.kernel).toBe('wasm')
      expect(wasm.res.config.kernel).toBe('wasm')
      expect(wasm.recall).toBeGreaterThan(0.15)
      expect(Math.abs(wasm.recall - js.recall)).toBeLessThan(0.03)
      // Same draws, float32 versus float64 rounding: the per-epoch losses track each other.
      for (let e = 0; e < 5; e++)
        expect(Math.abs(wasm.res.epochs[e].loss - js.res.epochs[e].loss)).toBeLessThan(0.02 * js.res.epochs[e].loss)
    })
  }

  it("'auto' runs wasm where covered, is bit-identical for a seed, and differs from 'js' only by rounding", async () => {
    const run = async (kernel?: 'auto' | 'wasm' | 'js') => {
      const m = matrixFactorization({ dim: 8 })
      const res = await m.fit(train, { seed: 5, sampler: popularitySampler(), epochs: 2, negatives: 4, kernel })
      return { res, user: m.userFactors.slice(), item: m.itemFactors.slice(), bias: m.itemBias.slice() }
    }
    const auto = await run()
    const wasm = await run('wasm')
    const wasm2 = await run('wasm')
    const js = await run('js')
    const js2 = await run('js')
    expect(auto.res.kernel).toBe('wasm')
    expect(auto.user).toEqual(wasm.user)
    expect(wasm2.user).toEqual(wasm.user)
    expect(wasm2.item).toEqual(wasm.item)
    expect(wasm2.bias).toEqual(wasm.bias)
    expect(js2.user).toEqual(js.user)
    expect(js2.item).toEqual(js.item)
    expect(js.user).not.toEqual(wasm.user)
    let d = 0
    for (let i = 0; i < js.item.length; i++) d = Math.max(d, Math.abs(js.item[i] - wasm.item[i]))
    expect(d).toBeLessThan(1e-3)
  })

  it("falls back to 'js' under 'auto' where the kernel does not reach, and 'wasm' there is an error", async () => {
    const cases: [Parameters<typeof matrixFactorization>[0], Record<string, unknown>][] = [
      [{ dim: 8, loss: 'softmax', normalize: true, temperature: 0.2 }, {}],
      [{ dim: 8, loss: 'warp' }, { negatives: 1 }],
      [{ dim: 6 }, {}],
    ]
    for (const [mo, fo] of cases) {
      const auto = await matrixFactorization(mo).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, ...fo })
      expect(auto.kernel).toBe('js')
      expect(auto.config.kernel).toBe('js')
      await expect(
        matrixFactorization(mo).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, ...fo, kernel: 'wasm' }),
      ).rejects.toThrow(/kernel 'wasm' needs/)
    }
    await expect(
      matrixFactorization({}).fit(train, { seed: 1, sampler: uniformSampler(), epochs: 1, kernel: 'gpu' as 'js' }),
    ).rejects.toThrow(/kernel must be/)
  })

  it('saves and loads a model whose parameters are views of the kernel memory', async () => {
    const m = matrixFactorization({ dim: 8 })
    await m.fit(train, { seed: 9, sampler: uniformSampler(), epochs: 1, negatives: 2, kernel: 'wasm' })
    expect(m.itemFactors.byteOffset).toBeGreaterThan(0)
    const back = MatrixFactorization.deserialize(m.serialize())
    expect(back.userFactors).toEqual(m.userFactors)
    expect(back.itemFactors).toEqual(m.itemFactors)
    expect(back.itemBias).toEqual(m.itemBias)
    expect(back.recommend(Int32Array.of(0, 1), 5)).toEqual(m.recommend(Int32Array.of(0, 1), 5))
  })
})
