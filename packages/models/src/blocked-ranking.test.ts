import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { recommendTopK, type TopK } from '@decoy/core'
import { selectTopK } from '@decoy/core/kernels'
import { evaluate } from '@decoy/eval'
import { popularitySampler, uniformSampler } from '@decoy/samplers'
import { plantedSplit } from '@decoy/testkit'
import { alternatingLeastSquares, factorizationMachine, item2vec, matrixFactorization } from '@decoy/models'

/**
 * Every model lending factors (MF, FM, item2vec, ALS) ranks through the blocked kernel (batch `recommend`, `evaluate`)
 * exactly as user by user through its own `scoreAll`: same items, same order, same scores.
 */
describe('blocked ranking kernel', () => {
  it("is the assembly of core's kernels/wasm/score-block.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)", async () => {
    const script = fileURLToPath(new URL('../scripts/build-wasm.mjs', import.meta.url))
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('../../core/src/kernels/wasm/score-block-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText('scoreBlock'))
  })
})

describe('blocked ranking of the models equals their per-user ranking', () => {
  const { train, test } = plantedSplit(5)
  const users = Int32Array.from({ length: train.numUsers }, (_, u) => u)

  async function fitted(kind: string) {
    if (kind === 'mf') {
      const m = matrixFactorization({ dim: 8 })
      await m.fit(train, { seed: 2, sampler: uniformSampler(), epochs: 2, negatives: 4 })
      return m
    }
    if (kind === 'fm') {
      const m = factorizationMachine({ dim: 8 })
      await m.fit(train, { seed: 2, sampler: uniformSampler(), epochs: 2, negatives: 4 })
      return m
    }
    if (kind === 'als') {
      const m = alternatingLeastSquares({ dim: 8 })
      await m.fit(train, { seed: 2, epochs: 2 })
      return m
    }
    const m = item2vec({ dim: 8, window: 'all', sample: 0 })
    await m.fit(train, { sampler: popularitySampler(), epochs: 2, seed: 2 })
    return m
  }

  for (const kind of ['mf', 'fm', 'item2vec', 'als']) {
    it(`${kind}: recommend for many users, evaluate`, async () => {
      const m = await fitted(kind)
      expect(m.factors()).not.toBeNull()
      const blocked = m.recommend(users, 15)
      const perUser = recommendTopK(m, train, users, 15, true)
      expect(blocked.items).toEqual(perUser.items)
      expect(blocked.scores).toEqual(perUser.scores)
      const a = evaluate(m, train, test, { k: [5, 20] })
      const b = evaluate(m, train, test, { k: [5, 20], ranking: 'per-user' })
      expect(a.metrics).toEqual(b.metrics)
      expect(a.perUser).toEqual(b.perUser)
    })
  }

  it('mf: similarItems is the cosine top-k of the item factors', async () => {
    const m = await fitted('mf')
    const f = m.factors()!
    const q = Int32Array.of(0, 7, 31)
    const got = m.similarItems(q, 6)
    const want = cosineReference(f.itemFactors, f.numItems, f.dim, q, 6)
    expect(got.items).toEqual(want.items)
    for (let j = 0; j < got.scores.length; j++) expect(got.scores[j]).toBeCloseTo(want.scores[j], 5)
  })
})

/** Float64 cosine + selectTopK, the query excluded: the reference the blocked version must match in order. */
function cosineReference(emb: Float32Array, n: number, dim: number, queries: Int32Array, k: number): TopK {
  const items = new Int32Array(queries.length * k)
  const scores = new Float32Array(queries.length * k)
  const row = new Float32Array(n)
  const norm = (i: number): number => Math.sqrt(emb.subarray(i * dim, i * dim + dim).reduce((s, v) => s + v * v, 0))
  for (let r = 0; r < queries.length; r++) {
    const q = queries[r]
    for (let i = 0; i < n; i++) {
      let d = 0
      for (let x = 0; x < dim; x++) d += emb[q * dim + x] * emb[i * dim + x]
      row[i] = i === q ? -Infinity : d / (norm(q) * norm(i))
    }
    selectTopK(row, n, k, new Int32Array(k), new Float64Array(k), items, scores, r * k)
  }
  return { k, items, scores }
}
