import { spawnSync } from 'node:child_process'
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, main } from '@decoy/cli'
import { readInteractionsFile } from '@decoy/core/node'
import { interactionsToArrow, writeArrowIpc } from '@decoy/core/arrow'

const root = join(import.meta.dirname, '..')
let dir = ''

async function run(argv: string[], env: Record<string, string | undefined> = {}) {
  const io = captureIo(env)
  const code = await main(argv, io)
  return { code, out: io.out, err: io.err }
}

function file(name: string, text: string): string {
  const p = join(dir, name)
  writeFileSync(p, text)
  return p
}

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'decoy-cli-'))
})
afterAll(() => {
  rmSync(dir, { recursive: true, force: true })
})

let baseSplit: Promise<{ train: string; test: string }> | null = null

/** A seeded random split of a small synthetic log, made once through `decoy split`. */
function split(): Promise<{ train: string; test: string }> {
  baseSplit ??= (async () => {
    const out = join(dir, 'base')
    const r = await run([
      'split',
      '--data',
      'synthetic:users=200,items=150,clusters=4,seed=5',
      '--strategy',
      'random',
      '--seed',
      '42',
      '--out',
      out,
    ])
    expect(r.code).toBe(0)
    return { train: join(out, 'train.tsv'), test: join(out, 'test.tsv') }
  })()
  return baseSplit
}

/** A bad-input run must exit 2 with exactly one stderr line `decoy: …` and no stack trace. */
function expectOneLineError(r: { code: number; out: string; err: string }): string {
  expect(r.code).toBe(2)
  expect(r.out).toBe('')
  const lines = r.err.trimEnd().split('\n')
  expect(lines).toHaveLength(1)
  expect(lines[0]).toMatch(/^decoy: /)
  expect(r.err).not.toMatch(/\n\s+at /)
  return lines[0]
}

describe('decoy: bad input exits 2 naming file, line and field', () => {
  it('malformed row (wrong field count)', async () => {
    const p = file('fields.csv', 'user,item,rating\n1,10,4\n2,11\n')
    const msg = expectOneLineError(await run(['data', 'stats', '--data', p]))
    expect(msg).toContain('fields.csv')
    expect(msg).toContain('line 3')
    expect(msg).toMatch(/field "\w+"/)
  })

  it('non-numeric value', async () => {
    const p = file('nonnum.csv', 'user,item,rating\n1,10,4\n2,11,abc\n')
    const msg = expectOneLineError(await run(['data', 'stats', '--data', p]))
    expect(msg).toContain('nonnum.csv line 3')
    expect(msg).toContain('field "rating"')
    expect(msg).toContain('"abc"')
  })

  it('NaN and infinite ratings', async () => {
    for (const [name, bad] of [
      ['nan.csv', 'NaN'],
      ['inf.csv', 'Infinity'],
    ] as const) {
      const p = file(name, `user,item,rating\n1,10,4\n2,11,${bad}\n`)
      const msg = expectOneLineError(await run(['data', 'stats', '--data', p]))
      expect(msg).toContain(`${name} line 3`)
      expect(msg).toContain('field "rating"')
    }
  })

  it('missing column', async () => {
    const p = file('nocol.csv', 'user,rating\n1,4\n')
    const msg = expectOneLineError(await run(['data', 'stats', '--data', p]))
    expect(msg).toContain('nocol.csv line 1')
    expect(msg).toContain('field "item"')
  })

  it('empty file', async () => {
    const p = file('empty.csv', '')
    const msg = expectOneLineError(await run(['data', 'stats', '--data', p]))
    expect(msg).toContain('empty.csv')
    expect(msg).toMatch(/empty/)
  })

  it('unknown format', async () => {
    const p = file('ok.csv', 'user,item\n1,10\n')
    const msg = expectOneLineError(await run(['data', 'stats', '--data', p, '--format', 'xlsx']))
    expect(msg).toContain('--format')
    expect(msg).toContain('"xlsx"')
  })

  it('unknown dataset name or missing file', async () => {
    const msg = expectOneLineError(await run(['data', 'stats', '--data', join(dir, 'nope.csv')]))
    expect(msg).toContain('nope.csv')
  })

  it('test users that never occur in train (--strict)', async () => {
    const train = file('tr.tsv', 'user\titem\n1\t10\n1\t11\n2\t10\n')
    const test = file('te.tsv', 'user\titem\n1\t12\n7\t10\n')
    const msg = expectOneLineError(await run(['eval', '--train', train, '--test', test, '--model', 'popularity', '--strict']))
    expect(msg).toContain('te.tsv line 3')
    expect(msg).toContain('field "user"')
    expect(msg).toContain('"7"')
  })

  it('bad usage: unknown flag, bad number, bad sampler config', async () => {
    expectOneLineError(await run(['data', 'stats', '--data', 'x', '--bogus']))
    expect(expectOneLineError(await run(['eval', '--train', 'a', '--test', 'b', '--model', 'popularity', '--k', '10,x']))).toContain('--k')
    const train = file('tr2.tsv', 'user\titem\n1\t10\n1\t11\n2\t10\n2\t12\n')
    const m = expectOneLineError(
      await run([
        'sample',
        '--train',
        train,
        '--sampler',
        'popularity',
        '--sampler-config',
        '{"alpha":"x"}',
        '--draws',
        '10',
        '--seed',
        '1',
      ]),
    )
    expect(m).toContain('--sampler-config')
    expect(m).toContain('alpha')
  })
})

describe('decoy data stats', () => {
  it('reports hand-computed statistics of a small fixture', async () => {
    // users a:3, b:1, c:2 interactions; items 10:3, 11:2, 12:1 → 6 interactions, density 6/9.
    const p = file(
      'small.tsv',
      'user\titem\trating\ttimestamp\na\t10\t5\t100\na\t11\t3\t200\na\t12\t4\t300\nb\t10\t1\t150\nc\t10\t2\t50\nc\t11\t4\t400\n',
    )
    const r = await run(['data', 'stats', '--data', p, '--json'])
    expect(r.code).toBe(0)
    const s = JSON.parse(r.out)
    expect(s.interactions).toBe(6)
    expect(s.users).toBe(3)
    expect(s.items).toBe(3)
    expect(s.density).toBeCloseTo(6 / 9, 12)
    // Gini of (1, 2, 3): Σ(2i − n − 1)x_i / (n Σx) = (−2·1 + 0·2 + 2·3) / (3·6) = 4/18.
    expect(s.popularity_gini).toBeCloseTo(4 / 18, 12)
    expect(s.per_user).toEqual({ min: 1, median: 2, mean: 2, max: 3 })
    expect(s.ratings).toEqual({ min: 1, max: 5, mean: 19 / 6 })
    expect(s.timestamps).toEqual({ min: 50, max: 400 })
  })

  it('reads Arrow IPC files like text files (data stats, eval)', async () => {
    const { train, test } = await split()
    const trainArrow = join(dir, 'train.arrow')
    const testArrow = join(dir, 'test.arrow')
    writeFileSync(trainArrow, writeArrowIpc(interactionsToArrow(readInteractionsFile(train)), 'file'))
    const tr = readInteractionsFile(train)
    writeFileSync(
      testArrow,
      writeArrowIpc(interactionsToArrow(readInteractionsFile(test, { userIds: tr.userIds, itemIds: tr.itemIds })), 'file'),
    )
    const a = JSON.parse((await run(['data', 'stats', '--data', trainArrow, '--json'])).out)
    const t = JSON.parse((await run(['data', 'stats', '--data', train, '--json'])).out)
    expect({ ...a, data: '' }).toEqual({ ...t, data: '' })
    const ea = await run(['eval', '--train', trainArrow, '--test', testArrow, '--model', 'popularity', '--json'])
    const et = await run(['eval', '--train', train, '--test', test, '--model', 'popularity', '--json'])
    expect(ea.code).toBe(0)
    expect(JSON.parse(ea.out).metrics).toEqual(JSON.parse(et.out).metrics)
  })

  const mlDir = process.env.DECOY_DATA_DIR
  it.skipIf(!mlDir)('ml-latest-small: 100836 interactions, 610 users, 9724 items (needs DECOY_DATA_DIR; skipped when unset)', async () => {
    const r = await run(['data', 'stats', '--data', 'ml-latest-small', '--json'], { DECOY_DATA_DIR: mlDir })
    expect(r.code).toBe(0)
    const s = JSON.parse(r.out)
    expect([s.interactions, s.users, s.items]).toEqual([100836, 610, 9724])
  })
})

describe('decoy split → eval', () => {
  it('is reproducible: the same commands twice give identical files and output', async () => {
    const data = 'synthetic:users=200,items=150,clusters=4,seed=5'
    const outs: string[] = []
    for (const d of ['s1', 's2']) {
      const r = await run([
        'split',
        '--data',
        data,
        '--strategy',
        'random',
        '--test-fraction',
        '0.2',
        '--seed',
        '42',
        '--out',
        join(dir, d),
        '--json',
      ])
      expect(r.code).toBe(0)
      const j = JSON.parse(r.out)
      expect(j.train.interactions + j.test.interactions).toBeGreaterThan(0)
      outs.push(readFileSync(join(dir, d, 'train.tsv'), 'utf8') + readFileSync(join(dir, d, 'test.tsv'), 'utf8'))
    }
    expect(outs[0]).toBe(outs[1])
    const args = [
      'eval',
      '--train',
      join(dir, 's1', 'train.tsv'),
      '--test',
      join(dir, 's1', 'test.tsv'),
      '--model',
      'popularity',
      '--k',
      '10,20',
      '--json',
    ]
    const a = await run(args)
    const b = await run(args)
    expect(a.code).toBe(0)
    expect(a.out).toBe(b.out)
    const j = JSON.parse(a.out)
    expect(j.model).toBe('popularity')
    expect(Object.keys(j.metrics)).toEqual(expect.arrayContaining(['ndcg@10', 'recall@20', 'hr@10', 'ndcg@20']))
    expect(j.metrics['ndcg@10']).toBeGreaterThan(0)
    expect(j.users).toBe(200)
    expect(j.unseen_test_items).toBeGreaterThanOrEqual(0)
    expect(j.sampled).toBe(false)
  })

  it('leave-last and temporal splits run and keep test users in train', async () => {
    const data = 'synthetic:users=100,items=80,seed=9'
    for (const strategy of ['leave-last', 'temporal']) {
      const out = join(dir, strategy)
      const r = await run(['split', '--data', data, '--strategy', strategy, '--out', out, '--json'])
      expect(r.code).toBe(0)
      const e = await run(['eval', '--train', join(out, 'train.tsv'), '--test', join(out, 'test.tsv'), '--model', 'popularity', '--json'])
      expect(e.code).toBe(0)
    }
  })

  it('test users and items absent from train: known users evaluated, both counted; --strict restores the error', async () => {
    const { train, test } = await split()
    const lines = readFileSync(test, 'utf8').trimEnd()
    const known = lines.split('\n')[1].split('\t')[0]
    const extra = `${lines}\n987654\t1\t5\n987654\t2\t5\n${known}\t987654\t5\n`
    const withUnknown = file('unknown-test.tsv', extra)
    for (const model of ['popularity']) {
      const r = await run(['eval', '--train', train, '--test', withUnknown, '--model', model, '--json'])
      expect(r.code).toBe(0)
      const j = JSON.parse(r.out)
      expect(j.unknown_users).toBe(1)
      expect(j.unknown_user_interactions).toBe(2)
      expect(j.unknown_items).toBe(1)
      expect(j.users).toBe(200)
      const base = JSON.parse((await run(['eval', '--train', train, '--test', test, '--model', model, '--json'])).out)
      // The unknown item stays in its user's denominator: one more test interaction, recall cannot rise.
      expect(j.test_interactions).toBe(base.test_interactions + 1)
      expect(j.metrics['recall@20']).toBeLessThanOrEqual(base.metrics['recall@20'])
      const text = await run(['eval', '--train', train, '--test', withUnknown, '--model', model])
      expect(text.out).toMatch(/1 users absent from train not evaluated \(2 interactions\)/)
      const msg = expectOneLineError(await run(['eval', '--train', train, '--test', withUnknown, '--model', model, '--strict']))
      expect(msg).toContain('unknown-test.tsv')
      expect(msg).toMatch(/987654/)
    }
  })

  it('--sampled metrics are flagged', async () => {
    const { train, test } = await split()
    const r = await run(['eval', '--train', train, '--test', test, '--model', 'popularity', '--sampled', '50', '--seed', '1', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.sampled).toBe(true)
    expect(Object.keys(j.metrics).every((key) => key.startsWith('sampled_'))).toBe(true)
    expect(j.warnings.length).toBeGreaterThan(0)
  })
})

describe('decoy sample', () => {
  it('never returns a positive with exclusion and matches the popularity law', async () => {
    const { train } = await split()
    const out = join(dir, 'samples.tsv')
    const r = await run([
      'sample',
      '--train',
      train,
      '--sampler',
      'popularity',
      '--sampler-config',
      '{"alpha":0.75}',
      '--negatives',
      '4',
      '--draws',
      '100000',
      '--seed',
      '3',
      '--out',
      out,
      '--json',
    ])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.draws).toBe(100000)
    expect(j.positives_returned).toBe(0)
    expect(j.masked).toBe(0)
    expect(j.draws_per_second).toBeGreaterThan(0)
    // Fixed seed: deterministic; α = 0.001 significance.
    expect(j.chi_square_p_value).toBeGreaterThan(0.001)
    expect(j.total_variation).toBeLessThan(2 * j.total_variation_noise)
    const rows = readFileSync(out, 'utf8').trimEnd().split('\n')
    expect(rows[0]).toBe('user\tpositive\tnegative\tlogQ')
    expect(rows).toHaveLength(1 + 100000)
    expect(rows[1].split('\t')).toHaveLength(4)
  })

  it("uniform draws follow the uniform law over each user's complement", async () => {
    const { train } = await split()
    const r = await run(['sample', '--train', train, '--sampler', 'uniform', '--draws', '50000', '--seed', '4', '--json'])
    const j = JSON.parse(r.out)
    expect(j.positives_returned).toBe(0)
    expect(j.chi_square_p_value).toBeGreaterThan(0.001)
  })

  it('lends model-aware samplers a random-factor scorer', async () => {
    const { train } = await split()
    const r = await run(['sample', '--train', train, '--sampler', 'hard', '--draws', '2000', '--seed', '4', '--factors', '8', '--json'])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.scorer).toBe('random-factors')
    expect(j.positives_returned).toBe(0)
    expect(j.chi_square_p_value).toBeUndefined()
  })
})

describe('decoy train → recommend / similar', () => {
  it('trains MF with no --sampler: the documented default, popularity α 0.3; a named sampler keeps its own defaults', async () => {
    const { train, test } = await split()
    const r = await run(['train', '--train', train, '--test', test, ...'--model mf --dim 8 --epochs 1 --seed 3 --json'.split(' ')])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out).config.sampler).toMatchObject({ kind: 'popularity', alpha: 0.3 })
    const a = await run([
      'train',
      '--train',
      train,
      ...'--model mf --dim 8 --epochs 1 --seed 3 --sampler-config {"alpha":0.6} --json'.split(' '),
    ])
    expect(JSON.parse(a.out).config.sampler).toMatchObject({ kind: 'popularity', alpha: 0.6 })
    const p = await run(['train', '--train', train, ...'--model mf --dim 8 --epochs 1 --seed 3 --sampler popularity --json'.split(' ')])
    expect(JSON.parse(p.out).config.sampler).toMatchObject({ kind: 'popularity', alpha: 0.75 })
    const u = await run(['train', '--train', train, ...'--model mf --dim 8 --epochs 1 --seed 3 --sampler uniform --json'.split(' ')])
    expect(u.code).toBe(0)
    expect(JSON.parse(u.out).config.sampler).toMatchObject({ kind: 'uniform' })
    expect(JSON.parse(u.out).config.sampler).not.toHaveProperty('alpha')
  })

  it('trains MF, reports metrics and config, saves, and serves the saved model', async () => {
    const { train, test } = await split()
    const model = join(dir, 'mf.arrow')
    const r = await run([
      'train',
      '--train',
      train,
      '--test',
      test,
      '--model',
      'mf',
      '--loss',
      'bpr',
      '--sampler',
      'uniform',
      '--factors',
      '8',
      '--epochs',
      '2',
      '--negatives',
      '2',
      '--seed',
      '7',
      '--save',
      model,
      '--json',
    ])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    for (const key of ['ndcg@10', 'ndcg@20', 'recall@20', 'hr@10']) expect(typeof j.metrics[key]).toBe('number')
    expect(j.train_seconds).toBeGreaterThan(0)
    expect(j.eval_seconds).toBeGreaterThan(0)
    expect(j.updates_per_second).toBeGreaterThan(0)
    expect(j.config).toMatchObject({
      model: 'mf',
      dim: 8,
      loss: 'bpr',
      epochs: 2,
      negatives: 2,
      seed: '7',
      workers: 1,
      sampler: { kind: 'uniform' },
    })
    expect(typeof j.sampler_stats.draws).toBe('number')
    expect(j.saved).toBe(model)

    const rows = readFileSync(train, 'utf8')
      .trim()
      .split('\n')
      .slice(1)
      .map((l) => l.split('\t'))
    const user = rows[0][0]
    const rec = await run(['recommend', '--model', model, '--user', user, '--k', '5', '--json'])
    expect(rec.code).toBe(0)
    const rj = JSON.parse(rec.out)
    expect(String(rj.user)).toBe(user)
    expect(rj.items).toHaveLength(5)
    expect(Object.keys(rj.items[0]).sort()).toEqual(['item', 'score'])
    // The user's training items are excluded.
    const seen = new Set(rows.filter((f) => f[0] === user).map((f) => f[1]))
    expect(seen.size).toBeGreaterThan(0)
    for (const x of rj.items) expect(seen.has(String(x.item))).toBe(false)

    const sim = await run(['similar', '--model', model, '--item', String(rj.items[0].item), '--k', '3', '--json'])
    expect(sim.code).toBe(0)
    const sj = JSON.parse(sim.out)
    expect(sj.item).toBe(rj.items[0].item)
    expect(sj.items).toHaveLength(3)
    expect(sj.items.map((x: { item: number }) => x.item)).not.toContain(sj.item)

    const ev = await run(['eval', '--train', train, '--test', test, '--model', model, '--json'])
    expect(ev.code).toBe(0)
    expect(JSON.parse(ev.out).metrics['ndcg@10']).toBeCloseTo(j.metrics['ndcg@10'], 12)

    expectOneLineError(await run(['recommend', '--model', model, '--user', 'nobody']))
    expectOneLineError(await run(['recommend', '--model', join(dir, 'small.tsv'), '--user', '0']))
  })
})

describe('decoy train --model item2vec', () => {
  it('wires --window, --sample and --output into the resolved config', async () => {
    const { train, test } = await split()
    const model = join(dir, 'i2v.arrow')
    const r = await run([
      'train',
      '--train',
      train,
      '--test',
      test,
      '--model',
      'item2vec',
      '--window',
      'all',
      '--sample',
      '0',
      '--output',
      'hs',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--save',
      model,
      '--json',
    ])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(j.config).toMatchObject({ model: 'item2vec', window: 'all', sample: 0, output: 'hs', dim: 8, epochs: 1, sampler: null })
    expect(typeof j.metrics['ndcg@10']).toBe('number')
    const r2 = await run([
      'train',
      '--train',
      train,
      '--model',
      'item2vec',
      '--window',
      '3',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--json',
    ])
    expect(JSON.parse(r2.out).config).toMatchObject({
      window: 3,
      output: 'ns',
      sampler: { kind: 'popularity', alpha: 0.75 },
      kernel: 'wasm',
    })
    const r3 = await run([
      'train',
      '--train',
      train,
      '--model',
      'item2vec',
      '--kernel',
      'js',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--json',
    ])
    expect(JSON.parse(r3.out).config).toMatchObject({ kernel: 'js' })
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'item2vec', '--kernel', 'wasm', '--factors', '6'])),
    ).toContain('multiple of 4')
    const mfJs = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--kernel',
      'js',
      '--sampler',
      'uniform',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--json',
    ])
    expect(JSON.parse(mfJs.out).config).toMatchObject({ kernel: 'js' })
    const mfAuto = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--sampler',
      'uniform',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--json',
    ])
    expect(JSON.parse(mfAuto.out).config).toMatchObject({ kernel: 'wasm' })
    const sim = await run([
      'similar',
      '--model',
      model,
      '--item',
      String(JSON.parse((await run(['recommend', '--model', model, '--user', '1', '--json'])).out).items[0].item),
      '--json',
    ])
    expect(sim.code).toBe(0)
    expect(JSON.parse(sim.out).items.length).toBeGreaterThan(0)
    expect(expectOneLineError(await run(['train', '--train', train, '--model', 'item2vec', '--loss', 'bpr']))).toContain('--loss')
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'mf', '--window', 'all', '--sampler', 'uniform'])),
    ).toContain('--window')
  })

  it('--dim sets the embedding size of every model (--factors is its alias); schema options are flags', async () => {
    const { train } = await split()
    const dim = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--sampler',
      'uniform',
      '--dim',
      '32',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--json',
    ])
    const factors = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--sampler',
      'uniform',
      '--factors',
      '32',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--json',
    ])
    expect(JSON.parse(dim.out).config).toMatchObject({ model: 'mf', dim: 32 })
    // The alias trains the same model: identical loss, epoch by epoch.
    expect(JSON.parse(factors.out).epochs.map((e: { loss: number }) => e.loss)).toEqual(
      JSON.parse(dim.out).epochs.map((e: { loss: number }) => e.loss),
    )
    const i2v = await run([
      'train',
      '--train',
      train,
      '--model',
      'item2vec',
      '--dim',
      '8',
      '--min-count',
      '2',
      '--user-vector',
      'recency',
      '--epochs',
      '1',
      '--seed',
      '3',
      '--json',
    ])
    expect(JSON.parse(i2v.out).config).toMatchObject({ dim: 8, minCount: 2, userVector: 'recency' })
    const mf = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--sampler',
      'uniform',
      '--dim',
      '8',
      '--normalize',
      'true',
      '--temperature',
      '0.2',
      '--epochs',
      '1',
      '--json',
    ])
    expect(JSON.parse(mf.out).config).toMatchObject({ normalize: true, temperature: 0.2, kernel: 'js' })
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'mf', '--sampler', 'uniform', '--dim', '8', '--factors', '8'])),
    ).toContain('not both')
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'mf', '--sampler', 'uniform', '--normalize', 'yes'])),
    ).toContain('--normalize')
    expect(expectOneLineError(await run(['train', '--train', train, '--model', 'mf', '--sampler', 'uniform', '--order', 'set']))).toContain(
      'does not apply to --model mf',
    )
  })
})

describe('decoy train --model fm', () => {
  it("train --sampler hard|dynamic|adaptive without --loss/--negatives uses the sampler's recommended pairing, says so and records it", async () => {
    const { recommendedPairing } = await import('@decoy/samplers')
    const { train } = await split()
    for (const kind of ['hard', 'dynamic', 'adaptive']) {
      const p = recommendedPairing(kind)!
      const r = await run([
        'train',
        '--train',
        train,
        '--model',
        'mf',
        '--sampler',
        kind,
        '--factors',
        '8',
        '--epochs',
        '1',
        '--seed',
        '3',
        '--json',
      ])
      expect(r.code, r.err).toBe(0)
      const lines = r.err.split('\n').filter((l) => l.includes('recommended pairing'))
      expect(lines).toHaveLength(1)
      expect(lines[0]).toContain(`--sampler ${kind}`)
      const j = JSON.parse(r.out)
      expect(j.config.pairing).toEqual({ sampler: kind, loss: p.loss, negatives: p.negatives, samplerConfig: p.sampler })
      expect(j.config.loss).toBe(p.loss)
      expect(j.config.negatives).toBe(p.negatives)
      for (const [key, v] of Object.entries(p.sampler)) expect(j.config.sampler[key]).toEqual(v)
    }
    // --sampler-config fields win over the pairing's; --negatives (or --loss) turns the pairing off.
    const own = JSON.parse(
      (
        await run([
          'train',
          '--train',
          train,
          '--model',
          'mf',
          '--sampler',
          'hard',
          '--sampler-config',
          '{"candidates":40}',
          '--factors',
          '8',
          '--epochs',
          '1',
          '--json',
        ])
      ).out,
    )
    expect(own.config.sampler.candidates).toBe(40)
    const off = await run([
      'train',
      '--train',
      train,
      '--model',
      'mf',
      '--sampler',
      'hard',
      '--negatives',
      '4',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--json',
    ])
    expect(off.err).not.toContain('recommended pairing')
    const offJson = JSON.parse(off.out)
    expect(offJson.config.pairing).toBeUndefined()
    expect(offJson.config.negatives).toBe(4)
    // Static samplers have no pairing.
    expect(
      (await run(['train', '--train', train, '--model', 'mf', '--sampler', 'uniform', '--factors', '8', '--epochs', '1', '--json'])).err,
    ).not.toContain('recommended pairing')
  })

  it('trains an FM with an item feature file, saves it, and rejects bad feature files', async () => {
    const { train, test } = await split()
    const rows = ['item,shape,size']
    for (let i = 1; i <= 150; i++) rows.push(`${i},${['a', 'b|c', 'd'][i % 3]},${i % 7}`)
    const feats = file('item-features.csv', rows.join('\n') + '\n')
    const model = join(dir, 'fm.arrow')
    const r = await run([
      'train',
      '--train',
      train,
      '--test',
      test,
      '--model',
      'fm',
      '--item-features',
      feats,
      '--sampler',
      'uniform',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--negatives',
      '4',
      '--seed',
      '3',
      '--save',
      model,
      '--json',
    ])
    expect(r.code).toBe(0)
    const j = JSON.parse(r.out)
    expect(typeof j.metrics['ndcg@10']).toBe('number')
    expect(j.config).toMatchObject({ dim: 8, epochs: 1, kernel: 'wasm' })
    const js = await run([
      'train',
      '--train',
      train,
      '--model',
      'fm',
      '--item-features',
      feats,
      '--sampler',
      'uniform',
      '--factors',
      '8',
      '--epochs',
      '1',
      '--kernel',
      'js',
      '--json',
    ])
    expect(JSON.parse(js.out).config).toMatchObject({ kernel: 'js' })
    const rec = await run(['recommend', '--model', model, '--user', '1', '--k', '3', '--json'])
    expect(rec.code).toBe(0)
    expect(JSON.parse(rec.out).items).toHaveLength(3)
    const bad = file('bad-features.csv', 'item,shape\n1,a\n999999,b\n')
    const msg = expectOneLineError(
      await run(['train', '--train', train, '--model', 'fm', '--item-features', bad, '--sampler', 'uniform', '--epochs', '1']),
    )
    expect(msg).toContain('bad-features.csv line 3')
    expect(msg).toContain('field "item"')
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'fm', '--features', 'genres', '--sampler', 'uniform'])),
    ).toContain('--dataset')
    expect(
      expectOneLineError(await run(['train', '--train', train, '--model', 'mf', '--item-features', feats, '--sampler', 'uniform'])),
    ).toContain('--item-features')
  })
})

describe('decoy binary', () => {
  const bin = ['--conditions=decoy-source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts')]
  it('exits 2 with one line and no stack trace on bad input', () => {
    const p = file('bin-bad.csv', 'user,item,rating\n1,2,oops\n')
    const r = spawnSync(process.execPath, [...bin, 'data', 'stats', '--data', p], {
      cwd: root,
      encoding: 'utf8',
      env: { ...process.env, DECOY_DEBUG: '' },
    })
    expect(r.status).toBe(2)
    expect(r.stdout).toBe('')
    expect(r.stderr.trim()).toMatch(/^decoy: .*bin-bad\.csv line 2, field "rating"/)
    expect(r.stderr).not.toMatch(/\n\s+at /)
  })

  it('--json prints exactly one JSON object on stdout and exits 0', () => {
    const p = file('bin-ok.csv', 'user,item\n1,2\n1,3\n2,2\n')
    const r = spawnSync(process.execPath, [...bin, 'data', 'stats', '--data', p, '--json'], { cwd: root, encoding: 'utf8' })
    expect(r.status).toBe(0)
    expect(JSON.parse(r.stdout)).toMatchObject({ interactions: 3, users: 2, items: 2 })
  })
})
