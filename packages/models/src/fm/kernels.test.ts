import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { type LossName } from '@decoy/models'
import {
  OPT_ADAGRAD,
  OPT_SGD,
  allocFmScratch,
  fmClassifierStepRange,
  fmRowSum,
  fmScoreNaive,
  fmScorePair,
  fmStepRange,
  lossGrad,
  resolveLoss,
  softplus,
  type FmViews,
} from '@decoy/models/kernels'

const DIM = 5
const F = 14
const K = 3
// Users 0..1: features 0..3; items 0..4: features 4..13 (feature 12 "genre" shared by items 1, 2, 4).
const uPtr = Int32Array.from([0, 2, 4])
const uFeat = Int32Array.from([0, 2, 1, 3])
const uVal = Float32Array.from([1, 0.7, 1, -1.3])
const iPtr = Int32Array.from([0, 2, 4, 6, 8, 11])
const iFeat = Int32Array.from([4, 5, 6, 12, 7, 12, 8, 9, 10, 11, 12])
const iVal = Float32Array.from([1, 0.5, 1, 0.6, 1, 0.6, 1, 2, 1, 0.4, 0.6])

function views(loss: LossName, optimizer: number, seed: string): FmViews {
  const st = createRng(seed).state
  const w = new Float32Array(F)
  const V = new Float32Array(F * DIM)
  for (let i = 0; i < F; i++) w[i] = 0.2 * prngNormal(st)
  for (let i = 0; i < V.length; i++) V[i] = 0.4 * prngNormal(st)
  const { code, hp } = resolveLoss(loss, { temperature: 0.7, margin: 3 }, K, 5)
  const ada = optimizer === OPT_ADAGRAD
  return {
    dim: DIM,
    numItems: 5,
    w0: Float32Array.of(0.1),
    w,
    V,
    w0Acc: ada ? new Float32Array(1) : new Float32Array(0),
    wAcc: ada ? new Float32Array(F) : new Float32Array(0),
    VAcc: ada ? new Float32Array(F * DIM) : new Float32Array(0),
    optimizer,
    loss: code,
    hp,
    l2: 0.03,
    l2Bias: 0.02,
    indptr: Int32Array.from([0, 1, 3]),
    uPtr,
    uFeat,
    uVal,
    iPtr,
    iFeat,
    iVal,
    userFactors: new Float32Array(0),
    ...allocFmScratch(K, DIM),
  }
}

/** Concatenates user row u and item row i. */
function concat(u: number, i: number): { feat: Int32Array; val: Float32Array } {
  const feat = Int32Array.from([...uFeat.subarray(uPtr[u], uPtr[u + 1]), ...iFeat.subarray(iPtr[i], iPtr[i + 1])])
  const val = Float32Array.from([...uVal.subarray(uPtr[u], uPtr[u + 1]), ...iVal.subarray(iPtr[i], iPtr[i + 1])])
  return { feat, val }
}

const users = Int32Array.from([1])
const positives = Int32Array.from([2])
const negItems = Int32Array.from([4, -1, 0])
const logQ = Float32Array.from([-1.1, -2, -0.5])
const trials = Int32Array.from([2])

/** The slot's loss from the naive O(n²k) FM score. */
function objective(v: FmViews): number {
  const u = users[0]
  const score = (item: number): number => {
    const { feat, val } = concat(u, item)
    return fmScoreNaive(v.w0[0], v.w, v.V, DIM, feat, val, 0, feat.length)
  }
  const scores = new Float64Array(1 + K)
  scores[0] = score(positives[0])
  for (let j = 0; j < K; j++) scores[1 + j] = negItems[j] >= 0 ? score(negItems[j]) : 0
  const negCount = 5 - (v.indptr[u + 1] - v.indptr[u])
  return lossGrad(v.loss, scores, 0, negItems, logQ, 0, K, negCount, trials[0], v.hp, new Float64Array(1 + K), new Float64Array(1 + K), 0)
}

describe('FM score', () => {
  it('the O(k·n) sum-of-squares score equals the naive double sum', () => {
    const v = views('bpr', OPT_SGD, 'score')
    const tmp = new Float64Array(2 * DIM)
    for (let u = 0; u < 2; u++) {
      for (let i = 0; i < 5; i++) {
        const { feat, val } = concat(u, i)
        const naive = fmScoreNaive(v.w0[0], v.w, v.V, DIM, feat, val, 0, feat.length)
        const fast = fmScorePair(v.w0[0], v.w, v.V, DIM, uFeat, uVal, uPtr[u], uPtr[u + 1], iFeat, iVal, iPtr[i], iPtr[i + 1], tmp)
        expect(fast).toBeCloseTo(naive, 5)
        // A single concatenated row through fmRowSum is the same score.
        const one = v.w0[0] + fmRowSum(v.w, v.V, DIM, feat, val, 0, feat.length, tmp, 0)
        expect(one).toBeCloseTo(naive, 5)
      }
    }
  })

  it('a row with one feature has no pairwise term', () => {
    const v = views('bpr', OPT_SGD, 'one')
    const tmp = new Float64Array(DIM)
    expect(fmRowSum(v.w, v.V, DIM, Int32Array.of(3), Float32Array.of(2), 0, 1, tmp, 0)).toBeCloseTo(2 * v.w[3], 6)
  })
})

describe('fmStepRange', () => {
  const losses: LossName[] = ['bpr', 'logistic', 'softmax', 'warp', 'gbce']
  for (const loss of losses) {
    it(`${loss}: an SGD step moves every touched parameter by −lr·(∂L/∂θ + l2·θ) (finite differences)`, () => {
      const v = views(loss, OPT_SGD, loss)
      const before = { w0: v.w0.slice(), w: v.w.slice(), V: v.V.slice() }
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
      const grads = {
        w0: fd(v.w0, 0),
        w: Array.from({ length: F }, (_, m) => fd(v.w, m)),
        V: Array.from({ length: F * DIM }, (_, i) => fd(v.V, i)),
      }
      const loss0 = objective(v)
      const lr = 1e-4
      const got = fmStepRange(v, users, positives, negItems, logQ, trials, K, 0, 1, lr)
      expect(got).toBeCloseTo(loss0, 4)
      // How many times each feature's L2 applied: once per updated row holding it.
      const times = new Int32Array(F)
      for (let p = uPtr[1]; p < uPtr[2]; p++) times[uFeat[p]]++
      const cands = [positives[0], ...Array.from(negItems)]
      for (let c = 0; c <= K; c++) {
        const item = cands[c]
        if (item < 0 || v.grads[c] === 0) continue
        for (let p = iPtr[item]; p < iPtr[item + 1]; p++) times[iFeat[p]]++
      }
      let touched = 0
      for (let m = 0; m < F; m++) {
        const stepW = (before.w[m] - v.w[m]) / lr
        if (times[m] === 0) {
          expect(v.w[m]).toBe(before.w[m])
          continue
        }
        touched++
        expect(stepW).toBeCloseTo(grads.w[m] + times[m] * v.l2Bias * before.w[m], 2)
        for (let f = 0; f < DIM; f++) {
          const i = m * DIM + f
          expect((before.V[i] - v.V[i]) / lr).toBeCloseTo(grads.V[i] + times[m] * v.l2 * before.V[i], 2)
        }
      }
      expect(touched).toBeGreaterThan(4)
      expect((before.w0[0] - v.w0[0]) / lr).toBeCloseTo(grads.w0, 2)
    })
  }

  it('adagrad accumulates g² per parameter and scales the step by 1/√G', () => {
    const sgd = views('logistic', OPT_SGD, 'ada')
    const ada = views('logistic', OPT_ADAGRAD, 'ada')
    const lr = 1e-4
    const V0 = sgd.V.slice()
    fmStepRange(sgd, users, positives, negItems, logQ, trials, K, 0, 1, lr)
    fmStepRange(ada, users, positives, negItems, logQ, trials, K, 0, 1, 0.1)
    // Feature 6 (item 2's id) is touched once: one Adagrad step moves it by lr·sign(g).
    const i = 6 * DIM + 1
    const g = (V0[i] - sgd.V[i]) / lr
    expect(ada.VAcc[i]).toBeCloseTo(g * g, 3)
    expect(V0[i] - ada.V[i]).toBeCloseTo(0.1 * Math.sign(g), 4)
  })

  it("keeps the slot user's row of userFactors at the post-update sum, without changing the step", () => {
    const plain = views('softmax', OPT_ADAGRAD, 'uf')
    const kept = views('softmax', OPT_ADAGRAD, 'uf')
    kept.userFactors = new Float32Array(2 * DIM).fill(7)
    const a = fmStepRange(plain, users, positives, negItems, logQ, trials, K, 0, 1, 0.05)
    const b = fmStepRange(kept, users, positives, negItems, logQ, trials, K, 0, 1, 0.05)
    expect(b).toBe(a)
    expect(kept.V).toEqual(plain.V)
    expect(kept.w).toEqual(plain.w)
    const s = new Float64Array(DIM)
    fmRowSum(kept.w, kept.V, DIM, uFeat, uVal, uPtr[1], uPtr[2], s, 0)
    for (let f = 0; f < DIM; f++) expect(kept.userFactors[DIM + f]).toBeCloseTo(s[f], 6)
    // User 0 had no slot: its row is untouched.
    expect(Array.from(kept.userFactors.subarray(0, DIM))).toEqual(new Array(DIM).fill(7))
  })
})

describe('fmClassifierStepRange', () => {
  it('a step follows the weighted logistic gradient (finite differences)', () => {
    const v = { ...views('logistic', OPT_SGD, 'clf'), ...allocFmScratch(0, DIM), l2: 0, l2Bias: 0 }
    const rowPtr = Int32Array.from([0, 3])
    const feat = Int32Array.from([1, 5, 9])
    const val = Float32Array.from([1, 0.5, -2])
    const labels = Float32Array.of(1)
    const weights = Float32Array.of(3)
    const obj = (): number => {
      const s = fmScoreNaive(v.w0[0], v.w, v.V, DIM, feat, val, 0, 3)
      return 3 * (softplus(s) - s)
    }
    const fd = (arr: Float32Array, i: number): number => {
      const save = arr[i]
      arr[i] = save + 1e-3
      const up = obj()
      arr[i] = save - 1e-3
      const down = obj()
      arr[i] = save
      return (up - down) / 2e-3
    }
    const gV = fd(v.V, 9 * DIM + 2)
    const gw = fd(v.w, 5)
    const V0 = v.V.slice()
    const w0 = v.w.slice()
    const loss = fmClassifierStepRange(v, rowPtr, feat, val, labels, weights, Int32Array.of(0), 0, 1, 1e-4)
    expect(loss).toBeGreaterThan(0)
    expect((V0[9 * DIM + 2] - v.V[9 * DIM + 2]) / 1e-4).toBeCloseTo(gV, 2)
    expect((w0[5] - v.w[5]) / 1e-4).toBeCloseTo(gw, 2)
  })
})
