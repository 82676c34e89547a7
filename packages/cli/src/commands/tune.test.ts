import { existsSync, readFileSync, writeFileSync } from 'node:fs'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { runCli, splitFixture } from '../test-support.js'

const fx = splitFixture('decoy-cli-tune-', 'synthetic:users=150,items=100,clusters=4,seed=5')

describe('decoy tune', () => {
  it("prints the issue's JSON, writes its files, and best.json round-trips through decoy train --config", async () => {
    const out = join(fx.dir, 'tune-mf')
    const space = join(fx.dir, 'space.json')
    writeFileSync(
      space,
      JSON.stringify({
        dim: 8,
        negatives: 4,
        learningRate: { min: 0.02, max: 0.3, log: true },
        sampler: { values: [{ kind: 'uniform' }, { kind: 'popularity', alpha: { min: 0, max: 1 } }] },
      }),
    )
    const r = await runCli([
      'tune',
      '--train',
      fx.train,
      '--test',
      fx.test,
      '--model',
      'mf',
      '--space',
      space,
      '--budget',
      '4 trials',
      '--rungs',
      '1,2',
      '--out',
      out,
      '--json',
    ])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out)
    expect(Object.keys(j).sort()).toEqual(['best', 'metrics', 'out', 'seconds', 'trials', 'validation'])
    expect(j.trials).toBe(4)
    expect(j.metrics).toHaveProperty('recall@20')
    expect(r.err).toMatch(/leaderboard/)
    for (const f of ['trials.csv', 'best.json', 'trials.svg', 'leaderboard.md', 'trials.jsonl']) expect(existsSync(join(out, f))).toBe(true)
    const best = JSON.parse(readFileSync(join(out, 'best.json'), 'utf8'))
    expect(best).toEqual(j.best)

    const t = await runCli(['train', '--config', join(out, 'best.json'), '--train', fx.train, '--test', fx.test, '--json'])
    expect(t.code, t.err).toBe(0)
    const tj = JSON.parse(t.out)
    expect(tj.config).toMatchObject({ model: 'mf', dim: 8, negatives: 4, learningRate: best.learningRate, epochs: best.epochs })
    expect(tj.config.sampler).toMatchObject(best.sampler)
    // Same configuration, seed and data as tune's final retrain: the same test metrics.
    expect(tj.metrics['ndcg@10']).toBeCloseTo(j.metrics['ndcg@10'], 5)

    // Flags override the file.
    const o = await runCli(['train', '--config', join(out, 'best.json'), '--train', fx.train, '--dim', '4', '--epochs', '1', '--json'])
    expect(o.code, o.err).toBe(0)
    expect(JSON.parse(o.out).config).toMatchObject({ dim: 4, epochs: 1 })

    // A rerun continues from the journal and gives the same best.
    const again = await runCli([
      'tune',
      '--train',
      fx.train,
      '--test',
      fx.test,
      '--model',
      'mf',
      '--space',
      space,
      '--budget',
      '4 trials',
      '--rungs',
      '1,2',
      '--out',
      out,
      '--json',
    ])
    expect(again.code).toBe(0)
    expect(JSON.parse(again.out).best).toEqual(j.best)
    expect(again.err).toMatch(/6 tasks reused/)
  }, 60_000)

  it('bad budgets, spaces and configs are usage errors naming the field', async () => {
    const b = await runCli(['tune', '--train', fx.train, '--model', 'als', '--budget', '10 minutes', '--out', join(fx.dir, 'x')])
    expect(b.code).toBe(2)
    expect(b.err).toMatch(/--budget: expected a duration/)
    const space = join(fx.dir, 'bad.json')
    writeFileSync(space, JSON.stringify({ reg: { min: 10, max: 1 } }))
    const s = await runCli([
      'tune',
      '--train',
      fx.train,
      '--model',
      'als',
      '--budget',
      '2 trials',
      '--space',
      space,
      '--out',
      join(fx.dir, 'y'),
    ])
    expect(s.code).toBe(2)
    expect(s.err).toMatch(/space\.reg\.min: must be <= max/)
    const cfg = join(fx.dir, 'cfg.json')
    writeFileSync(cfg, JSON.stringify({ kind: 'mf', learningRat: 0.1 }))
    const c = await runCli(['train', '--config', cfg, '--train', fx.train])
    expect(c.code).toBe(2)
    expect(c.err).toMatch(/unknown option "learningRat"/)
  })

  it('decoy train --validation-fraction early-stops on the carved part and reports the best epoch', async () => {
    const r = await runCli([
      'train',
      '--train',
      fx.train,
      '--test',
      fx.test,
      '--model',
      'als',
      '--dim',
      '8',
      '--iterations',
      '6',
      '--validation-fraction',
      '0.2',
      '--json',
    ])
    expect(r.code, r.err).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.best_epoch).toBeGreaterThanOrEqual(1)
    expect(j.best_epoch).toBeLessThanOrEqual(6)
    expect(j.validation['ndcg@10']).toBeGreaterThan(0)
  })
})
