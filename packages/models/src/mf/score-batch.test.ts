import { describe, expect, it } from 'vitest'
import { buildInteractions, createRng, scorePairs, type Scorer } from '@decoy/core'
import { candidatePairs, expectScoresAgree, scoreItemsOneByOne } from '@decoy/testkit'
import { prngNormal } from '@decoy/core/kernels'
import {
  OPT_ADAGRAD,
  createDotScorer,
  createDotStepper,
  createDotWasmLayout,
  dotWasmArrays,
  dotWasmSupported,
  resolveLoss,
} from '@decoy/models/kernels'

/** Batched candidate scoring (issue 13): the batch paths agree with the per-pair reference `scoreItems`. */
const USERS = 37
const ITEMS = 211
const DIM = 32

/** Candidate pairs of a seed (runs of one user, some masked). */
const pairs = (count: number, seed: string) => candidatePairs(createRng(seed).state, count, USERS, ITEMS)

describe('batched candidate scoring', () => {
  const st = createRng('score-batch').state
  const left = Float32Array.from({ length: USERS * DIM }, () => prngNormal(st))
  const right = Float32Array.from({ length: ITEMS * DIM }, () => prngNormal(st))
  const bias = Float32Array.from({ length: ITEMS }, () => prngNormal(st))

  it('createDotScorer.scoreBatch agrees with scoreItems (dot + bias, and cosine)', () => {
    const { users, items } = pairs(1500, 'p1')
    for (const normalize of [0, 1]) {
      const s = createDotScorer(left, right, bias, DIM, normalize)
      const out = new Float32Array(users.length)
      s.scoreBatch!(users, items, users.length, out)
      expectScoresAgree(out, scoreItemsOneByOne(s, users, items, users.length), 1e-5)
    }
  })

  it('scorePairs falls back to scoreItems for a scorer without scoreBatch, masked items −∞', () => {
    const { users, items } = pairs(900, 'p2')
    const full = createDotScorer(left, right, bias, DIM, 0)
    const perPairOnly: Scorer = { scoreItems: full.scoreItems }
    const out = new Float32Array(users.length)
    scorePairs(perPairOnly, users, items, users.length, out)
    expectScoresAgree(out, scoreItemsOneByOne(full, users, items, users.length), 1e-5)
    expect(out.some((x) => x === -Infinity)).toBe(true)
  })

  it.skipIf(!dotWasmSupported())('the MF training stepper scores batches in its WebAssembly kernel, agreeing with scoreItems', () => {
    const layout = createDotWasmLayout({
      dim: DIM,
      k: 4,
      batchSize: 64,
      rows: USERS,
      numItems: ITEMS,
      bias: true,
      adagrad: true,
      threads: 1,
      shared: false,
    })!
    const arrays = dotWasmArrays(layout)
    arrays.left.set(left)
    arrays.right.set(right)
    arrays.bias.set(bias)
    const loss = resolveLoss('softmax', {}, 4, ITEMS)
    const train = buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0) }, { numUsers: USERS, numItems: ITEMS })
    const spec = {
      dim: DIM,
      numItems: ITEMS,
      loss: loss.code,
      hp: Array.from(loss.hp),
      optimizer: OPT_ADAGRAD,
      normalize: 0,
      l2: 0,
      l2Bias: 0,
      wasm: layout,
    }
    const scorer = createDotStepper(arrays, spec, train, 4).scorer()
    // More pairs than one chunk of the kernel's scoring block (2048).
    const { users, items } = pairs(5000, 'p3')
    const out = new Float32Array(users.length)
    expect(typeof scorer.scoreBatch).toBe('function')
    scorer.scoreBatch!(users, items, users.length, out)
    expectScoresAgree(out, scoreItemsOneByOne(createDotScorer(left, right, bias, DIM, 0), users, items, users.length), 1e-5)
    // Live: after a parameter change the batch path sees it.
    arrays.bias[items[0] >= 0 ? items[0] : 0] += 1
    scorer.scoreBatch!(users, items, 1, out)
    expectScoresAgree(out.subarray(0, 1), scoreItemsOneByOne(scorer, users, items, 1), 1e-5)
  })
})
