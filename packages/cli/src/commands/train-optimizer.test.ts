import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo } from '../io.js'
import { main } from '../main.js'

let dir = ''
let train = ''
let test = ''
beforeAll(async () => {
  dir = mkdtempSync(join(tmpdir(), 'decoy-cli-optimizer-'))
  const out = join(dir, 'split')
  const r = await run([
    'split',
    '--data',
    'synthetic:users=120,items=90,clusters=4,seed=3',
    '--strategy',
    'random',
    '--seed',
    '42',
    '--out',
    out,
  ])
  expect(r.code).toBe(0)
  ;[train, test] = [join(out, 'train.tsv'), join(out, 'test.tsv')]
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

async function run(argv: string[]) {
  const io = captureIo({})
  const code = await main(argv, io)
  return { code, out: io.out, err: io.err }
}

describe('decoy train --optimizer', () => {
  it('adagrad-row trains MF and is recorded in the JSON config', async () => {
    const r = await run([
      'train',
      '--train',
      train,
      '--test',
      test,
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
    const help = await run(['train', '--help'])
    expect(help.out).toMatch(/--optimizer <sgd\|adagrad\|adagrad-row>/)
    const bad = await run(['train', '--train', train, '--model', 'mf', '--optimizer', 'adam'])
    expect(bad.code).toBe(2)
    expect(bad.err).toMatch(/--optimizer must be one of sgd\|adagrad\|adagrad-row, got "adam"/)
  })

  it('models without row-wise Adagrad reject it naming the option', async () => {
    for (const model of ['fm', 'lightgcn']) {
      const r = await run(['train', '--train', train, '--model', model, '--optimizer', 'adagrad-row'])
      expect(r.code).toBe(2)
      expect(r.err).toMatch(/--optimizer must be one of sgd\|adagrad, got "adagrad-row"/)
    }
  })
})
