import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { type LossName } from '@decoy/models'
import {
  HP_LENGTH,
  LOSS_BPR,
  LOSS_GBCE,
  LOSS_LOGISTIC,
  LOSS_SOFTMAX,
  LOSS_WARP,
  gbceBeta,
  harmonic,
  lossGrad,
  resolveLoss,
  softplus,
  sigmoid,
} from '@decoy/models/kernels'

const K = 5

function setup(seed: string) {
  const st = createRng(seed).state
  const scores = new Float64Array(1 + K)
  for (let c = 0; c <= K; c++) scores[c] = prngNormal(st)
  const negItems = Int32Array.from([3, -1, 7, 9, 11])
  const logQ = Float32Array.from([-2.3, -1, -4.1, -0.7, -3.3])
  return { scores, negItems, logQ }
}

function evalLoss(code: number, hp: Float64Array, scores: Float64Array, negItems: Int32Array, logQ: Float32Array, trials: number): number {
  const grad = new Float64Array(1 + K)
  const exps = new Float64Array(1 + K)
  return lossGrad(code, scores, 0, negItems, logQ, 0, K, 1000, trials, hp, exps, grad, 0)
}

describe('loss kernels', () => {
  const names: LossName[] = ['bpr', 'logistic', 'softmax', 'warp', 'gbce']
  for (const name of names) {
    it(`${name}: gradient matches central finite differences; masked negatives get 0`, () => {
      const { code, hp } = resolveLoss(name, { temperature: 0.5, margin: 1 }, K, 200)
      const { scores, negItems, logQ } = setup(name)
      // Push WARP's negatives into the violating region so the hinge is active (away from the kink).
      if (name === 'warp') for (let j = 1; j <= K; j++) scores[j] = scores[0] - 0.5 + 0.1 * j
      const grad = new Float64Array(1 + K)
      const exps = new Float64Array(1 + K)
      const loss = lossGrad(code, scores, 0, negItems, logQ, 0, K, 1000, 7, hp, exps, grad, 0)
      expect(Number.isFinite(loss)).toBe(true)
      expect(loss).toBeGreaterThan(0)
      const h = 1e-5
      for (let c = 0; c <= K; c++) {
        const save = scores[c]
        scores[c] = save + h
        const up = evalLoss(code, hp, scores, negItems, logQ, 7)
        scores[c] = save - h
        const down = evalLoss(code, hp, scores, negItems, logQ, 7)
        scores[c] = save
        const fd = (up - down) / (2 * h)
        expect(grad[c]).toBeCloseTo(fd, 5)
      }
      expect(grad[2]).toBe(0) // negItems[1] === -1
    })
  }

  it('bpr equals −log σ(s⁺ − s⁻) summed over negatives', () => {
    const scores = Float64Array.from([2, 1, 3])
    const grad = new Float64Array(3)
    const hp = new Float64Array(HP_LENGTH)
    const loss = lossGrad(LOSS_BPR, scores, 0, Int32Array.from([1, 2]), new Float32Array(2), 0, 2, 10, 1, hp, new Float64Array(3), grad, 0)
    expect(loss).toBeCloseTo(-Math.log(sigmoid(1)) - Math.log(sigmoid(-1)), 12)
  })

  it('logistic is SGNS: −log σ(s⁺) − Σ log σ(−s⁻)', () => {
    const scores = Float64Array.from([0.5, -0.2, 1.5])
    const loss = evalLossK(LOSS_LOGISTIC, scores, 2)
    expect(loss).toBeCloseTo(-Math.log(sigmoid(0.5)) - Math.log(sigmoid(0.2)) - Math.log(sigmoid(-1.5)), 12)
  })

  it('softmax with uniform logQ equals the plain softmax shifted by log q', () => {
    const scores = Float64Array.from([1, 0.5, -1])
    const hp = resolveLoss('softmax', {}, 2, 100).hp
    const logQ = Float32Array.from([Math.log(0.01), Math.log(0.01)])
    const loss = lossGrad(
      LOSS_SOFTMAX,
      scores,
      0,
      Int32Array.from([1, 2]),
      logQ,
      0,
      2,
      10,
      1,
      hp,
      new Float64Array(3),
      new Float64Array(3),
      0,
    )
    const z = [1, 0.5 - Math.log(0.01), -1 - Math.log(0.01)]
    const lse = Math.log(z.reduce((a, b) => a + Math.exp(b), 0))
    expect(loss).toBeCloseTo(lse - z[0], 5)
    const hpNo = resolveLoss('softmax', { logQCorrection: false }, 2, 100).hp
    const plain = lossGrad(
      LOSS_SOFTMAX,
      scores,
      0,
      Int32Array.from([1, 2]),
      logQ,
      0,
      2,
      10,
      1,
      hpNo,
      new Float64Array(3),
      new Float64Array(3),
      0,
    )
    expect(plain).toBeCloseTo(Math.log(Math.exp(1) + Math.exp(0.5) + Math.exp(-1)) - 1, 6)
  })

  it('warp weight is the harmonic number of ⌊negCount / trials⌋ and inactive hinges give no gradient', () => {
    const hp = resolveLoss('warp', {}, 1, 100).hp
    const grad = new Float64Array(2)
    const scores = Float64Array.from([1, 0.8]) // violates margin 1 by 0.8
    const loss = lossGrad(LOSS_WARP, scores, 0, Int32Array.from([4]), new Float32Array(1), 0, 1, 90, 9, hp, new Float64Array(2), grad, 0)
    expect(loss).toBeCloseTo(harmonic(10) * 0.8, 10)
    expect(grad[1]).toBeCloseTo(harmonic(10), 12)
    const far = Float64Array.from([3, 0.8])
    expect(lossGrad(LOSS_WARP, far, 0, Int32Array.from([4]), new Float32Array(1), 0, 1, 90, 9, hp, new Float64Array(2), grad, 0)).toBe(0)
    expect(grad[0]).toBe(0)
    expect(grad[1]).toBe(0)
  })

  it('harmonic numbers: exact below 64, asymptotic above', () => {
    expect(harmonic(0)).toBe(0)
    expect(harmonic(1)).toBe(1)
    expect(harmonic(4)).toBeCloseTo(25 / 12, 14)
    let h = 0
    for (let r = 1; r <= 1000; r++) h += 1 / r
    expect(harmonic(1000)).toBeCloseTo(h, 9)
  })

  it('gBCE β follows Petrov & Macdonald: t=0 → 1, t=1 → α', () => {
    expect(gbceBeta(4, 101, 0)).toBeCloseTo(1, 14)
    expect(gbceBeta(4, 101, 1)).toBeCloseTo(0.04, 14)
    expect(gbceBeta(4, 101, 0.75)).toBeCloseTo(0.04 * (0.75 * (1 - 25) + 25), 12)
    expect(() => gbceBeta(4, 101, 2)).toThrow(/t must be in \[0, 1\]/)
    const { hp } = resolveLoss('gbce', { gbceT: 1 }, 4, 101)
    const scores = Float64Array.from([0.3, 0.1])
    const loss = lossGrad(
      LOSS_GBCE,
      scores,
      0,
      Int32Array.from([2]),
      new Float32Array(1),
      0,
      1,
      10,
      1,
      hp,
      new Float64Array(2),
      new Float64Array(2),
      0,
    )
    expect(loss).toBeCloseTo(0.04 * softplus(-0.3) + softplus(0.1), 12)
  })

  it('rejects unknown losses and bad hyper-parameters with the option name', () => {
    expect(() => resolveLoss('hinge' as LossName, {}, 1, 10)).toThrow(/unknown loss "hinge"/)
    expect(() => resolveLoss('softmax', { temperature: 0 }, 1, 10)).toThrow(/temperature/)
  })

  it('ccl (SimpleX): (1 − s⁺) + w/n · Σ max(0, s_j − m) over unmasked negatives; gradient by finite differences', () => {
    const { code, hp } = resolveLoss('ccl', { margin: 0.2, negativeWeight: 3 }, K, 200)
    const scores = Float64Array.from([0.7, 0.5, 0.9, 0.1, -0.3, 0.6])
    const negItems = Int32Array.from([3, -1, 7, 9, 11])
    const logQ = new Float32Array(K)
    const grad = new Float64Array(1 + K)
    const loss = lossGrad(code, scores, 0, negItems, logQ, 0, K, 1000, 1, hp, new Float64Array(1 + K), grad, 0)
    // 4 unmasked negatives; above the margin: 0.5 and 0.6 (0.9 is masked).
    expect(loss).toBeCloseTo(1 - 0.7 + (3 / 4) * (0.5 - 0.2 + (0.6 - 0.2)), 12)
    const h = 1e-6
    for (let c = 0; c <= K; c++) {
      const up = scores.slice()
      up[c] += h
      const down = scores.slice()
      down[c] -= h
      const fd = (evalLoss(code, hp, up, negItems, logQ, 1) - evalLoss(code, hp, down, negItems, logQ, 1)) / (2 * h)
      expect(grad[c]).toBeCloseTo(fd, 6)
    }
    expect(grad[2]).toBe(0)
    expect(() => resolveLoss('ccl', {}, K, 200)).toThrow(/margin below 1/)
  })
})

function evalLossK(code: number, scores: Float64Array, k: number): number {
  const hp = new Float64Array(HP_LENGTH)
  hp[1] = 1
  hp[2] = 1
  const neg = new Int32Array(k).fill(1)
  return lossGrad(code, scores, 0, neg, new Float32Array(k), 0, k, 10, 1, hp, new Float64Array(k + 1), new Float64Array(k + 1), 0)
}
