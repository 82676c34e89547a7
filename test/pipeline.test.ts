/**
 * Cross-package pipeline on generated data: Arrow IPC file → CSR → split → every sampler from the
 * registry → MF trained through a few of them → full-ranking evaluation against popularity →
 * save/load; and bad input end to end (a malformed CSV row names file, line and field).
 *
 * Small data and few epochs: the whole file stays well under 15 s on a loaded 2-core machine.
 */
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import {
  createBatch,
  createNegativeBuffer,
  createRng,
  DataError,
  splitRandom,
  type Interactions,
  type SamplerConfig,
  type Split,
} from '@decoy/core'
import { containsSorted, prngBelow } from '@decoy/core/kernels'
import { arrowTableFromColumns, interactionsToArrow, writeArrowIpc } from '@decoy/core/arrow'
import { readInteractionsFile, readSplit, writeFileAtomic, writeSplit } from '@decoy/core/node'
import { generateSynthetic, loadInteractions } from '@decoy/datasets'
import { evaluate, pairedComparison, popularityRecommender, type EvalResult } from '@decoy/eval'
import { factorizationMachine, matrixFactorization, type FactorizationMachine, type MatrixFactorization } from '@decoy/models'
import { loadModel } from '@decoy/models/node'
import { createSampler, samplerKinds } from '@decoy/samplers'

const SEED = 20260
const FIT = { epochs: 4, negatives: 8, learningRate: 0.05, batchSize: 128 } as const

let dir = ''
let original: Interactions
let fromArrow: Interactions
let split: Split

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'decoy-pipeline-'))
  original = generateSynthetic({
    users: 300,
    items: 200,
    clusters: 5,
    interactionsPerUser: [15, 30],
    affinity: 0.9,
    ratings: true,
    seed: SEED,
  }).interactions
  writeFileAtomic(join(dir, 'log.arrow'), writeArrowIpc(interactionsToArrow(original), 'file'))
  fromArrow = readInteractionsFile(join(dir, 'log.arrow'))
  split = splitRandom(fromArrow, { testFraction: 0.2, seed: SEED })
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

/** The (external user, external item) pairs of `x`, sorted, as strings. */
function externalPairs(x: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) out.push(`${x.userIds.external(u)}\t${x.itemIds.external(x.items[p])}`)
  }
  return out.sort()
}

describe('Arrow IPC file → CSR', () => {
  it('reads back the identical CSR, weights, times and id maps (dictionary ids, file format)', () => {
    expect(fromArrow.numUsers).toBe(original.numUsers)
    expect(fromArrow.numItems).toBe(original.numItems)
    expect(fromArrow.indptr).toEqual(original.indptr)
    expect(fromArrow.items).toEqual(original.items)
    expect(fromArrow.weights).toEqual(original.weights)
    expect(fromArrow.times).toEqual(original.times)
    expect(fromArrow.userIds.toArray()).toEqual(original.userIds.toArray())
    expect(fromArrow.itemIds.toArray()).toEqual(original.itemIds.toArray())
  })

  it('reads the same pairs back from a stream-format file with plain (non-dictionary) ids', () => {
    const path = join(dir, 'log-plain.arrows')
    writeFileAtomic(path, writeArrowIpc(interactionsToArrow(original, { ids: 'plain' }), 'stream'))
    const back = readInteractionsFile(path)
    expect(back.items.length).toBe(original.items.length)
    expect(externalPairs(back)).toEqual(externalPairs(original))
  })
})

describe('split', () => {
  it('partitions every user row: train ∪ test = the log, no pair on both sides, one id space', () => {
    const { train, test } = split
    expect(train.userIds).toBe(fromArrow.userIds)
    expect(test.itemIds).toBe(fromArrow.itemIds)
    expect(train.numItems).toBe(fromArrow.numItems)
    expect(train.items.length + test.items.length).toBe(fromArrow.items.length)
    for (let u = 0; u < fromArrow.numUsers; u++) {
      const row = Array.from(fromArrow.items.subarray(fromArrow.indptr[u], fromArrow.indptr[u + 1]))
      const tr = Array.from(train.items.subarray(train.indptr[u], train.indptr[u + 1]))
      const te = Array.from(test.items.subarray(test.indptr[u], test.indptr[u + 1]))
      expect(te.length).toBeGreaterThan(0)
      expect([...tr, ...te].sort((a, b) => a - b)).toEqual(row)
      for (const i of te) expect(tr).not.toContain(i)
    }
  })

  it('written to train.tsv/test.tsv and read back, it holds the same pairs, ratings and times in one id space', () => {
    const paths = writeSplit(join(dir, 'split'), split)
    const back = readSplit(join(dir, 'split'))
    expect(paths.train).toBe(join(dir, 'split', 'train.tsv'))
    expect(back.test.userIds).toBe(back.train.userIds)
    expect(back.test.itemIds).toBe(back.train.itemIds)
    expect(externalPairs(back.train)).toEqual(externalPairs(split.train))
    expect(externalPairs(back.test)).toEqual(externalPairs(split.test))
    const sum = (a: Float32Array | Float64Array | undefined): number => {
      if (!a) return Number.NaN
      let s = 0
      for (let i = 0; i < a.length; i++) s += a[i]
      return s
    }
    expect(sum(back.train.weights)).toBe(sum(split.train.weights))
    expect(sum(back.test.times)).toBe(sum(split.test.times))
    // Popularity is a function of the pairs alone, so it scores the read-back split identically.
    const a = evaluate(popularityRecommender(split.train), split.train, split.test, { k: [10] })
    const b = evaluate(popularityRecommender(back.train), back.train, back.test, { k: [10] })
    expect(b.numUsers).toBe(a.numUsers)
    expect(b.testItems).toBe(a.testItems)
  })
})

describe('every registered sampler on the split', () => {
  it('draws batches with no training positive, valid ids and finite logQ; the JSON config rebuilds the same draws', async () => {
    const { train } = split
    // A briefly trained MF lends its live FactorView to the model-aware samplers.
    const lender = matrixFactorization({ dim: 8 })
    await lender.fit(train, { seed: SEED, sampler: createSampler({ kind: 'uniform' }), epochs: 1, negatives: 4 })
    const scorer = lender.scorer()
    const cap = 64
    const k = 4
    const batches = 3
    const batch = createBatch(cap)
    const pick = createRng(SEED).fork('batches').state
    const users = new Int32Array(batches * cap)
    const positives = new Int32Array(batches * cap)
    for (let s = 0; s < users.length; s++) {
      let u = prngBelow(pick, train.numUsers)
      while (train.indptr[u + 1] === train.indptr[u]) u = prngBelow(pick, train.numUsers)
      users[s] = u
      positives[s] = train.items[train.indptr[u] + prngBelow(pick, train.indptr[u + 1] - train.indptr[u])]
    }
    const draw = (config: SamplerConfig): { items: Int32Array; logQ: Float32Array } => {
      const sampler = createSampler(config)
      sampler.prepare({ train, rng: createRng(SEED).fork('sampler').fork(String(config.kind)), scorer })
      const out = createNegativeBuffer(cap, k)
      const items = new Int32Array(batches * cap * k)
      const logQ = new Float32Array(batches * cap * k)
      for (let b = 0; b < batches; b++) {
        batch.size = cap
        batch.users.set(users.subarray(b * cap, (b + 1) * cap))
        batch.positives.set(positives.subarray(b * cap, (b + 1) * cap))
        sampler.sample(batch, out)
        items.set(out.items.subarray(0, cap * k), b * cap * k)
        logQ.set(out.logQ.subarray(0, cap * k), b * cap * k)
      }
      return { items, logQ }
    }
    expect(samplerKinds.length).toBeGreaterThanOrEqual(8)
    for (const kind of samplerKinds) {
      // `all` fills only the batch-shared block (its masking is tested in @decoy/samplers).
      if (createSampler({ kind }).requires.shared === 'only') continue
      const config = createSampler({ kind }).config
      const { items, logQ } = draw(config)
      let valid = 0
      const problems: string[] = []
      for (let j = 0; j < items.length; j++) {
        const item = items[j]
        if (item === -1) continue
        valid++
        const u = users[Math.floor(j / k)]
        if (!(item >= 0 && item < train.numItems)) problems.push(`draw ${j}: item ${item} out of range`)
        else if (containsSorted(train.items, train.indptr[u], train.indptr[u + 1], item))
          problems.push(`draw ${j}: user ${u} got training positive ${item}`)
        if (!Number.isFinite(logQ[j])) problems.push(`draw ${j}: logQ ${logQ[j]}`)
      }
      expect(problems.slice(0, 5), kind).toEqual([])
      expect(valid, `${kind}: unmasked draws`).toBeGreaterThan(items.length / 2)
      const again = draw(JSON.parse(JSON.stringify(config)) as SamplerConfig)
      expect(again.items, `${kind}: rebuilt from JSON`).toEqual(items)
    }
  })
})

describe('fit → evaluate → save/load', () => {
  const models: Record<string, MatrixFactorization | FactorizationMachine> = {}
  const results: Record<string, EvalResult> = {}
  let popularity: EvalResult

  beforeAll(async () => {
    const { train, test } = split
    popularity = evaluate(popularityRecommender(train), train, test, { k: [10, 20] })
    for (const config of [{ kind: 'uniform' }, { kind: 'hard' }] as SamplerConfig[]) {
      const m = matrixFactorization({ dim: 16 })
      await m.fit(train, { seed: SEED, ...FIT, sampler: createSampler(config) })
      models[`mf-${String(config.kind)}`] = m
      results[`mf-${String(config.kind)}`] = evaluate(m, train, test, { k: [10, 20] })
    }
    // The same samplers drive a different model family without a line of sampler code changing.
    const fm = factorizationMachine({ dim: 16 })
    await fm.fit(train, { seed: SEED, ...FIT, sampler: createSampler({ kind: 'uniform' }) })
    models['fm-uniform'] = fm
    results['fm-uniform'] = evaluate(fm, train, test, { k: [10, 20] })
  })

  it('MF (uniform, hard) and FM (uniform) beat popularity on recall@10 (paired CI above zero)', () => {
    expect(Object.keys(results).sort()).toEqual(['fm-uniform', 'mf-hard', 'mf-uniform'])
    expect(popularity.metrics['recall@10']).toBeGreaterThan(0)
    for (const kind of Object.keys(results)) {
      const r = results[kind]
      expect(r.numUsers).toBe(popularity.numUsers)
      expect(r.metrics['recall@10'], kind).toBeGreaterThan(1.5 * popularity.metrics['recall@10'])
      const cmp = pairedComparison(r, popularity, 'recall@10')
      expect(cmp.ci[0], kind).toBeGreaterThan(0)
      expect(r.metrics['ndcg@10'], kind).toBeGreaterThan(popularity.metrics['ndcg@10'])
    }
  })

  it('the evaluation masks training items and sees no leak from the split', () => {
    const { train } = split
    const m = models['mf-uniform']
    const top = m.recommend(
      Int32Array.from({ length: train.numUsers }, (_, u) => u),
      10,
    )
    for (let u = 0; u < train.numUsers; u++) {
      for (let r = 0; r < 10; r++) {
        expect(containsSorted(train.items, train.indptr[u], train.indptr[u + 1], top.items[u * 10 + r])).toBe(false)
      }
    }
    expect(results['mf-uniform'].unseenTestItems).toBeGreaterThanOrEqual(0)
  })

  it('save → load gives identical scores, recommendations and metrics', async () => {
    const { train, test } = split
    for (const kind of Object.keys(models)) {
      const m = models[kind]
      const path = join(dir, `${kind}.decoy`)
      await m.save(path)
      const loaded = loadModel(path)
      expect(loaded.numItems).toBe(m.numItems)
      const a = new Float32Array(m.numItems)
      const b = new Float32Array(m.numItems)
      const differ: string[] = []
      for (let u = 0; u < train.numUsers; u++) {
        m.scoreAll(u, a)
        loaded.scoreAll(u, b)
        for (let i = 0; i < a.length; i++) if (!Object.is(a[i], b[i])) differ.push(`user ${u} item ${i}: ${a[i]} vs ${b[i]}`)
      }
      expect(differ.slice(0, 5), kind).toEqual([])
      const users = Int32Array.from([0, 1, 2, train.numUsers - 1])
      expect(loaded.recommend(users, 10)).toEqual(m.recommend(users, 10))
      expect(evaluate(loaded, train, test, { k: [10, 20] }).metrics).toEqual(results[kind].metrics)
      // Re-saving the loaded model writes the same bytes.
      const again = join(dir, `${kind}-again.decoy`)
      await (loaded as MatrixFactorization | FactorizationMachine).save(again)
      expect(Buffer.compare(readFileSync(again), readFileSync(path))).toBe(0)
    }
  })
})

describe('bad input end to end', () => {
  /** The generated log as a MovieLens-style CSV, with `bad` replacing data row `at` (1-based). */
  function csvWith(at: number, bad: string): string {
    const x = original
    const lines = ['userId,movieId,rating,timestamp']
    for (let u = 0; u < x.numUsers; u++) {
      for (let p = x.indptr[u]; p < x.indptr[u + 1]; p++) {
        lines.push(`${x.userIds.external(u)},${x.itemIds.external(x.items[p])},${x.weights![p]},${x.times![p]}`)
      }
    }
    lines[at] = bad
    return lines.join('\n') + '\n'
  }

  function expectDataError(fn: () => unknown, where: { source: string; line: number; field: string }, message: RegExp): void {
    let error: unknown
    try {
      fn()
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DataError)
    const e = error as DataError
    expect({ source: e.source, line: e.line, field: e.field }).toEqual(where)
    expect(e.message).toContain(`${where.source} line ${where.line}`)
    expect(e.message).toContain(`field "${where.field}"`)
    expect(e.message).toMatch(message)
  }

  it('a non-numeric rating deep in a CSV names the file, the line and the field (core reader and datasets loader)', async () => {
    const path = join(dir, 'ratings-bad.csv')
    writeFileSync(path, csvWith(1234, '17,42,four,1000000000'))
    expectDataError(() => readInteractionsFile(path), { source: 'ratings-bad.csv', line: 1235, field: 'rating' }, /"four" is not a number/)
    await expect(loadInteractions(path)).rejects.toMatchObject({
      name: 'DataError',
      source: expect.stringMatching(/ratings-bad\.csv$/),
      line: 1235,
      field: 'rating',
      message: expect.stringMatching(/ratings-bad\.csv line 1235, field "rating": "four" is not a number/),
    })
  })

  it('a short row and a NaN rating are reported the same way', () => {
    const short = join(dir, 'short.csv')
    writeFileSync(short, csvWith(7, '3,5,4.5'))
    expectDataError(() => readInteractionsFile(short), { source: 'short.csv', line: 8, field: 'timestamp' }, /expected 4 fields, found 3/)
    const nan = join(dir, 'nan.csv')
    writeFileSync(nan, csvWith(99, '3,5,NaN,1000000000'))
    expectDataError(() => readInteractionsFile(nan), { source: 'nan.csv', line: 100, field: 'rating' }, /NaN/)
  })

  it('a NaN rating in an Arrow IPC file names the file, the record batch, the row and the field', async () => {
    const n = 50
    const rating = new Float32Array(n).fill(4)
    rating[37] = Number.NaN
    const table = arrowTableFromColumns({
      userId: Int32Array.from({ length: n }, (_, r) => 1 + (r % 7)),
      movieId: Int32Array.from({ length: n }, (_, r) => 1 + r),
      rating,
    })
    const path = join(dir, 'bad-rating.arrow')
    writeFileAtomic(path, writeArrowIpc(table, 'file'))
    let error: unknown
    try {
      readInteractionsFile(path)
    } catch (e) {
      error = e
    }
    expect(error).toBeInstanceOf(DataError)
    expect(error).toMatchObject({ source: 'bad-rating.arrow', batch: 0, row: 37, field: 'rating' })
    expect((error as Error).message).toMatch(/^bad-rating\.arrow record batch 0, row 37, field "rating": NaN is NaN/)
    await expect(loadInteractions(path)).rejects.toMatchObject({ name: 'DataError', batch: 0, row: 37, field: 'rating' })
  })

  it('a test file whose user never occurs in train is rejected against the training id space', () => {
    const path = join(dir, 'test-unknown-user.csv')
    writeFileSync(path, 'userId,movieId\n1,1\n999999,1\n')
    expectDataError(
      () => readInteractionsFile(path, { userIds: split.train.userIds, itemIds: split.train.itemIds, unknownUsers: 'error' }),
      { source: 'test-unknown-user.csv', line: 3, field: 'userId' },
      /999999/,
    )
  })
})
