/**
 * Determinism across packages: the same seed, data and configuration (one worker) give
 * byte-identical saved model files and identical metrics; a different seed gives different ones.
 * Covers the generator, the Arrow writer, the split, model-free and model-aware samplers inside
 * MF training, FM and item2vec.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { splitRandom, type Interactions, type SamplerConfig, type Split } from '@decoy/core'
import { interactionsToArrow, writeArrowIpc } from '@decoy/core/arrow'
import { generateSynthetic } from '@decoy/datasets'
import { evaluate, type EvalResult } from '@decoy/eval'
import { factorizationMachine, item2vec, matrixFactorization } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

const DATA = { users: 200, items: 150, clusters: 5, interactionsPerUser: [12, 25] as const, affinity: 0.85, ratings: true }
const MF_FIT = { epochs: 2, negatives: 6, learningRate: 0.05, batchSize: 128, workers: 1 }

let dir = ''
let split: Split

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'decoy-determinism-'))
  split = splitRandom(generateSynthetic({ ...DATA, seed: 9 }).interactions, { testFraction: 0.2, seed: 9 })
})

afterAll(() => {
  if (dir) rmSync(dir, { recursive: true, force: true })
})

function sameCsr(a: Interactions, b: Interactions): void {
  expect(a.numUsers).toBe(b.numUsers)
  expect(a.numItems).toBe(b.numItems)
  expect(a.indptr).toEqual(b.indptr)
  expect(a.items).toEqual(b.items)
  expect(a.weights).toEqual(b.weights)
  expect(a.times).toEqual(b.times)
}

/** Every metric and every per-user array of two runs, compared exactly. */
function sameEval(a: EvalResult, b: EvalResult): void {
  expect(a.metrics).toEqual(b.metrics)
  expect(a.users).toEqual(b.users)
  expect(Object.keys(a.perUser).sort()).toEqual(Object.keys(b.perUser).sort())
  for (const key of Object.keys(a.perUser)) expect(a.perUser[key], key).toEqual(b.perUser[key])
}

function fileBytes(path: string): Buffer {
  return readFileSync(path)
}

describe('data', () => {
  it('the generator, the Arrow writer and the split repeat exactly for a seed, and change with it', () => {
    const a = generateSynthetic({ ...DATA, seed: 9 }).interactions
    const b = generateSynthetic({ ...DATA, seed: 9 }).interactions
    sameCsr(a, b)
    expect(Buffer.compare(writeArrowIpc(interactionsToArrow(a)), writeArrowIpc(interactionsToArrow(b)))).toBe(0)
    const other = generateSynthetic({ ...DATA, seed: 10 }).interactions
    expect(other.items).not.toEqual(a.items)

    const s = splitRandom(a, { testFraction: 0.2, seed: 9 })
    sameCsr(s.train, split.train)
    sameCsr(s.test, split.test)
    expect(splitRandom(a, { testFraction: 0.2, seed: 10 }).test.items).not.toEqual(split.test.items)
  })
})

/** Fits MF with `sampler` at `seed`, saves it, evaluates it. */
async function runMf(sampler: SamplerConfig, seed: number, name: string): Promise<{ bytes: Buffer; result: EvalResult; losses: number[] }> {
  const { train, test } = split
  const model = matrixFactorization({ dim: 12 })
  const fit = await model.fit(train, { ...MF_FIT, seed, sampler: createSampler(sampler) })
  const path = join(dir, `${name}.decoy`)
  await model.save(path)
  return { bytes: fileBytes(path), result: evaluate(model, train, test, { k: [10, 20] }), losses: fit.epochs.map((e) => e.loss) }
}

describe.each([
  ['uniform', { kind: 'uniform' }],
  ['hard (model-aware, DNS)', { kind: 'hard' }],
  ['adaptive (WARP search over the live scorer)', { kind: 'adaptive', variant: 'warp' }],
  ['in-batch', { kind: 'in-batch' }],
] as [string, SamplerConfig][])('MF with %s negatives, workers: 1', (label, sampler) => {
  const tag = String(sampler.kind)
  it('same seed ⇒ byte-identical model files, losses and metrics; another seed ⇒ different', async () => {
    const a = await runMf(sampler, 42, `${tag}-a`)
    const b = await runMf(sampler, 42, `${tag}-b`)
    expect(a.bytes.length).toBeGreaterThan(1000)
    expect(Buffer.compare(a.bytes, b.bytes), `${label}: saved files differ`).toBe(0)
    expect(b.losses).toEqual(a.losses)
    sameEval(a.result, b.result)

    const c = await runMf(sampler, 43, `${tag}-c`)
    expect(Buffer.compare(a.bytes, c.bytes)).not.toBe(0)
    expect(c.losses).not.toEqual(a.losses)
    expect(c.result.perUser['ndcg@10']).not.toEqual(a.result.perUser['ndcg@10'])
  })
})

describe('FM (id features) with hard negatives, workers: 1', () => {
  async function run(seed: number, name: string): Promise<{ bytes: Buffer; result: EvalResult }> {
    const { train, test } = split
    const model = factorizationMachine({ dim: 12 })
    await model.fit(train, { ...MF_FIT, seed, sampler: createSampler({ kind: 'hard' }) })
    const path = join(dir, `${name}.decoy`)
    await model.save(path)
    return { bytes: fileBytes(path), result: evaluate(model, train, test, { k: [10] }) }
  }

  it('same seed ⇒ byte-identical model files and metrics; another seed ⇒ different', async () => {
    const a = await run(5, 'fm-a')
    const b = await run(5, 'fm-b')
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0)
    sameEval(a.result, b.result)
    const c = await run(6, 'fm-c')
    expect(Buffer.compare(a.bytes, c.bytes)).not.toBe(0)
    expect(c.result.perUser['ndcg@10']).not.toEqual(a.result.perUser['ndcg@10'])
  })
})

describe('item2vec with popularity negatives, workers: 1', () => {
  async function run(seed: number, name: string): Promise<{ bytes: Buffer; result: EvalResult }> {
    const { train, test } = split
    const model = item2vec({ dim: 12, window: 5, negatives: 5 })
    await model.fit(train, { sampler: createSampler({ kind: 'popularity', alpha: 0.75 }), epochs: 2, seed, workers: 1 })
    const path = join(dir, `${name}.decoy`)
    await model.save(path)
    return { bytes: fileBytes(path), result: evaluate(model, train, test, { k: [10] }) }
  }

  it('same seed ⇒ byte-identical model files and metrics; another seed ⇒ different', async () => {
    const a = await run(7, 'i2v-a')
    const b = await run(7, 'i2v-b')
    expect(Buffer.compare(a.bytes, b.bytes)).toBe(0)
    sameEval(a.result, b.result)
    const c = await run(8, 'i2v-c')
    expect(Buffer.compare(a.bytes, c.bytes)).not.toBe(0)
  })
})
