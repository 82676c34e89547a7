import { describe, expect, it } from 'vitest'
import { runCli, splitFixture } from '../test-support.js'

const fx = splitFixture('decoy-cli-optimizer-', 'synthetic:users=120,items=90,clusters=4,seed=3')

describe('decoy train --optimizer', () => {
  it('adagrad-row trains MF and is recorded in the JSON config', async () => {
    const r = await runCli([
      'train',
      '--train',
      fx.train,
      '--test',
      fx.test,
      '--model',
      'mf',
      '--dim',
      '8',
      '--epochs',
      '2',
      '--optimizer',
      'adagrad-row',
      '--lr',
      '0.2',
      '--json',
    ])
    expect(r.err).not.toMatch(/error/i)
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out) as { config: Record<string, unknown>; metrics: Record<string, number> }
    expect(j.config.optimizer).toBe('adagrad-row')
    expect(j.config.learningRate).toBe(0.2)
    expect(j.metrics['ndcg@10']).toBeGreaterThan(0)
  })

  it('lists adagrad-row in --help and in the error for an unknown name', async () => {
    const help = await runCli(['train', '--help'])
    expect(help.out).toMatch(/--optimizer <sgd\|adagrad\|adagrad-row>/)
    const bad = await runCli(['train', '--train', fx.train, '--model', 'mf', '--optimizer', 'adam'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--optimizer must be one of sgd\|adagrad\|adagrad-row, got "adam"/)
  })

  it('models without row-wise Adagrad reject it naming the option', async () => {
    for (const model of ['fm', 'lightgcn']) {
      const r = await runCli(['train', '--train', fx.train, '--model', model, '--optimizer', 'adagrad-row'])
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/--optimizer must be one of sgd\|adagrad, got "adagrad-row"/)
    }
  })
})
