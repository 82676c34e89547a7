/**
 * `@decoy/experiments`: config validation names the JSON path of the bad field before anything
 * runs; finished cells are recorded atomically and skipped on rerun (resume after a kill); two runs
 * of one config write identical results.json; an equal score-evaluation budget gives model-aware
 * samplers fewer epochs. Everything on a tiny planted-structure dataset.
 */
import { existsSync, mkdtempSync, readFileSync, readdirSync, rmSync, unlinkSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { main, captureIo } from '@decoy/cli'
import { ConfigError, expandCells, runExperiment, validateConfig, type ExperimentConfig } from '@decoy/experiments'
import { recommendedPairing } from '@decoy/samplers'
import { writeSyntheticMovieLens } from '@decoy/datasets'

const dirs: string[] = []
function tmp(): string {
  const d = mkdtempSync(join(tmpdir(), 'decoy-exp-'))
  dirs.push(d)
  return d
}
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

const tiny: ExperimentConfig = {
  dataset: 'synthetic:users=120,items=80,clusters=4,interactionsPerUser=15,seed=5',
  split: { strategy: 'random', testFraction: 0.2, seed: 42 },
  models: [{ kind: 'mf', factors: 8, negatives: 4 }],
  samplers: [{ kind: 'uniform' }, { kind: 'popularity', alpha: 0.75 }],
  seeds: [1, 2],
  budget: { epochs: 2 },
}

function pathOf(config: unknown): string {
  try {
    validateConfig(config)
  } catch (e) {
    expect(e).toBeInstanceOf(ConfigError)
    return (e as ConfigError).path
  }
  throw new Error('expected a ConfigError')
}

describe('experiment config validation', () => {
  it('accepts the documented shape', () => {
    const c = validateConfig({
      dataset: 'ml-latest-small',
      split: { strategy: 'random', testFraction: 0.2, seed: 42 },
      models: [{ kind: 'mf', factors: 32 }],
      samplers: [{ kind: 'uniform' }, { kind: 'popularity', alpha: 0.75 }],
      seeds: [1, 2],
      budget: { epochs: 3 },
    })
    expect(c.k).toEqual([10, 20])
    expect(c.metric).toBe('ndcg@10')
  })

  it('names the JSON path of the bad field', () => {
    expect(pathOf({ ...tiny, samplers: [{ kind: 'uniform' }, { kind: 'popularity', alpah: 0.75 }] })).toBe('samplers[1].alpah')
    expect(pathOf({ ...tiny, samplers: [{ kind: 'nope' }] })).toBe('samplers[0].kind')
    expect(pathOf({ ...tiny, samplers: [{ kind: 'hard', candidates: 0 }] })).toBe('samplers[0].candidates')
    expect(pathOf({ ...tiny, models: [{ kind: 'svd' }] })).toBe('models[0].kind')
    expect(pathOf({ ...tiny, models: [{ kind: 'mf', factor: 8 }] })).toBe('models[0].factor')
    expect(pathOf({ ...tiny, models: [{ kind: 'mf', factors: 1.5 }] })).toBe('models[0].factors')
    expect(pathOf({ ...tiny, split: { strategy: 'random', testFraction: 0.2, seed: 1, extra: 1 } })).toBe('split.extra')
    expect(pathOf({ ...tiny, split: { strategy: 'random', testFraction: 2, seed: 1 } })).toBe('split.testFraction')
    expect(pathOf({ ...tiny, losses: ['bpr', 'hinge'] })).toBe('losses[1]')
    expect(pathOf({ ...tiny, budget: { epoch: 2 } })).toBe('budget.epoch')
    expect(pathOf({ ...tiny, models: [{ kind: 'fm', features: 'genres,colour' }] })).toBe('models[0].features')
    expect(pathOf({ ...tiny, models: [{ kind: 'fm', loss: 'hinge' }] })).toBe('models[0].loss')
    expect(pathOf({ ...tiny, models: [{ kind: 'fm', bias: true }] })).toBe('models[0].bias')
    expect(pathOf({ ...tiny, budget: {} })).toBe('budget')
    expect(pathOf({ ...tiny, seeds: [1, 1] })).toBe('seeds')
    expect(pathOf({ ...tiny, baseline: 'mf/none/softmax' })).toBe('baseline')
    expect(pathOf({ ...tiny, metric: 'ndcg@5' })).toBe('metric')
    expect(pathOf({ ...tiny, colour: 'red' })).toBe('colour')
  })

  it('rejects a bad config before anything runs, and the CLI exits 2 with the path', async () => {
    const out = tmp()
    await expect(runExperiment({ ...tiny, samplers: [{ kind: 'popularity', alpah: 1 }] }, { out })).rejects.toThrow(
      'samplers[0].alpah: unknown field',
    )
    expect(existsSync(join(out, 'results.json'))).toBe(false)
    const file = join(out, 'bad.json')
    writeFileSync(file, JSON.stringify({ ...tiny, samplers: [{ kind: 'uniform' }, { kind: 'popularity', alpah: 0.75 }] }))
    const io = captureIo()
    expect(await main(['experiment', file, '--out', join(out, 'run')], io)).toBe(2)
    expect(io.err).toContain('samplers[1].alpah: unknown field')
    expect(existsSync(join(out, 'run', 'cells'))).toBe(false)
  })
})

describe('runExperiment', () => {
  it('records every cell, resumes after a kill, and only the missing cells run', async () => {
    const out = tmp()
    // A "kill" after the first finished cell: the hook throws, the run stops.
    let done = 0
    await expect(
      runExperiment(tiny, {
        out,
        noPlots: true,
        onCellDone: () => {
          if (++done === 1) throw new Error('killed')
        },
      }),
    ).rejects.toThrow('killed')
    expect(readdirSync(join(out, 'cells'))).toHaveLength(1)
    const second = await runExperiment(tiny, { out, noPlots: true })
    expect(second.skipped).toEqual(['mf/uniform/softmax#1'])
    expect(second.ran).toEqual(['mf/uniform/softmax#2', 'mf/popularity/softmax#1', 'mf/popularity/softmax#2'])
    const first = readFileSync(join(out, 'results.json'), 'utf8')

    // Delete one cell's record: the rerun runs exactly that cell, and the results do not change.
    const victim = readdirSync(join(out, 'cells')).find((f) => f.startsWith('mf_popularity_softmax#1'))!
    unlinkSync(join(out, 'cells', victim))
    const third = await runExperiment(tiny, { out, noPlots: true })
    expect(third.ran).toEqual(['mf/popularity/softmax#1'])
    expect(third.skipped).toHaveLength(3)
    expect(readFileSync(join(out, 'results.json'), 'utf8')).toBe(first)

    // A changed budget invalidates the records; resume: false reruns everything.
    const fourth = await runExperiment(tiny, { out, noPlots: true, resume: false })
    expect(fourth.ran).toHaveLength(4)
    const rows = JSON.parse(first).rows as {
      cell: string
      seed: string
      epochs: number
      metrics: Record<string, number>
      curve: unknown[]
    }[]
    expect(rows.map((r) => `${r.cell}#${r.seed}`)).toEqual([
      'mf/uniform/softmax#1',
      'mf/uniform/softmax#2',
      'mf/popularity/softmax#1',
      'mf/popularity/softmax#2',
    ])
    for (const r of rows) {
      expect(r.epochs).toBe(2)
      expect(r.curve).toHaveLength(2)
      expect(r.metrics['ndcg@10']).toBeGreaterThan(0)
    }
  })

  it('two runs of one config write identical results.json (timings only in csv/md), with plots', async () => {
    const a = tmp()
    const b = tmp()
    const ra = await runExperiment({ ...tiny, seeds: [3], evalEvery: 2, baseline: 'mf/popularity/softmax' }, { out: a })
    await runExperiment({ ...tiny, seeds: [3], evalEvery: 2, baseline: 'mf/popularity/softmax' }, { out: b })
    const ja = readFileSync(join(a, 'results.json'), 'utf8')
    expect(readFileSync(join(b, 'results.json'), 'utf8')).toBe(ja)
    expect(ja).not.toMatch(/seconds|Seconds|updatesPerSecond/)
    expect(readFileSync(join(a, 'results.csv'), 'utf8').split('\n')[0]).toContain('train_seconds')
    const md = readFileSync(join(a, 'results.md'), 'utf8')
    expect(md).toContain('Paired difference against `mf/popularity/softmax`')
    expect(md).toMatch(/\| mf\/uniform\/softmax \| [+-]\d\.\d{4} \| \[/)
    for (const name of ['learning-curves', 'final-metrics', 'sampler-diagnostics', 'recommended-popularity']) {
      const svg = readFileSync(ra.files.plots[name], 'utf8')
      expect(svg.startsWith('<svg')).toBe(true)
      expect(svg).toContain('uniform')
    }
  })

  it('an equal score-evaluation budget gives a model-aware sampler fewer epochs, and both are reported', async () => {
    const out = tmp()
    const r = await runExperiment(
      {
        ...tiny,
        samplers: [{ kind: 'uniform' }, { kind: 'hard', candidates: 8 }],
        seeds: [1],
        budget: { scoreEvaluations: 120_000, epochs: 20 },
      },
      { out, noPlots: true },
    )
    const [uniform, hard] = r.records
    expect(hard.epochs).toBeLessThan(uniform.epochs)
    expect(hard.epochs).toBeGreaterThanOrEqual(1)
    for (const c of [uniform, hard]) {
      expect(c.scoreEvaluations).toBeLessThanOrEqual(120_000)
      expect(c.scoreEvaluations).toBe(c.epochStats.reduce((s, e) => s + e.scoreEvaluations, 0))
    }
    expect(hard.epochStats[0].samplerScores).toBeGreaterThan(0)
    expect(uniform.epochStats[0].samplerScores).toBe(0)
  })

  it('a sampler with pairing: true trains at its recommended pairing (loss, negatives, candidates), other cells as before', async () => {
    const out = tmp()
    const config: ExperimentConfig = {
      ...tiny,
      samplers: [{ kind: 'uniform' }, { kind: 'hard', pairing: true }, { kind: 'dynamic', pairing: true, name: 'srns' }],
      losses: ['softmax', 'logistic'],
      seeds: [1],
    }
    expect(expandCells(validateConfig(config)).map((c) => c.name)).toEqual([
      'mf/uniform/softmax',
      'mf/uniform/logistic',
      'mf/hard/softmax',
      'mf/srns/bpr',
    ])
    const r = await runExperiment(config, { out, noPlots: true })
    const byCell = Object.fromEntries(r.records.map((c) => [c.cell, c]))
    const hard = recommendedPairing('hard')!
    const dynamic = recommendedPairing('dynamic')!
    expect(byCell['mf/hard/softmax'].config).toMatchObject({ loss: hard.loss, negatives: hard.negatives, sampler: hard.sampler })
    expect(byCell['mf/srns/bpr'].config).toMatchObject({ loss: dynamic.loss, negatives: dynamic.negatives, sampler: dynamic.sampler })
    // The grid's own cells keep the model's negatives.
    expect(byCell['mf/uniform/softmax'].config).toMatchObject({ loss: 'softmax', negatives: 4 })
    // A field the spec sets wins over the pairing's.
    const own = await runExperiment(
      { ...tiny, samplers: [{ kind: 'hard', pairing: true, candidates: 12 }], seeds: [1] },
      { out: tmp(), noPlots: true },
    )
    expect(own.records[0].config).toMatchObject({ negatives: hard.negatives, sampler: { candidates: 12, keep: hard.sampler.keep } })
  })

  it('rejects a pairing for a kind without one, and a model that pins another loss, naming the field', () => {
    expect(pathOf({ ...tiny, samplers: [{ kind: 'uniform', pairing: true }] })).toBe('samplers[0].pairing')
    expect(pathOf({ ...tiny, samplers: [{ kind: 'hard', pairing: 'yes' }] })).toBe('samplers[0].pairing')
    expect(pathOf({ ...tiny, models: [{ kind: 'mf', loss: 'bpr' }], samplers: [{ kind: 'hard', pairing: true }] })).toBe(
      'samplers[0].pairing',
    )
    expect(() =>
      validateConfig({ ...tiny, models: [{ kind: 'mf', loss: 'softmax' }], samplers: [{ kind: 'hard', pairing: true }] }),
    ).not.toThrow()
  })

  it('grids factorization machines, with metadata features from a MovieLens-layout dataset', async () => {
    const data = tmp()
    writeSyntheticMovieLens(join(data, 'ml-latest-small'), {
      users: 80,
      items: 60,
      clusters: 3,
      interactionsPerUser: [8, 16],
      tagRate: 0.2,
      seed: 3,
    })
    const config: ExperimentConfig = {
      dataset: 'ml-latest-small',
      split: { strategy: 'random', testFraction: 0.2, seed: 42 },
      models: [
        { kind: 'mf', factors: 8, negatives: 4 },
        { kind: 'fm', name: 'fm-ids', factors: 8, negatives: 4 },
        { kind: 'fm', name: 'fm-meta', factors: 8, negatives: 4, features: 'genres,year,tags' },
      ],
      samplers: [{ kind: 'uniform' }],
      losses: ['bpr', 'softmax'],
      seeds: [1],
      budget: { epochs: 2 },
    }
    const r = await runExperiment(config, { out: tmp(), noPlots: true, datasets: { dir: data, download: false } })
    expect(r.records.map((c) => c.cell)).toEqual([
      'mf/uniform/bpr',
      'mf/uniform/softmax',
      'fm-ids/uniform/bpr',
      'fm-ids/uniform/softmax',
      'fm-meta/uniform/bpr',
      'fm-meta/uniform/softmax',
    ])
    for (const c of r.records) {
      expect(c.epochs).toBe(2)
      expect(c.final.metrics['ndcg@10']).toBeGreaterThan(0)
    }
    const meta = r.records[4]
    expect(meta.config).toMatchObject({ model: 'fm', loss: 'bpr', features: { fields: ['genre', 'year', 'tag', 'user', 'item'] } })
    // Metadata features change the model: the two FMs do not score alike.
    expect(meta.final.metrics['ndcg@10']).not.toBe(r.records[2].final.metrics['ndcg@10'])

    // A dataset without item metadata: the error names the model's field.
    await expect(
      runExperiment({ ...tiny, models: [{ kind: 'fm', features: 'genres' }], seeds: [1] }, { out: tmp(), noPlots: true }),
    ).rejects.toThrow(/models\[0\]\.features: the data has no item metadata/)
  })
})
