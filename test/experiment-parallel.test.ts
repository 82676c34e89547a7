/**
 * Cells run in worker threads give the same results.json as a serial run.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, expect, it } from 'vitest'
import { runExperiment, type ExperimentConfig } from '@decoy/experiments'

const dirs: string[] = []
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true })
})

it('parallel: 2 worker threads write the same results.json as a serial run', async () => {
  const config: ExperimentConfig = {
    dataset: 'synthetic:users=100,items=60,clusters=3,interactionsPerUser=12,seed=9',
    split: { strategy: 'random', testFraction: 0.25, seed: 7 },
    models: [{ kind: 'mf', factors: 8, negatives: 4 }],
    samplers: [{ kind: 'uniform' }, { kind: 'hard', candidates: 4 }],
    seeds: [1, 2],
    budget: { epochs: 2 },
  }
  const serial = mkdtempSync(join(tmpdir(), 'decoy-exp-s-'))
  const parallel = mkdtempSync(join(tmpdir(), 'decoy-exp-p-'))
  dirs.push(serial, parallel)
  await runExperiment(config, { out: serial, noPlots: true })
  const r = await runExperiment({ ...config, parallel: 2 }, { out: parallel, noPlots: true })
  expect(r.ran).toHaveLength(4)
  expect(readFileSync(join(parallel, 'results.json'), 'utf8')).toBe(readFileSync(join(serial, 'results.json'), 'utf8'))
})
