import { describe, expect, it } from 'vitest'
import { createBatch, createNegativeBuffer, createRng, type SharedNegatives } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { allItemsSampler } from '@decoy/samplers'
import { csrFromRows } from '@decoy/testkit'
import { LOSS_CCL, LOSS_SOFTMAX, resolveLoss, sharedRunGrad } from '@decoy/models/kernels'
import { ADAGRAD_EPS, OPT_ADAGRAD_ROW, OPT_SGD } from '../optim/optim.js'
import { SharedStep } from './shared-step.js'

const D = 4
const rows = [[1, 2, 3], [5, 8], [7], [0, 2, 4, 6, 9]]
const train = csrFromRows(rows, 12)
const slotUsers = [0, 0, 1, 2, 3]
const slotPositives = [1, 2, 5, 7, 9]

interface Params {
  P: Float64Array
  Q: Float64Array
  b: Float64Array
}

function initParams(seed: string): Params {
  const st = createRng(seed).state
  const P = new Float64Array(4 * D).map(() => 0.5 * prngNormal(st))
  const Q = new Float64Array(12 * D).map(() => 0.5 * prngNormal(st))
  const b = new Float64Array(12).map(() => 0.2 * prngNormal(st))
  return { P, Q, b }
}

/** The shared block the tests train on: 7 draws, item 3 (user 0) and item 8 (user 1) among them. */
function block(): SharedNegatives {
  const items = Int32Array.from([0, 3, 4, 6, 8, 11, 4])
  const logQ = Float32Array.from([-2, -2.5, -1.5, -3, -2.2, -2.8, -1.5])
  const hitStart = new Int32Array(8)
  const hitEnd = new Int32Array(8)
  const hits: number[] = []
  for (let s = 0; s < slotUsers.length; s++) {
    hitStart[s] = hits.length
    for (let p = 0; p < items.length; p++) if (rows[slotUsers[s]].includes(items[p])) hits.push(p)
    hitEnd[s] = hits.length
  }
  return { count: items.length, items, logQ, hitStart, hitEnd, hits: Int32Array.from(hits) }
}

/** Reference loss of the batch in float64, straight from the definitions. */
function refLoss(x: Params, sh: SharedNegatives, code: number, normalize: boolean, hp: Float64Array, useBias: boolean): number {
  const score = (u: number, i: number): number => {
    let d = 0
    let nu = 0
    let nq = 0
    for (let f = 0; f < D; f++) {
      d += x.P[u * D + f] * x.Q[i * D + f]
      nu += x.P[u * D + f] ** 2
      nq += x.Q[i * D + f] ** 2
    }
    return normalize ? d / Math.sqrt(nu * nq) : d + (useBias ? x.b[i] : 0)
  }
  let loss = 0
  const M = sh.count
  for (let s = 0; s < slotUsers.length; s++) {
    const u = slotUsers[s]
    const sp = score(u, slotPositives[s])
    const live: number[] = []
    for (let p = 0; p < M; p++) if (!rows[u].includes(sh.items[p])) live.push(p)
    if (code === LOSS_CCL) {
      loss += 1 - sp
      for (const p of live) loss += (hp[4] / live.length) * Math.max(0, score(u, sh.items[p]) - hp[0])
    } else {
      const invT = hp[1]
      let z = Math.exp(sp * invT)
      const num = z
      for (const p of live) z += Math.exp(score(u, sh.items[p]) * invT - hp[3] * (sh.logQ[p] + Math.log(M)))
      loss -= Math.log(num / z)
    }
  }
  return loss
}

/** Runs one SGD step (l2 0, tiny lr) and returns −Δθ/lr for P, Q and b. */
function stepGradient(
  x: Params,
  sh: SharedNegatives,
  code: number,
  normalize: boolean,
  hp: Float64Array,
  useBias: boolean,
  wasm: boolean,
): Params {
  const arrays: Record<string, Float32Array> = { left: Float32Array.from(x.P), right: Float32Array.from(x.Q) }
  if (useBias) arrays.bias = Float32Array.from(x.b)
  const before = { left: arrays.left.slice(), right: arrays.right.slice(), bias: arrays.bias?.slice() }
  const spec = {
    dim: D,
    numItems: 12,
    loss: code,
    hp: Array.from(hp),
    optimizer: OPT_SGD,
    normalize: normalize ? 1 : 0,
    l2: 0,
    l2Bias: 0,
    wasm,
  }
  const step = new SharedStep(arrays, spec)
  const batch = createBatch(8)
  slotUsers.forEach((u, s) => ((batch.users[s] = u), (batch.positives[s] = slotPositives[s])))
  batch.size = slotUsers.length
  const negs = createNegativeBuffer(8, 1)
  negs.shared = sh
  const lr = 1e-4
  step.step(batch, negs, 0, batch.size, lr)
  const g = (a: Float32Array, b0: Float32Array): Float64Array => Float64Array.from(a, (v, i) => (b0[i] - v) / lr)
  const b = useBias ? g(arrays.bias!, before.bias!) : new Float64Array(12)
  return { P: g(arrays.left, before.left), Q: g(arrays.right, before.right), b }
}

function fdGradient(x: Params, f: (x: Params) => number): Params {
  const h = 1e-5
  const out = { P: new Float64Array(x.P.length), Q: new Float64Array(x.Q.length), b: new Float64Array(x.b.length) }
  for (const key of ['P', 'Q', 'b'] as const) {
    for (let i = 0; i < x[key].length; i++) {
      const v = x[key][i]
      x[key][i] = v + h
      const up = f(x)
      x[key][i] = v - h
      const down = f(x)
      x[key][i] = v
      out[key][i] = (up - down) / (2 * h)
    }
  }
  return out
}

function expectClose(got: Params, want: Params, what: string): void {
  for (const key of ['P', 'Q', 'b'] as const) {
    let scale = 0
    for (const v of want[key]) scale = Math.max(scale, Math.abs(v))
    for (let i = 0; i < want[key].length; i++) {
      const msg = `${what} ∂L/∂${key}[${i}]: step ${got[key][i]}, finite differences ${want[key][i]}`
      expect(Math.abs(got[key][i] - want[key][i]), msg).toBeLessThan(2e-3 * (1 + scale))
    }
  }
}

describe('batch-shared step', () => {
  const cases = [
    { name: 'sampled softmax with logQ and biases', loss: 'softmax', opts: {}, normalize: false, bias: true },
    {
      name: 'sampled softmax, no logQ, τ 0.5',
      loss: 'softmax',
      opts: { logQCorrection: false, temperature: 0.5 },
      normalize: false,
      bias: false,
    },
    { name: 'softmax over L2-normalised embeddings, τ 0.2', loss: 'softmax', opts: { temperature: 0.2 }, normalize: true, bias: false },
    { name: 'SimpleX cosine contrastive loss', loss: 'ccl', opts: { margin: 0.1, negativeWeight: 3 }, normalize: true, bias: false },
  ] as const
  for (const c of cases) {
    for (const wasm of [true, false]) {
      const engine = wasm ? 'WebAssembly' : 'TypeScript'
      it(`${c.name}: the step's gradient matches finite differences of the reference loss (${engine} GEMM)`, () => {
        const { code, hp } = resolveLoss(c.loss, c.opts, 7, 12)
        const x = initParams(c.name)
        const sh = block()
        const got = stepGradient(x, sh, code, c.normalize, hp, c.bias, wasm)
        const want = fdGradient(x, (p) => refLoss(p, sh, code, c.normalize, hp, c.bias))
        expectClose(got, want, c.name)
        // The masked draws (items 3 and 8 for users 0 and 1) move only through other users' rows.
        if (c.loss === 'softmax') expect(Math.abs(got.Q[11 * D])).toBeGreaterThan(0)
      })
    }
  }

  it('the `all` sampler makes it the exact full softmax: gradient of a dense reference over every item', () => {
    const { code, hp } = resolveLoss('softmax', {}, 12, 12)
    const x = initParams('all')
    const s = allItemsSampler()
    s.prepare({ train, rng: createRng(1), scorer: null })
    const batch = createBatch(8)
    slotUsers.forEach((u, i) => ((batch.users[i] = u), (batch.positives[i] = slotPositives[i])))
    batch.size = slotUsers.length
    const negs = createNegativeBuffer(8, 1)
    s.sample(batch, negs)
    const got = stepGradient(x, negs.shared!, code, false, hp, true, true)
    // Dense reference: for each pair, softmax over the positive and every non-positive item.
    const dense = (p: Params): number => {
      let loss = 0
      for (let t = 0; t < slotUsers.length; t++) {
        const u = slotUsers[t]
        const sc = (i: number): number => {
          let d = p.b[i]
          for (let f = 0; f < D; f++) d += p.P[u * D + f] * p.Q[i * D + f]
          return d
        }
        let z = Math.exp(sc(slotPositives[t]))
        const num = z
        for (let j = 0; j < 12; j++) if (!rows[u].includes(j)) z += Math.exp(sc(j))
        loss -= Math.log(num / z)
      }
      return loss
    }
    expectClose(got, fdGradient(x, dense), 'all')
  })

  it('row-wise Adagrad: each user row (one update per step) moves along its SGD gradient by lr/√(mean g² + ε)', () => {
    const { code, hp } = resolveLoss('softmax', {}, 7, 12)
    const x = initParams('rowwise')
    const run = (optimizer: number, lr: number) => {
      const arrays: Record<string, Float32Array> = {
        left: Float32Array.from(x.P),
        right: Float32Array.from(x.Q),
        bias: Float32Array.from(x.b),
      }
      if (optimizer === OPT_ADAGRAD_ROW) {
        arrays.leftAcc = new Float32Array(4)
        arrays.rightAcc = new Float32Array(12)
        arrays.biasAcc = new Float32Array(12)
      }
      const step = new SharedStep(arrays, {
        dim: D,
        numItems: 12,
        loss: code,
        hp: Array.from(hp),
        optimizer,
        normalize: 0,
        l2: 0.05,
        l2Bias: 0.05,
        wasm: false,
      })
      const batch = createBatch(8)
      slotUsers.forEach((u, s) => ((batch.users[s] = u), (batch.positives[s] = slotPositives[s])))
      batch.size = slotUsers.length
      const negs = createNegativeBuffer(8, 1)
      negs.shared = block()
      step.step(batch, negs, 0, batch.size, lr)
      return arrays
    }
    // SGD at lr 1 subtracts each row's gradient (L2 included) from the pre-step parameters.
    const sgd = run(OPT_SGD, 1)
    const lr = 0.05
    const row = run(OPT_ADAGRAD_ROW, lr)
    for (let u = 0; u < 4; u++) {
      const g = Array.from({ length: D }, (_, f) => Math.fround(x.P[u * D + f]) - sgd.left[u * D + f])
      const ms = g.reduce((a, v) => a + v * v, 0) / D
      expect(row.leftAcc[u]).toBeCloseTo(ms, 6)
      for (let f = 0; f < D; f++)
        expect(Math.fround(x.P[u * D + f]) - row.left[u * D + f]).toBeCloseTo((lr * g[f]) / Math.sqrt(ms + ADAGRAD_EPS), 5)
    }
    // Items: one accumulator each, filled exactly for the rows the step touched (shared draws, positives).
    const touched = new Set([...block().items, ...slotPositives])
    for (let i = 0; i < 12; i++) {
      if (touched.has(i)) expect(row.rightAcc[i]).toBeGreaterThan(0)
      else expect(row.rightAcc[i]).toBe(0)
    }
  })

  it('sharedRunGrad: dL/dS by finite differences for softmax and ccl, masked columns 0', () => {
    for (const [name, opts] of [
      ['softmax', { temperature: 0.7 }],
      ['ccl', { margin: 0.2, negativeWeight: 2 }],
    ] as const) {
      const { code, hp } = resolveLoss(name, opts, 6, 50)
      const st = createRng(name).state
      const S = Float32Array.from({ length: 6 }, () => (name === 'ccl' ? 0.5 : 1) * prngNormal(st))
      const mask = Uint8Array.from([0, 1, 0, 0, 1, 0])
      const logQ = Float32Array.from([-3, -2, -4, -3.5, -1, -2.5])
      const pos = Float64Array.from([0.3, -0.4, 0.8])
      const eval_ = (s: Float32Array, p: Float64Array): number =>
        sharedRunGrad(code, s.slice(), 0, 6, mask, logQ, p, 0, 3, hp, new Float64Array(3))
      const G = S.slice()
      const pg = new Float64Array(3)
      sharedRunGrad(code, G, 0, 6, mask, logQ, pos, 0, 3, hp, pg)
      const h = 1e-3
      for (let j = 0; j < 6; j++) {
        if (name === 'ccl' && Math.abs(S[j] - hp[0]) < 2 * h) continue // the hinge's kink
        const up = S.slice()
        up[j] += h
        const down = S.slice()
        down[j] -= h
        const fd = (eval_(up, pos) - eval_(down, pos)) / (2 * h)
        expect(G[j], `${name} dL/dS[${j}]`).toBeCloseTo(fd, 3)
        if (mask[j]) expect(G[j]).toBe(0)
      }
      for (let t = 0; t < 3; t++) {
        const up = pos.slice()
        up[t] += 1e-6
        const down = pos.slice()
        down[t] -= 1e-6
        expect(pg[t]).toBeCloseTo((eval_(S, up) - eval_(S, down)) / 2e-6, 4)
      }
    }
    expect(LOSS_SOFTMAX).not.toBe(LOSS_CCL)
  })
})
