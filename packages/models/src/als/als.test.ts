import { describe, expect, it } from 'vitest'
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { readFileSync } from 'node:fs'
import { buildInteractions, createRng, splitRandom, type Interactions } from '@decoy/core'
import { prngBelow } from '@decoy/core/kernels'
import { generateSynthetic } from '@decoy/datasets'
import { evaluate, popularityRecommender } from '@decoy/eval'
import { AlternatingLeastSquares, alternatingLeastSquares, createModel, deserializeModel, type EpochStats } from '@decoy/models'
import { choleskySolve, confidenceMatrices } from '@decoy/models/kernels'

/** A tiny random log: 7 users × 6 items, one user without interactions. */
function tiny(): Interactions {
  const st = createRng(5).state
  const us: number[] = []
  const is: number[] = []
  for (let u = 0; u < 6; u++) {
    const seen = new Set<number>()
    const n = 1 + prngBelow(st, 4)
    while (seen.size < n) seen.add(prngBelow(st, 6))
    for (const i of seen) {
      us.push(u)
      is.push(i)
    }
  }
  return buildInteractions({ users: Int32Array.from(us), items: Int32Array.from(is) }, { numUsers: 7, numItems: 6 })
}

/**
 * Row r of the side `side` in closed form from the dense matrices: (Fᵀ C_r F + reg·I)⁻¹ Fᵀ C_r p_r,
 * F the other side's factors, C_r the confidences of row r over every column (1 where unobserved).
 */
function closedForm(
  x: Interactions,
  alpha: number,
  reg: number,
  F: Float32Array,
  dim: number,
  side: 'users' | 'items',
  r: number,
): Float64Array {
  const cols = side === 'users' ? x.numItems : x.numUsers
  const c = new Float64Array(cols).fill(1)
  const p = new Float64Array(cols)
  for (let u = 0; u < x.numUsers; u++) {
    for (let q = x.indptr[u]; q < x.indptr[u + 1]; q++) {
      const i = x.items[q]
      if (side === 'users' && u === r) (c[i] = 1 + alpha), (p[i] = 1)
      if (side === 'items' && i === r) (c[u] = 1 + alpha), (p[u] = 1)
    }
  }
  const A = new Float64Array(dim * dim)
  const b = new Float64Array(dim)
  for (let a = 0; a < dim; a++) A[a * dim + a] = reg
  for (let j = 0; j < cols; j++) {
    for (let a = 0; a < dim; a++) {
      b[a] += c[j] * p[j] * F[j * dim + a]
      for (let k = 0; k < dim; k++) A[a * dim + k] += c[j] * F[j * dim + a] * F[j * dim + k]
    }
  }
  choleskySolve(A, b, dim)
  return b
}

const planted = () => {
  const { interactions } = generateSynthetic({
    users: 500,
    items: 400,
    clusters: 8,
    interactionsPerUser: [10, 40],
    affinity: 0.85,
    seed: 3,
  })
  return splitRandom(interactions, { testFraction: 0.2, seed: 42 })
}

describe('implicit ALS', () => {
  it('each half-sweep is the dense closed-form solve (Cholesky solver), and CG with dim steps matches it', async () => {
    const x = tiny()
    const [dim, alpha, reg] = [3, 4, 0.2]
    const exact = alternatingLeastSquares({ dim, alpha, reg, solver: 'cholesky', iterations: 6 })
    await exact.fit(x, { seed: 1 })
    // The last half-sweep solved the items against the final user factors.
    for (let i = 0; i < x.numItems; i++) {
      const want = closedForm(x, alpha, reg, exact.userFactors, dim, 'items', i)
      for (let f = 0; f < dim; f++) expect(exact.itemFactors[i * dim + f]).toBeCloseTo(want[f], 5)
    }
    // The user without interactions has a zero row (its exact solution).
    for (let f = 0; f < dim; f++) expect(exact.userFactors[6 * dim + f]).toBe(0)
    const cg = alternatingLeastSquares({ dim, alpha, reg, cgSteps: dim, iterations: 6 })
    await cg.fit(x, { kernel: 'js', seed: 1 })
    for (let e = 0; e < exact.itemFactors.length; e++) expect(cg.itemFactors[e]).toBeCloseTo(exact.itemFactors[e], 4)
  })

  it('training loss falls with every iteration, on both kernels', async () => {
    const { train } = planted()
    for (const kernel of ['js', 'wasm'] as const) {
      const losses: number[] = []
      const m = alternatingLeastSquares({ dim: 16, reg: 5, alpha: 5, iterations: 6 })
      const r = await m.fit(train, { kernel, seed: 2, computeLoss: true, onEpoch: (s: EpochStats) => void losses.push(s.loss) })
      expect(r.kernel).toBe(kernel)
      for (let t = 1; t < losses.length; t++) expect(losses[t]).toBeLessThan(losses[t - 1])
    }
  })

  it('beats popularity on planted clusters (NDCG@10, full ranking), TypeScript and wasm kernels alike', async () => {
    const { train, test } = planted()
    const pop = evaluate(popularityRecommender(train), train, test, { k: [10] }).metrics['ndcg@10']
    const got: number[] = []
    for (const kernel of ['js', 'wasm'] as const) {
      const m = alternatingLeastSquares({ dim: 16, reg: 5, alpha: 5, iterations: 8 })
      await m.fit(train, { kernel, seed: 2 })
      got.push(evaluate(m, train, test, { k: [10] }).metrics['ndcg@10'])
    }
    expect(got[0]).toBeGreaterThan(pop * 1.3)
    expect(Math.abs(got[1] - got[0])).toBeLessThan(0.01)
  })

  it('saves and loads (file and bytes), and rejects another kind', async () => {
    const { train } = planted()
    const m = createModel({ kind: 'als', dim: 8, iterations: 2 }) as AlternatingLeastSquares
    await m.fit(train, { seed: 4 })
    const dir = mkdtempSync(join(tmpdir(), 'decoy-als-'))
    try {
      const path = join(dir, 'm.arrow')
      await m.save(path)
      const back = deserializeModel(readFileSync(path))
      expect(back).toBeInstanceOf(AlternatingLeastSquares)
      const again = AlternatingLeastSquares.deserialize(m.serialize())
      expect(again.config).toEqual(m.config)
      const users = Int32Array.of(0, 1, 99)
      expect(back.recommend(users, 5)).toEqual(m.recommend(users, 5))
      expect(again.similarItems(Int32Array.of(3), 4)).toEqual(m.similarItems(Int32Array.of(3), 4))
      const mfBytes = m.serialize()
      expect(() => AlternatingLeastSquares.deserialize(mfBytes.subarray(0, 100), 'cut.arrow')).toThrow(/cut\.arrow/)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })

  it('early stopping restores the best iteration; onEpoch can stop; fit options override the model and are stored', async () => {
    const { train } = planted()
    const { train: tr, test: val } = splitRandom(train, { testFraction: 0.1, seed: 1 })
    const seen: number[] = []
    const m = alternatingLeastSquares({ dim: 8 })
    const r = await m.fit(tr, {
      seed: 5,
      iterations: 12,
      reg: 50,
      validation: val,
      evaluateFn: ({ model, train: t, validation: v }) => evaluate(model, t, v, { k: [10] }).metrics,
      earlyStopping: { patience: 2 },
      onEpoch: (s) => void seen.push(s.validation!['ndcg@10']),
    })
    expect(m.config.reg).toBe(50)
    expect(m.config.iterations).toBe(12)
    expect(r.epochs.length).toBe(seen.length)
    expect(seen[r.bestEpoch]).toBe(Math.max(...seen))
    expect(evaluate(m, tr, val, { k: [10] }).metrics['ndcg@10']).toBeCloseTo(Math.max(...seen), 10)
    const stopped = await alternatingLeastSquares({ dim: 8 }).fit(tr, { seed: 5, epochs: 9, onEpoch: (s) => s.epoch < 2 })
    expect(stopped.epochs.length).toBe(3)
  })

  it('worker threads split the rows and give factors bit-identical to one thread', async () => {
    const { train } = planted()
    const one = alternatingLeastSquares({ dim: 16, reg: 5, alpha: 5, iterations: 4 })
    await one.fit(train, { seed: 9 })
    const two = alternatingLeastSquares({ dim: 16, reg: 5, alpha: 5, iterations: 4 })
    const r = await two.fit(train, { seed: 9, workers: 2 })
    expect(r.config.workers).toBe(2)
    expect(r.kernel).toBe('wasm')
    expect(two.userFactors).toEqual(one.userFactors)
    expect(two.itemFactors).toEqual(one.itemFactors)
  }, 60_000)

  it('rejects bad options with the option named', async () => {
    const x = tiny()
    expect(() => alternatingLeastSquares({ reg: -1 })).toThrow(/reg/)
    expect(() => alternatingLeastSquares({ dim: 0 })).toThrow(/dim/)
    expect(() => alternatingLeastSquares({ cgSteps: 1.5 })).toThrow(/cgSteps/)
    expect(() => alternatingLeastSquares({ seed: 1 } as object)).toThrow(/unknown option "seed"/)
    expect(() => createModel({ kind: 'als', loss: 'bpr' })).toThrow(/unknown option "loss"/)
    await expect(alternatingLeastSquares().fit(x)).rejects.toThrow(/seed/)
    await expect(alternatingLeastSquares().fit(x, { seed: 1, workers: 2, kernel: 'js' })).rejects.toThrow(
      /workers ≥ 2 need the wasm kernel/,
    )
    await expect(alternatingLeastSquares().fit(x, { seed: 1, workers: 0 })).rejects.toThrow(/workers/)
    await expect(alternatingLeastSquares().fit(x, { seed: 1, reg: -2 })).rejects.toThrow(/reg/)
    await expect(alternatingLeastSquares({ solver: 'cholesky' }).fit(x, { seed: 1, kernel: 'wasm' })).rejects.toThrow(/wasm/)
    await expect(alternatingLeastSquares({ dim: 6 }).fit(x, { seed: 1, kernel: 'wasm' })).rejects.toThrow(/multiple of 4/)
    expect(() => alternatingLeastSquares().recommend(Int32Array.of(0), 3)).toThrow(/not been fitted/)
    const weighted = buildInteractions({ users: Int32Array.of(0), items: Int32Array.of(0), weights: Float32Array.of(NaN) })
    await expect(alternatingLeastSquares({ weighted: true }).fit(weighted, { seed: 1 })).rejects.toThrow(/weight/)
    expect(confidenceMatrices(x, 1, false).users.rows).toBe(7)
  })
})
