import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { uniformSampler } from '@decoy/samplers'
import { plantedSplit } from '@decoy/testkit'
import { factorizationMachine, lightGcn } from '@decoy/models'
import {
  ADAGRAD_EPS,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  OPT_SGD,
  accumulatorLength,
  adagradRowwise,
  adagradRowwise64,
  optimizerCode,
  scalarUpdate,
} from '@decoy/models/kernels'

/** Row-wise Adagrad straight from its definition, in float64, on plain arrays: rows of `dim` in `theta`. */
function referenceRowwise(
  theta: number[],
  acc: number[],
  row: number,
  src: number[],
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  const g: number[] = []
  for (let f = 0; f < dim; f++) g.push(a * src[so + f] + b * theta[row * dim + f])
  acc[row] += g.reduce((s, x) => s + x * x, 0) / dim
  for (let f = 0; f < dim; f++) theta[row * dim + f] -= (lr * g[f]) / Math.sqrt(acc[row] + ADAGRAD_EPS)
}

describe('row-wise Adagrad', () => {
  const dim = 7
  const rows = 4
  const init = (seed: string) => {
    const st = createRng(seed).state
    return {
      theta: Array.from({ length: rows * dim }, () => 0.5 * prngNormal(st)),
      src: Array.from({ length: 3 * dim }, () => prngNormal(st)),
    }
  }

  for (const precision of ['float32', 'float64'] as const) {
    it(`adagradRowwise${precision === 'float64' ? '64' : ''} equals the scalar reference loop over repeated steps of several rows (${precision} source)`, () => {
      const { theta, src } = init(precision)
      const want = { theta: theta.slice(), acc: new Array<number>(rows).fill(0) }
      const got = { theta: Float32Array.from(theta), acc: new Float32Array(rows) }
      const s32 = Float32Array.from(src)
      const s64 = Float64Array.from(s32)
      const steps: [number, number, number, number, number][] = [
        // row, source offset, a, b, lr
        [1, 0, 0.7, 0.05, 0.1],
        [3, dim, -1.3, 0.02, 0.1],
        [1, 2 * dim, 0.2, 0.05, 0.3],
        [0, dim, 2.1, 0, 0.05],
        [1, 0, -0.4, 0.1, 0.1],
      ]
      for (const [row, so, a, b, lr] of steps) {
        referenceRowwise(want.theta, want.acc, row, Array.from(s32), so, a, b, dim, lr)
        if (precision === 'float64') adagradRowwise64(got.theta, got.acc, row, row * dim, s64, so, a, b, dim, lr)
        else adagradRowwise(got.theta, got.acc, row, row * dim, s32, so, a, b, dim, lr)
        // The reference continues from the float32 values the kernel stores.
        for (let i = 0; i < want.theta.length; i++) {
          expect(got.theta[i]).toBeCloseTo(want.theta[i], 6)
          want.theta[i] = got.theta[i]
        }
        for (let r = 0; r < rows; r++) {
          expect(got.acc[r]).toBeCloseTo(want.acc[r], 6)
          want.acc[r] = got.acc[r]
        }
      }
      // Row 2 was never touched; the others moved.
      expect(got.acc[2]).toBe(0)
      expect(got.theta.subarray(2 * dim, 3 * dim)).toEqual(Float32Array.from(theta.slice(2 * dim, 3 * dim)))
      for (const r of [0, 1, 3]) expect(got.acc[r]).toBeGreaterThan(0)
    })
  }

  it('scales a whole row by one factor: the step is parallel to the gradient, of RMS lr on a first step', () => {
    const theta = Float32Array.of(1, -2, 0.5, 3)
    const acc = new Float32Array(1)
    const src = Float32Array.of(0.3, -0.1, 0.2, 0.4)
    const before = theta.slice()
    adagradRowwise(theta, acc, 0, 0, src, 0, 1, 0, 4, 0.1)
    const rms = Math.sqrt((0.09 + 0.01 + 0.04 + 0.16) / 4)
    for (let f = 0; f < 4; f++) expect(before[f] - theta[f]).toBeCloseTo((0.1 * src[f]) / rms, 6)
    expect(acc[0]).toBeCloseTo(rms * rms, 7)
  })

  it('keeps one float per row, Adagrad one per coordinate, SGD none', () => {
    expect(accumulatorLength(OPT_ADAGRAD_ROW, 10, 64)).toBe(10)
    expect(accumulatorLength(OPT_ADAGRAD, 10, 64)).toBe(640)
    expect(accumulatorLength(OPT_SGD, 10, 64)).toBe(0)
  })

  it('updates a scalar (a bias: a row of one) as Adagrad does', () => {
    const a = { theta: Float32Array.of(0.3), acc: Float32Array.of(0.2) }
    const b = { theta: Float32Array.of(0.3), acc: Float32Array.of(0.2) }
    scalarUpdate(OPT_ADAGRAD, a.theta, a.acc, 0, 0.7, 0.1)
    scalarUpdate(OPT_ADAGRAD_ROW, b.theta, b.acc, 0, 0.7, 0.1)
    expect(b).toEqual(a)
  })
})

describe('optimizerCode', () => {
  it('maps each name to its code; every model takes sgd and adagrad, adagrad-row only where accepted', () => {
    expect(optimizerCode('sgd')).toBe(OPT_SGD)
    expect(optimizerCode('adagrad')).toBe(OPT_ADAGRAD)
    expect(optimizerCode('adagrad-row', ['sgd', 'adagrad', 'adagrad-row'], 'mf')).toBe(OPT_ADAGRAD_ROW)
    expect(() => optimizerCode('adagrad-row', ['sgd', 'adagrad'], 'fm')).toThrow(
      'optimizer: fm does not implement "adagrad-row"; expected sgd or adagrad',
    )
  })

  it('lists every known name for an unknown one', () => {
    expect(() => optimizerCode('adam' as never)).toThrow('optimizer: unknown optimizer "adam"; expected sgd, adagrad or adagrad-row')
  })
})

describe('models without row-wise Adagrad', () => {
  it('FM and LightGCN reject adagrad-row at construction and at fit, naming the option', async () => {
    const { train } = plantedSplit(1)
    expect(() => factorizationMachine({ optimizer: 'adagrad-row' })).toThrow(/optimizer must be one of sgd, adagrad/)
    expect(() => lightGcn({ optimizer: 'adagrad-row' })).toThrow(/optimizer must be one of sgd, adagrad/)
    const fit = { seed: 1, sampler: uniformSampler(), epochs: 1, optimizer: 'adagrad-row' as const }
    await expect(factorizationMachine({ dim: 4 }).fit(train, fit)).rejects.toThrow('optimizer: fm does not implement "adagrad-row"')
    await expect(lightGcn({ dim: 4 }).fit(train, fit)).rejects.toThrow('optimizer: lightgcn does not implement "adagrad-row"')
  })
})
