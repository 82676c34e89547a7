import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { type LossName } from '@decoy/models'
import {
  ADAGRAD_EPS,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  OPT_SGD,
  accumulatorLength,
  allocDotScratch,
  bprSgdRange,
  dotStepRange,
  lossGrad,
  resolveLoss,
  scheduledRate,
  SCHEDULE_LINEAR,
  SCHEDULE_CONSTANT,
  type DotViews,
} from '@decoy/models/kernels'

const DIM = 6
const ITEMS = 8
const USERS = 3
const K = 3

function views(loss: LossName, normalize: number, optimizer: number, seed: string): DotViews {
  const st = createRng(seed).state
  const left = new Float32Array(USERS * DIM)
  const right = new Float32Array(ITEMS * DIM)
  const bias = new Float32Array(ITEMS)
  for (let i = 0; i < left.length; i++) left[i] = 0.5 * prngNormal(st)
  for (let i = 0; i < right.length; i++) right[i] = 0.5 * prngNormal(st)
  for (let i = 0; i < bias.length; i++) bias[i] = 0.1 * prngNormal(st)
  const { code, hp } = resolveLoss(loss, { temperature: 0.5, margin: 5 }, K, ITEMS)
  return {
    dim: DIM,
    numItems: ITEMS,
    left,
    right,
    bias: normalize ? new Float32Array(0) : bias,
    leftAcc: new Float32Array(accumulatorLength(optimizer, USERS, DIM)),
    rightAcc: new Float32Array(accumulatorLength(optimizer, ITEMS, DIM)),
    biasAcc: optimizer !== OPT_SGD && !normalize ? new Float32Array(ITEMS) : new Float32Array(0),
    optimizer,
    loss: code,
    hp,
    normalize,
    l2: 0.03,
    l2Bias: 0.02,
    indptr: Int32Array.from([0, 2, 3, 5]),
    ...allocDotScratch(K, DIM),
  }
}

const users = Int32Array.from([1])
const positives = Int32Array.from([2])
const negItems = Int32Array.from([5, -1, 7])
const logQ = Float32Array.from([-1.2, -2, -0.4])
const trials = Int32Array.from([2])

/** The slot's loss as a function of the parameters, computed without the kernel's scoring code. */
function objective(v: DotViews): number {
  const u = users[0]
  const score = (item: number): number => {
    let d = 0
    let nu = 0
    let nq = 0
    for (let f = 0; f < DIM; f++) {
      d += v.left[u * DIM + f] * v.right[item * DIM + f]
      nu += v.left[u * DIM + f] ** 2
      nq += v.right[item * DIM + f] ** 2
    }
    if (v.normalize) return d / Math.sqrt(nu * nq)
    return d + (v.bias.length ? v.bias[item] : 0)
  }
  const scores = new Float64Array(1 + K)
  scores[0] = score(positives[0])
  for (let j = 0; j < K; j++) scores[1 + j] = negItems[j] >= 0 ? score(negItems[j]) : 0
  const negCount = ITEMS - (v.indptr[u + 1] - v.indptr[u])
  return lossGrad(v.loss, scores, 0, negItems, logQ, 0, K, negCount, trials[0], v.hp, new Float64Array(1 + K), new Float64Array(1 + K), 0)
}

describe('dotStepRange', () => {
  const losses: LossName[] = ['bpr', 'logistic', 'softmax', 'warp', 'gbce']
  for (const loss of losses) {
    for (const normalize of [0, 1]) {
      it(`${loss}${normalize ? ' (cosine)' : ''}: an SGD step moves every touched parameter by −lr·(∂L/∂θ + l2·θ)`, () => {
        const v = views(loss, normalize, OPT_SGD, loss + normalize)
        const before = { left: v.left.slice(), right: v.right.slice(), bias: v.bias.slice() }
        const lr = 1e-3
        // Finite differences of the objective at the pre-step parameters.
        const fd = (arr: Float32Array, i: number): number => {
          const save = arr[i]
          const h = 1e-3
          arr[i] = save + h
          const up = objective(v)
          arr[i] = save - h
          const down = objective(v)
          arr[i] = save
          return (up - down) / (2 * h)
        }
        const touchedRows = [positives[0], ...Array.from(negItems).filter((j) => j >= 0)]
        const expected: { arr: 'left' | 'right' | 'bias'; i: number; g: number }[] = []
        for (let f = 0; f < DIM; f++) {
          const i = users[0] * DIM + f
          expected.push({ arr: 'left', i, g: fd(v.left, i) + v.l2 * v.left[i] })
        }
        for (const r of touchedRows) {
          for (let f = 0; f < DIM; f++) {
            const i = r * DIM + f
            expected.push({ arr: 'right', i, g: fd(v.right, i) + v.l2 * v.right[i] })
          }
          if (v.bias.length) expected.push({ arr: 'bias', i: r, g: fd(v.bias, r) + v.l2Bias * v.bias[r] })
        }
        const loss0 = objective(v)
        const got = dotStepRange(v, users, positives, negItems, logQ, trials, K, 0, 1, lr)
        expect(got).toBeCloseTo(loss0, 4)
        for (const e of expected) {
          const step = (before[e.arr][e.i] - v[e.arr][e.i]) / lr
          expect(step).toBeCloseTo(e.g, 2)
        }
        // Untouched rows do not move.
        expect(v.right.subarray(0, DIM)).toEqual(before.right.subarray(0, DIM))
        expect(v.left.subarray(0, DIM)).toEqual(before.left.subarray(0, DIM))
      })
    }
  }

  for (const [loss, normalize] of [
    ['softmax', 0],
    ['logistic', 0],
    ['softmax', 1],
  ] as [LossName, number][]) {
    it(`row-wise adagrad${normalize ? ' (cosine)' : ''}, ${loss}: each touched row moves along its gradient by lr/√(mean g² + ε), one accumulator per row`, () => {
      // The gradient of every touched row (L2 included) is what an SGD step at lr 1 subtracts.
      const sgd = views(loss, normalize, OPT_SGD, `row/${loss}/${normalize}`)
      const v = views(loss, normalize, OPT_ADAGRAD_ROW, `row/${loss}/${normalize}`)
      const before = { left: v.left.slice(), right: v.right.slice(), bias: v.bias.slice() }
      dotStepRange(sgd, users, positives, negItems, logQ, trials, K, 0, 1, 1)
      const lr = 0.1
      dotStepRange(v, users, positives, negItems, logQ, trials, K, 0, 1, lr)
      expect(v.leftAcc.length).toBe(USERS)
      expect(v.rightAcc.length).toBe(ITEMS)
      const check = (side: 'left' | 'right', acc: Float32Array, row: number): void => {
        const o = row * DIM
        const g = Array.from({ length: DIM }, (_, f) => before[side][o + f] - sgd[side][o + f])
        const ms = g.reduce((s, x) => s + x * x, 0) / DIM
        expect(acc[row]).toBeCloseTo(ms, 6)
        for (let f = 0; f < DIM; f++) expect(before[side][o + f] - v[side][o + f]).toBeCloseTo((lr * g[f]) / Math.sqrt(ms + ADAGRAD_EPS), 5)
      }
      check('left', v.leftAcc, users[0])
      for (const r of [positives[0], ...Array.from(negItems).filter((j) => j >= 0)]) check('right', v.rightAcc, r)
      // Untouched rows keep their parameters and an empty accumulator.
      expect(v.rightAcc[0]).toBe(0)
      expect(v.right.subarray(0, DIM)).toEqual(before.right.subarray(0, DIM))
      // Biases keep scalar Adagrad: the first step is ≈ lr·sign(g).
      if (!normalize) {
        const b = positives[0]
        const gb = before.bias[b] - sgd.bias[b]
        expect(v.biasAcc[b]).toBeCloseTo(gb * gb, 6)
        expect(before.bias[b] - v.bias[b]).toBeCloseTo(lr * Math.sign(gb), 4)
      }
    })
  }

  it('adagrad accumulates g² per parameter and scales the step by 1/√G', () => {
    const v = views('logistic', 0, OPT_ADAGRAD, 'ada')
    const sgd = views('logistic', 0, OPT_SGD, 'ada')
    const lr = 1e-2
    dotStepRange(sgd, users, positives, negItems, logQ, trials, K, 0, 1, lr)
    const before = v.right.slice()
    dotStepRange(v, users, positives, negItems, logQ, trials, K, 0, 1, 0.1)
    const i = positives[0] * DIM + 2
    const g = (before[i] - sgd.right[i]) / lr
    expect(v.rightAcc[i]).toBeCloseTo(g * g, 3)
    expect(before[i] - v.right[i]).toBeCloseTo((0.1 * g) / Math.sqrt(g * g), 4)
  })

  it('the fused BPR/SGD kernel computes the same update as the generic path', () => {
    const a = views('bpr', 0, OPT_SGD, 'fused')
    const b = views('bpr', 0, OPT_SGD, 'fused')
    const negsK2 = Int32Array.from([5, -1])
    const k2 = { ...b, ...allocDotScratch(2, DIM) }
    // Generic path: k = 2 with the second negative masked.
    const lossGeneric = dotStepRange(k2, users, positives, negsK2, logQ, trials, 2, 0, 1, 0.05)
    const lossFused = bprSgdRange(a.left, a.right, a.bias, DIM, users, positives, Int32Array.from([5]), 0, 1, 0.05, a.l2, a.l2Bias)
    expect(lossFused).toBeCloseTo(lossGeneric, 6)
    for (let i = 0; i < a.right.length; i++) expect(a.right[i]).toBeCloseTo(k2.right[i], 6)
    for (let i = 0; i < a.left.length; i++) expect(a.left[i]).toBeCloseTo(k2.left[i], 6)
    for (let i = 0; i < a.bias.length; i++) expect(a.bias[i]).toBeCloseTo(k2.bias[i], 6)
  })

  it('linear schedule decays to the floor; constant stays', () => {
    expect(scheduledRate(SCHEDULE_LINEAR, 0.1, 0.001, 0)).toBeCloseTo(0.1, 12)
    expect(scheduledRate(SCHEDULE_LINEAR, 0.1, 0.001, 0.5)).toBeCloseTo(0.0505, 12)
    expect(scheduledRate(SCHEDULE_LINEAR, 0.1, 0.001, 2)).toBeCloseTo(0.001, 12)
    expect(scheduledRate(SCHEDULE_CONSTANT, 0.1, 0.001, 0.7)).toBe(0.1)
  })
})
