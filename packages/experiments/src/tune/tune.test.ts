import { mkdtempSync, readFileSync, rmSync, existsSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { generateSynthetic } from '@decoy/datasets'
import { parseBudget } from './budget.js'
import { leaderboard, successiveHalving, type TrialTask } from './halving.js'
import { defaultSpaces, sampleConfig, validateSpace } from './space.js'
import { carveValidation, tune } from './tune.js'
import { expandCells, validateConfig } from '../config.js'
import { runExperiment } from '../run.js'

const dirs: string[] = []
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'decoy-tune-'))
  dirs.push(d)
  return d
}
afterAll(() => dirs.forEach((d) => rmSync(d, { recursive: true, force: true })))

const { interactions: data } = generateSynthetic({ users: 120, items: 80, clusters: 4, interactionsPerUser: 20, affinity: 0.9, seed: 3 })

function pairs(x: typeof data): Set<string> {
  const s = new Set<string>()
  for (let u = 0; u < x.numUsers; u++) for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) s.add(`${u}:${x.items[j]}`)
  return s
}

describe('carveValidation', () => {
  it('splits every user by the fraction, no pair in both parts, seed-stable', () => {
    const a = carveValidation(data, 0.25, 7)
    const tr = pairs(a.train)
    const va = pairs(a.validation)
    for (const p of va) expect(tr.has(p)).toBe(false)
    expect(tr.size + va.size).toBe(pairs(data).size)
    for (let u = 0; u < data.numUsers; u++) {
      const n = data.indptr[u + 1] - data.indptr[u]
      const nv = a.validation.indptr[u + 1] - a.validation.indptr[u]
      expect(nv).toBe(Math.min(n - 1, Math.max(1, Math.round(n * 0.25))))
    }
    const b = carveValidation(data, 0.25, 7)
    expect(Array.from(b.validation.items)).toEqual(Array.from(a.validation.items))
    const c = carveValidation(data, 0.25, 8)
    expect(Array.from(c.validation.items)).not.toEqual(Array.from(a.validation.items))
  })
  it('rejects a fraction outside (0, 1), naming it', () => {
    expect(() => carveValidation(data, 1, 1)).toThrow(/validationFraction: must be in \(0, 1\)/)
  })
})

/** A synthetic objective of known order: configuration quality q, scores rise with epochs. */
function synthetic(calls: TrialTask[] = []) {
  return async (t: TrialTask) => {
    calls.push(t)
    const q = t.config.q as number
    const score = q * (1 - 1 / (t.epochs + 1))
    return { score, bestEpoch: t.epochs, epochsRun: t.epochs, validation: { 'ndcg@10': score } }
  }
}
const qSpace = { q: { min: 0, max: 1 } }

describe('successiveHalving', () => {
  it('keeps the best third of each rung on an objective of known order', async () => {
    const calls: TrialTask[] = []
    const sample = (i: number) => sampleConfig(qSpace, 5, i)
    const records = await successiveHalving({ sample, run: synthetic(calls), rungs: [1, 3, 9], eta: 3, budget: { trials: 18 } })
    // Two brackets of 9: 9 at rung 0, the best 3 at rung 1, the best 1 at rung 2.
    expect(calls.filter((c) => c.rung === 0)).toHaveLength(18)
    expect(calls.filter((c) => c.rung === 1)).toHaveLength(6)
    expect(calls.filter((c) => c.rung === 2)).toHaveLength(2)
    for (const bracket of [0, 1]) {
      const ids = Array.from({ length: 9 }, (_, i) => bracket * 9 + i)
      const byQ = [...ids].sort((a, b) => (sample(b).q as number) - (sample(a).q as number))
      const r1 = calls.filter((c) => c.rung === 1 && ids.includes(c.trial)).map((c) => c.trial)
      expect(new Set(r1)).toEqual(new Set(byQ.slice(0, 3)))
      const r2 = calls.filter((c) => c.rung === 2 && ids.includes(c.trial)).map((c) => c.trial)
      expect(r2).toEqual([byQ[0]])
      expect(calls.find((c) => c.rung === 1 && c.trial === byQ[0])!.epochs).toBe(3)
    }
    const best = Array.from({ length: 18 }, (_, i) => i).sort((a, b) => (sample(b).q as number) - (sample(a).q as number))[0]
    expect(leaderboard(records)[0].trial).toBe(best)
  })
  it('does the same with tasks run concurrently', async () => {
    const sample = (i: number) => sampleConfig(qSpace, 5, i)
    const slow = synthetic()
    const jitter = async (t: TrialTask) => {
      await new Promise((r) => setTimeout(r, (t.trial * 7) % 5))
      return slow(t)
    }
    const a = await successiveHalving({ sample, run: synthetic(), rungs: [1, 3, 9], eta: 3, budget: { trials: 18 } })
    const b = await successiveHalving({ sample, run: jitter, rungs: [1, 3, 9], eta: 3, budget: { trials: 18 }, concurrency: 4 })
    expect(leaderboard(b).map((r) => [r.trial, r.rung, r.score])).toEqual(leaderboard(a).map((r) => [r.trial, r.rung, r.score]))
  })
  it('stops scheduling when the time budget is spent', async () => {
    let t = 0
    const calls: TrialTask[] = []
    const run = synthetic(calls)
    await successiveHalving({
      sample: (i) => sampleConfig(qSpace, 5, i),
      run: async (x) => ((t += 1), run(x)),
      rungs: [1, 3],
      eta: 3,
      budget: { seconds: 5 },
      now: () => t,
    })
    expect(calls).toHaveLength(5)
  })
})

describe('tune', () => {
  it('resumes an interrupted search to the same leaderboard, reusing finished trials', async () => {
    const base = {
      train: data,
      model: 'mf',
      space: { learningRate: { min: 0.01, max: 0.5, log: true } },
      budget: { trials: 12 },
      rungs: [1, 3],
      seed: 9,
    }
    const objective = async (t: TrialTask) => {
      const lr = t.config.learningRate as number
      const score = -Math.abs(Math.log(lr / 0.1)) + t.epochs / 100
      return { score, bestEpoch: t.epochs, epochsRun: t.epochs, validation: { 'ndcg@10': score } }
    }
    const full = await tune({ ...base, out: tmp(), objective })

    const out = tmp()
    let n = 0
    const failing = async (t: TrialTask) => {
      if (++n > 7) throw new Error('interrupted')
      return objective(t)
    }
    await expect(tune({ ...base, out, objective: failing })).rejects.toThrow('interrupted')
    expect(existsSync(join(out, 'best.json'))).toBe(false) // outputs whole or not at all
    const reran: TrialTask[] = []
    const again = await tune({ ...base, out, objective: async (t) => (reran.push(t), objective(t)) })
    expect(again.resumed).toBe(7)
    expect(reran).toHaveLength(full.records.length - 7)
    expect(again.leaderboard.map((r) => [r.trial, r.rung, r.score])).toEqual(full.leaderboard.map((r) => [r.trial, r.rung, r.score]))
    expect(again.best).toEqual(full.best)
    expect(JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'))).toEqual(full.best)
    expect(readFileSync(join(out, 'trials.csv'), 'utf8').split('\n')[0]).toBe('trial,rung,epochs,best_epoch,score,seconds,learningRate')
    expect(readFileSync(join(out, 'trials.svg'), 'utf8')).toMatch(/^<svg/)

    // Another search in the same folder is refused, naming --out.
    await expect(tune({ ...base, seed: 10, out, objective })).rejects.toThrow(/^out: .*another search/)
  })

  it('tunes a real model: best.json names the epochs and the sampler, deterministic across workers', async () => {
    const opts = {
      train: data,
      model: 'mf',
      space: {
        dim: 16,
        negatives: 4,
        learningRate: { values: [0.02, 0.2] },
        sampler: { values: [{ kind: 'uniform' }, { kind: 'popularity', alpha: { min: 0, max: 1 } }] },
      },
      budget: { trials: 4 },
      rungs: [1, 3],
      seed: 1,
    }
    const a = await tune({ ...opts, out: tmp() })
    expect(a.best.kind).toBe('mf')
    expect(a.best.epochs).toBeGreaterThanOrEqual(1)
    expect(a.best.sampler).toHaveProperty('kind')
    expect(a.validation['ndcg@10']).toBeGreaterThan(0)
    const b = await tune({ ...opts, out: tmp(), workers: 2 })
    expect(b.leaderboard.map((r) => [r.trial, r.rung, r.score])).toEqual(a.leaderboard.map((r) => [r.trial, r.rung, r.score]))

    // best.json is a model entry of an experiment config: it brings its own sampler.
    const best = JSON.parse(readFileSync(a.files['best.json'], 'utf8'))
    const exp = {
      dataset: 'synthetic:users=60,items=40,seed=2',
      split: { strategy: 'random', testFraction: 0.2, seed: 1 },
      models: [best, { kind: 'als', dim: 8 }],
      seeds: [1],
      budget: { epochs: 1 },
    }
    const cells = expandCells(validateConfig(exp))
    const sampler = best.sampler.kind === 'uniform' ? 'uniform' : 'popularity'
    expect(cells.map((c) => c.name)).toEqual([`mf/${sampler}/softmax`, 'als/none/wls'])
    const ran = await runExperiment(exp, { out: tmp(), noPlots: true })
    expect(ran.ran).toEqual([`mf/${sampler}/softmax#1`, 'als/none/wls#1'])
    expect(() => validateConfig({ ...exp, models: [{ ...best, sampler: { kind: 'popularity', alpah: 1 } }] })).toThrow(
      'models[0].sampler.alpah: unknown field',
    )
  }, 60_000)
})

describe('spaces and budgets', () => {
  it('accepts every default space', () => {
    for (const [kind, space] of Object.entries(defaultSpaces)) expect(() => validateSpace(space, kind)).not.toThrow()
  })
  it('names the bad field', () => {
    expect(() => validateSpace({ learningRat: { min: 0.1, max: 1 } }, 'mf')).toThrow(/^space\.learningRat: unknown option for mf/)
    expect(() => validateSpace({ learningRate: { min: 1, max: 0.1 } }, 'mf')).toThrow(/^space\.learningRate\.min: must be <= max/)
    expect(() => validateSpace({ learningRate: { min: 0, max: 1, log: true } }, 'mf')).toThrow(
      /^space\.learningRate\.min: a log range needs min > 0/,
    )
    expect(() => validateSpace({ loss: { values: ['bpr', 'hinge'] } }, 'mf')).toThrow(/^space\.loss\.values\[1\]:/)
    expect(() => validateSpace({ dim: { values: [] } }, 'mf')).toThrow(/^space\.dim\.values: must be a non-empty array/)
    expect(() => validateSpace({ epochs: { values: [1, 2] } }, 'mf')).toThrow(/^space\.epochs: epochs come from/)
    expect(() => validateSpace({ sampler: { values: [{ kind: 'uniform' }] } }, 'als')).toThrow(
      /^space\.sampler: --model als takes no sampler/,
    )
    expect(() => validateSpace({ sampler: { values: [{ kind: 'popularity', alpha: { min: 0, max: 'x' } }] } }, 'mf')).toThrow(
      /^space\.sampler\.values\[0\]\.alpha\.max: must be a finite number/,
    )
    expect(() => validateSpace([1], 'mf')).toThrow(/^space: must be a JSON object/)
  })
  it('parses budgets and names the field of a bad one', () => {
    expect(parseBudget('30m')).toEqual({ seconds: 1800 })
    expect(parseBudget('90s')).toEqual({ seconds: 90 })
    expect(parseBudget('1.5h')).toEqual({ seconds: 5400 })
    expect(parseBudget('200 trials')).toEqual({ trials: 200 })
    expect(parseBudget('1trial')).toEqual({ trials: 1 })
    expect(() => parseBudget('10 minutes')).toThrow(/^budget: expected a duration/)
    expect(() => parseBudget('0 trials')).toThrow(/^budget: needs at least 1 trial/)
    expect(() => parseBudget('0m')).toThrow(/^budget: must be more than 0/)
  })
})
