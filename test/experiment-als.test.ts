/** An experiment grid holds ALS next to sampled MF: one ALS cell (sampler `none`), however many samplers. */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { runExperiment, type ExperimentConfig } from '@decoy/experiments'

const out = mkdtempSync(join(tmpdir(), 'decoy-exp-als-'))
afterAll(() => rmSync(out, { recursive: true, force: true }))

describe('experiment grid with als', () => {
  it('runs one als cell beside the sampled cells, iterations from the budget', async () => {
    const config: ExperimentConfig = {
      dataset: 'synthetic:users=150,items=100,clusters=4,interactionsPerUser=15,seed=5',
      split: { strategy: 'random', testFraction: 0.2, seed: 42 },
      models: [
        { kind: 'mf', factors: 8, negatives: 4 },
        { kind: 'als', factors: 8, reg: 2, alpha: 5 },
      ],
      samplers: [{ kind: 'uniform' }, { kind: 'popularity', alpha: 0.75 }],
      seeds: [1],
      budget: { epochs: 3 },
    }
    const r = await runExperiment(config, { out, noPlots: true })
    expect(r.records.map((c) => c.cell)).toEqual(['mf/uniform/softmax', 'mf/popularity/softmax', 'als/none/wls'])
    const als = r.records[2]
    expect(als.sampler).toBe('none')
    expect(als.epochs).toBe(3)
    expect(als.config).toMatchObject({ model: 'als', dim: 8, reg: 2, alpha: 5, sampler: null })
    expect(als.final.metrics['ndcg@10']).toBeGreaterThan(0)
  })
})
