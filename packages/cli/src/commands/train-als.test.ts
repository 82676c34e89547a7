import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, splitFixture } from '../test-support.js'

const fx = splitFixture('decoy-cli-als-', 'synthetic:users=200,items=150,clusters=4,seed=5')

describe('decoy train --model als', () => {
  it("trains, evaluates, saves with the train command's JSON keys, and eval reads the model back", async () => {
    const [train, test, model] = [fx.train, fx.test, join(fx.dir, 'als.arrow')]
    const r = await runCli([
      'train',
      '--train',
      train,
      '--test',
      test,
      '--model',
      'als',
      '--dim',
      '8',
      '--reg',
      '2',
      '--alpha',
      '5',
      '--iterations',
      '4',
      '--save',
      model,
      '--json',
    ])
    expect(r.code).toBe(0)
    expect(r.err).toMatch(/^epoch 4\/4/m)
    const j = JSON.parse(r.out)
    for (const key of ['model', 'metrics', 'train_seconds', 'updates_per_second', 'updates', 'config', 'sampler_stats', 'epochs', 'saved'])
      expect(j).toHaveProperty(key)
    expect(j.model).toBe('als')
    expect(j.config).toMatchObject({ model: 'als', dim: 8, reg: 2, alpha: 5, iterations: 4, sampler: null })
    expect(j.epochs).toHaveLength(4)
    expect(j.metrics['ndcg@10']).toBeGreaterThan(0)
    const e = await runCli(['eval', '--train', train, '--test', test, '--model', model, '--json'])
    expect(e.code).toBe(0)
    expect(JSON.parse(e.out).metrics['ndcg@10']).toBeCloseTo(j.metrics['ndcg@10'], 10)
  })

  it('--sampler, --loss and --negatives are usage errors (exit 2) that say why', async () => {
    for (const extra of [
      ['--sampler', 'uniform'],
      ['--loss', 'bpr'],
      ['--negatives', '4'],
      ['--sampler-config', '{"kind":"uniform"}'],
    ]) {
      const r = await runCli(['train', '--train', 'synthetic:users=20,items=15,seed=1', '--model', 'als', ...extra])
      expect(r.code).toBe(2)
      expect(r.out).toBe('')
      expect(r.err).toMatch(/does not apply to --model als: ALS uses every unobserved item as a negative/)
    }
    const huge = await runCli(['train', '--train', 'synthetic:users=20,items=15,seed=1', '--model', 'als', '--dim', '1000000000'])
    expect(huge.code).toBe(2)
    expect(huge.err).toMatch(/^decoy: als with dim 1000000000 on 20 users × 15 items needs about .* over the limit/)
    const lr = await runCli(['train', '--train', 'synthetic:users=20,items=15,seed=1', '--model', 'als', '--lr', '0.1'])
    expect(lr.code).toBe(2)
    const mf = await runCli([
      'train',
      '--train',
      'synthetic:users=20,items=15,seed=1',
      '--model',
      'mf',
      '--sampler',
      'uniform',
      '--reg',
      '1',
    ])
    expect(mf.code).toBe(2)
    expect(mf.err).toMatch(/--reg does not apply to --model mf/)
  })
})
