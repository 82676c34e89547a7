import { describe, expect, it } from 'vitest'
import { buildInteractions, createRng } from '@decoy/core'
import { prngBelow, prngFloat, prngNormal } from '@decoy/core/kernels'
import { candidatePairs, expectScoresAgree, scoreItemsOneByOne } from '@decoy/testkit'
import {
  OPT_ADAGRAD,
  createFmScorer,
  createFmStepper,
  createFmWasmLayout,
  fmWasmArrays,
  fmWasmSupported,
  resolveLoss,
  type FmFeatureRows,
} from '@decoy/models/kernels'

/**
 * FM's batched candidate scoring (issue 13): `scoreBatch` of the TypeScript scorer and of the
 * WebAssembly stepper agree with the per-pair reference `scoreItems`, on models with user and item
 * side features (not only ids), masked items −∞.
 */
const DIM = 16
const USERS = 23
const ITEMS = 97
/** Features: user ids, a shared pool of user features, item ids, a shared pool of item features. */
const UPOOL = 9
const IPOOL = 14
const NUM_FEATURES = USERS + UPOOL + ITEMS + IPOOL

/**
 * Random rows: each row has its id feature (value 1, or a random value for some rows), then 0–3
 * features of a shared pool with random values. A few item rows are the id alone (the kernel's
 * one-feature path, also with a value ≠ 1), one item row is empty (no trained feature).
 */
function randomRows(st: Uint32Array): FmFeatureRows {
  const side = (n: number, idBase: number, poolBase: number, pool: number, empty: number) => {
    const ptr = new Int32Array(n + 1)
    const feat: number[] = []
    const val: number[] = []
    for (let r = 0; r < n; r++) {
      if (r !== empty) {
        feat.push(idBase + r)
        val.push(r % 5 === 0 ? 0.5 + prngFloat(st) : 1)
        const extra = r % 4 === 1 ? 0 : prngBelow(st, 4)
        for (let j = 0; j < extra; j++) {
          feat.push(poolBase + prngBelow(st, pool))
          val.push(0.2 + prngFloat(st))
        }
      }
      ptr[r + 1] = feat.length
    }
    return { ptr, feat: Int32Array.from(feat), val: Float32Array.from(val) }
  }
  const u = side(USERS, 0, USERS, UPOOL, -1)
  const i = side(ITEMS, USERS + UPOOL, USERS + UPOOL + ITEMS, IPOOL, 7)
  return { uPtr: u.ptr, uFeat: u.feat, uVal: u.val, iPtr: i.ptr, iFeat: i.feat, iVal: i.val }
}

function fillParams(st: Uint32Array, w0: Float32Array, w: Float32Array, V: Float32Array): void {
  w0[0] = 0.07
  for (let m = 0; m < w.length; m++) w[m] = 0.2 * prngNormal(st)
  for (let j = 0; j < V.length; j++) V[j] = 0.3 * prngNormal(st)
}

/** Agreement to float32 rounding of float32 row sums (relative to the score's terms, ~1). */
function wasmStepperScorer(rows: FmFeatureRows, st: Uint32Array, threads: number, thread: number) {
  const K = 4
  const layout = createFmWasmLayout({
    dim: DIM,
    k: K,
    batchSize: 32,
    numFeatures: NUM_FEATURES,
    adagrad: true,
    ...rows,
    threads,
    shared: threads > 1,
  })!
  const arrays = fmWasmArrays(layout)
  fillParams(st, arrays.w0, arrays.w, arrays.V)
  const loss = resolveLoss('softmax', {}, K, ITEMS)
  const train = buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0) }, { numUsers: USERS, numItems: ITEMS })
  const spec = {
    dim: DIM,
    numItems: ITEMS,
    loss: loss.code,
    hp: Array.from(loss.hp),
    optimizer: OPT_ADAGRAD,
    l2: 0.01,
    l2Bias: 0.01,
    ...rows,
    wasm: layout,
  }
  const scorer = createFmStepper(arrays, spec, train, K, thread).scorer()
  // The TypeScript reference over the same (live) parameter arrays.
  const ref = createFmScorer(arrays.w0, arrays.w, arrays.V, DIM, rows.uPtr, rows.uFeat, rows.uVal, rows.iPtr, rows.iFeat, rows.iVal)
  return { scorer, ref, arrays }
}

describe('FM batched candidate scoring', () => {
  it('the TypeScript scoreBatch equals scoreItems exactly (user and item features, masked −∞), and sees live parameters', () => {
    const st = createRng('fm-score-batch-ts').state
    const rows = randomRows(st)
    const w0 = new Float32Array(1)
    const w = new Float32Array(NUM_FEATURES)
    const V = new Float32Array(NUM_FEATURES * DIM)
    fillParams(st, w0, w, V)
    const s = createFmScorer(w0, w, V, DIM, rows.uPtr, rows.uFeat, rows.uVal, rows.iPtr, rows.iFeat, rows.iVal)
    const { users, items } = candidatePairs(st, 1500, USERS, ITEMS)
    const out = new Float32Array(users.length)
    s.scoreBatch!(users, items, users.length, out)
    const want = scoreItemsOneByOne(s, users, items, users.length)
    expectScoresAgree(out, want, 2e-5, true)
    expect(Array.from(out)).toEqual(Array.from(want))
    // The first pair's user id feature moves: that user's pairs change, in both paths.
    const m = rows.uFeat[rows.uPtr[users[0]]]
    for (let f = 0; f < DIM; f++) V[m * DIM + f] += 0.5
    w[m] -= 0.3
    s.scoreBatch!(users, items, users.length, out)
    expect(Array.from(out)).toEqual(Array.from(scoreItemsOneByOne(s, users, items, users.length)))
    expect(out.some((x, c) => x !== want[c] && x !== -Infinity)).toBe(true)
  })

  it.skipIf(!fmWasmSupported())(
    'the WebAssembly stepper scores batches in its kernel, agreeing with scoreItems to float32 rounding',
    () => {
      const st = createRng('fm-score-batch-wasm').state
      const rows = randomRows(st)
      const { scorer, ref, arrays } = wasmStepperScorer(rows, st, 1, 0)
      // More pairs than one chunk of the kernel's scoring block (2048).
      const { users, items } = candidatePairs(st, 5000, USERS, ITEMS)
      const out = new Float32Array(users.length)
      expect(scorer.scoreBatch).toBeTypeOf('function')
      scorer.scoreBatch!(users, items, users.length, out)
      expectScoresAgree(out, scoreItemsOneByOne(ref, users, items, users.length), 2e-5, true)
      // Not the TypeScript loop: float32 sums differ from the float64 reference somewhere.
      expect(out.some((x, c) => x !== -Infinity && x !== scoreItemsOneByOne(ref, users, items, users.length)[c])).toBe(true)
      // Live: after a step-like change of the parameters the batch path sees it.
      arrays.w0[0] += 0.25
      for (let j = 0; j < arrays.V.length; j += 3) arrays.V[j] *= 0.9
      scorer.scoreBatch!(users, items, 600, out)
      expectScoresAgree(out.subarray(0, 600), scoreItemsOneByOne(ref, users, items, 600), 2e-5, true)
    },
  )

  it.skipIf(!fmWasmSupported())('workers ≥ 2: thread 1 of a shared layout scores with its own scratch, agreeing with scoreItems', () => {
    const st = createRng('fm-score-batch-shared').state
    const rows = randomRows(st)
    const { scorer, ref } = wasmStepperScorer(rows, st, 2, 1)
    const { users, items } = candidatePairs(st, 3000, USERS, ITEMS)
    const out = new Float32Array(users.length)
    scorer.scoreBatch!(users, items, users.length, out)
    expectScoresAgree(out, scoreItemsOneByOne(ref, users, items, users.length), 2e-5, true)
  })
})
