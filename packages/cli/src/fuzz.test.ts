/**
 * Property-based tests of the config parsers and the CLI's argument handling: any input either
 * parses or fails with Decoy's own usage / config error — never a TypeError, never a hang, never
 * an "internal error".
 */
import { existsSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import fc from 'fast-check'
import { afterAll, describe, expect, it } from 'vitest'
import { parseJsonText, type SamplerConfig } from '@decoy/core'
import { ConfigError, validateConfig } from '@decoy/experiments'
import { createSampler, samplerKinds } from '@decoy/samplers'
import { parseCommandArgs } from './args.js'
import { commands } from './commands/index.js'
import { UsageError, isUserError } from './errors.js'
import { captureIo } from './io.js'
import { main } from './main.js'
import { samplerFromArgs } from './sampler-flags.js'
import { errorOffset } from '../../core/src/json-text.js'

const RUNS = { numRuns: 300, seed: 1917 }

/** JSON text with one character deleted, inserted or replaced: mostly invalid, near-valid. */
const mutatedJson = fc
  .tuple(
    fc.json({ maxDepth: 3 }),
    fc.nat(),
    fc.constantFrom('del', 'ins', 'rep'),
    fc.constantFrom(',', '}', ']', '"', ':', '\n', 'x', '{', '0', ' ', '\\'),
  )
  .map(([t, at, op, ch]) => {
    const i = t.length === 0 ? 0 : at % t.length
    return op === 'del'
      ? t.slice(0, i) + t.slice(i + 1)
      : op === 'ins'
        ? t.slice(0, i) + ch + t.slice(i)
        : t.slice(0, i) + ch + t.slice(i + 1)
  })

describe('JSON text: line and column for every error', () => {
  it('the scanner agrees with JSON.parse, and a problem points inside the text', () => {
    fc.assert(
      fc.property(fc.oneof(mutatedJson, fc.json(), fc.string({ maxLength: 40 })), (text) => {
        let valid = true
        try {
          JSON.parse(text)
        } catch {
          valid = false
        }
        expect(errorOffset(text) === -1).toBe(valid)
        const r = parseJsonText(text)
        expect(r.ok).toBe(valid)
        if (!r.ok) {
          const lines = text.split('\n')
          expect(r.problem.line).toBeGreaterThanOrEqual(1)
          expect(r.problem.line).toBeLessThanOrEqual(lines.length)
          expect(r.problem.column).toBeGreaterThanOrEqual(1)
          expect(r.problem.column).toBeLessThanOrEqual(lines[r.problem.line - 1].length + 1)
          expect(r.problem.reason).not.toMatch(/position \d|is not valid JSON/)
        }
      }),
      RUNS,
    )
  })
})

/** Values a user might type after a flag, good and bad. */
const flagValue = fc.oneof(
  fc.constantFrom(
    '',
    ' ',
    '0',
    '1',
    '-1',
    '0.5',
    '1e3',
    '1e400',
    'NaN',
    'Infinity',
    '0x10',
    '1,2',
    '10,,20',
    '{}',
    '{"alpha":1}',
    '[1]',
    'null',
    '{',
    'a b',
    '--json',
  ),
  fc.string({ maxLength: 12 }),
  fc.double().map(String),
  fc.integer().map(String),
)

describe('CLI arguments: every accessor returns or throws a UsageError', () => {
  for (const c of commands) {
    it(`decoy ${c.name}`, () => {
      const names = c.options.map((o) => o.name)
      const token = fc.oneof(
        fc.constantFrom(...names).map((n) => `--${n}`),
        fc.tuple(fc.constantFrom(...names), flagValue).map(([n, v]) => `--${n}=${v}`),
        flagValue,
        fc.constantFrom('-h', '--nope', '-x', '--'),
      )
      fc.assert(
        fc.property(fc.array(token, { maxLength: 8 }), (argv) => {
          let args
          try {
            args = parseCommandArgs(c.name, argv, c.options, c.positionals === true)
          } catch (e) {
            expect(e).toBeInstanceOf(UsageError)
            return
          }
          for (const o of c.options) {
            for (const read of [
              () => args.str(o.name),
              () => args.int(o.name, undefined, 1),
              () => args.int(o.name, 1, 1, 64),
              () => args.num(o.name, undefined, Number.MIN_VALUE, 1 - Number.EPSILON),
              () => args.num(o.name),
              () => args.intList(o.name, [10]),
              () => args.choice(o.name, ['a', 'b'] as const),
              () => args.jsonObject(o.name),
            ]) {
              try {
                read()
              } catch (e) {
                expect(e).toBeInstanceOf(UsageError)
                expect((e as Error).message).toMatch(new RegExp(`--${o.name}\\b`))
                expect((e as Error).message).not.toMatch(/5e-324|0\.9999999999999998|Infinity\]/)
              }
            }
          }
        }),
        RUNS,
      )
    })
  }
})

/** JSON values shaped like sampler configs: known kinds and fields with arbitrary values. */
const samplerField = fc.constantFrom(
  'kind',
  'alpha',
  'candidates',
  'mode',
  'temperature',
  'topN',
  'memory',
  'refresh',
  'warmup',
  'history',
  'variant',
  'lambda',
  'maxTrials',
  'excludePositives',
  'allowMasked',
  'parts',
  'share',
  'sampler',
  'correction',
  'base',
  'refreshEvery',
  'zz',
)
const jsonish = fc.oneof(
  fc.constantFrom(0, 1, -1, 0.5, 1e9, -1e-9, 2 ** 31, '', 'uniform', true, false, null, [], {}),
  fc.double(),
  fc.string({ maxLength: 6 }),
  fc.integer(),
)
const samplerConfig: fc.Arbitrary<unknown> = fc.letrec((tie) => ({
  config: fc.dictionary(
    samplerField,
    fc.oneof({ depthSize: 'small' }, jsonish, fc.constantFrom(...samplerKinds), fc.array(tie('part'), { maxLength: 2 })),
    { maxKeys: 5 },
  ),
  part: fc.record({ sampler: tie('config'), share: jsonish }, { requiredKeys: [] }),
})).config

describe('sampler configs: built or refused with a plain Error naming the field', () => {
  it('createSampler never throws a TypeError', () => {
    fc.assert(
      fc.property(fc.constantFrom(...samplerKinds), samplerConfig, (kind, extra) => {
        try {
          createSampler({ ...(extra as object), kind } as SamplerConfig)
        } catch (e) {
          expect((e as Error).constructor).toBe(Error)
          expect((e as Error).message).toMatch(/sampler|createSampler|mixed|parts|share/)
        }
      }),
      RUNS,
    )
  })

  it('--sampler-config through the CLI: a sampler or a UsageError', () => {
    fc.assert(
      fc.property(
        fc.constantFrom(...samplerKinds),
        fc.oneof(
          samplerConfig.map((c) => JSON.stringify(c)),
          mutatedJson,
        ),
        (kind, text) => {
          try {
            const args = parseCommandArgs(
              'sample',
              ['--sampler', kind, '--sampler-config', text],
              [
                { name: 'sampler', type: 'string', description: '' },
                { name: 'sampler-config', type: 'string', description: '' },
              ],
            )
            samplerFromArgs(args)
          } catch (e) {
            expect(e).toBeInstanceOf(UsageError)
          }
        },
      ),
      RUNS,
    )
  })
})

const configKey = fc.constantFrom(
  'name',
  'dataset',
  'train',
  'test',
  'minRating',
  'split',
  'models',
  'samplers',
  'losses',
  'seeds',
  'budget',
  'k',
  'metric',
  'baseline',
  'evalEvery',
  'parallel',
  'zz',
)
const modelLike = fc.dictionary(
  fc.constantFrom('kind', 'factors', 'dim', 'negatives', 'batchSize', 'learningRate', 'loss', 'name', 'window', 'zz'),
  fc.oneof(jsonish, fc.constantFrom('mf', 'fm', 'item2vec')),
  { maxKeys: 4 },
)
const experimentConfig = fc.dictionary(
  configKey,
  fc.oneof(
    jsonish,
    fc.array(fc.oneof(modelLike, samplerConfig, jsonish), { maxLength: 3 }),
    fc.dictionary(fc.constantFrom('strategy', 'testFraction', 'seed', 'k', 'epochs', 'scoreEvaluations', 'cutTime', 'zz'), jsonish, {
      maxKeys: 3,
    }),
  ),
  { maxKeys: 8 },
)

describe('experiment configs: valid or a ConfigError with the JSON path', () => {
  it('validateConfig never throws anything else', () => {
    fc.assert(
      fc.property(fc.oneof(experimentConfig, fc.jsonValue({ maxDepth: 3 })), (json) => {
        try {
          validateConfig(json, 'fuzz.json')
        } catch (e) {
          expect(e).toBeInstanceOf(ConfigError)
          expect((e as Error).message.startsWith('fuzz.json: ')).toBe(true)
        }
      }),
      RUNS,
    )
  })
})

describe('decoy end to end on random argument lists', () => {
  it('exits 0 or 2, never 1, with at most one line on stderr', async () => {
    const safe = flagValue.filter((v) => !/^(synthetic|ml-)/.test(v.trim()) && !existsSync(v))
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...commands.filter((c) => c.name !== 'experiment')),
        fc.array(fc.tuple(fc.string({ maxLength: 0 }), safe), { maxLength: 4 }),
        async (c, pairs) => {
          const argv = [...c.name.split(' ')]
          const names = c.options.map((o) => o.name)
          pairs.forEach(([, v], i) => argv.push(`--${names[(v.length + i) % names.length]}`, v))
          const io = captureIo({})
          const code = await main(argv, io)
          expect(code === 0 || code === 2, `${argv.join(' ')} → ${code}: ${io.err}`).toBe(true)
          expect(io.err).not.toMatch(/internal error/)
          if (code === 2) expect(io.err.trim().split('\n')).toHaveLength(1)
        },
      ),
      { numRuns: 150, seed: 7 },
    )
  }, 120_000)
})

describe('decoy end to end: a working command with random flags added', () => {
  const dir = mkdtempSync(join(tmpdir(), 'decoy-fuzz-'))
  afterAll(() => rmSync(dir, { recursive: true, force: true }))
  const train = join(dir, 'train.tsv')
  const test = join(dir, 'test.tsv')
  const model = join(dir, 'model.arrow')
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, r) => `${1 + ((r + from) % 20)}\t${1 + (((r + from) * 7) % 15)}\n`).join('')
  writeFileSync(train, 'user\titem\n' + rows(0, 200))
  writeFileSync(test, 'user\titem\n' + rows(200, 20))
  const bases: Record<string, string[]> = {
    'data stats': ['data', 'stats', '--data', train],
    split: ['split', '--data', train, '--seed', '1', '--out', join(dir, 'split')],
    eval: ['eval', '--train', train, '--test', test, '--model', 'popularity'],
    sample: ['sample', '--train', train, '--sampler', 'uniform', '--draws', '100', '--seed', '1'],
    train: ['train', '--train', train, '--sampler', 'uniform', '--epochs', '1', '--factors', '4'],
    recommend: ['recommend', '--model', model, '--user', '1'],
    similar: ['similar', '--model', model, '--item', '1'],
  }
  // Flags that name outputs stay out: random values would write into the working directory.
  const skip = new Set(['out', 'save', 'data-dir', 'help'])
  const short = fc.oneof(
    fc.constantFrom('', '0', '1', '-1', '2', '0.5', '1e3', 'NaN', 'x', '{}', '{', 'a,b', '1,2', 'all', 'hs', 'wasm', 'js'),
    fc.string({ maxLength: 3 }),
  )

  it('exits 0 or 2, never 1', async () => {
    expect(
      await main(['train', '--train', train, '--sampler', 'uniform', '--epochs', '1', '--factors', '4', '--save', model], captureIo({})),
    ).toBe(0)
    const seen = { 0: 0, 2: 0 }
    await fc.assert(
      fc.asyncProperty(
        fc.constantFrom(...Object.keys(bases)),
        fc.array(
          fc.tuple(
            fc.nat(),
            short.filter((v) => !existsSync(v)),
          ),
          { minLength: 1, maxLength: 2 },
        ),
        async (name, extra) => {
          const c = commands.find((x) => x.name === name)!
          const flags = c.options.filter((o) => !skip.has(o.name))
          const argv = [...bases[name]]
          for (const [i, v] of extra) {
            const o = flags[i % flags.length]
            argv.push(`--${o.name}`)
            if (o.type === 'string') argv.push(v)
          }
          const io = captureIo({})
          const code = await main(argv, io)
          expect(code === 0 || code === 2, `${argv.join(' ')} → ${code}: ${io.err}`).toBe(true)
          expect(io.err).not.toMatch(/internal error/)
          if (code === 2) expect(io.err.trim().split('\n'), io.err).toHaveLength(1)
          seen[code as 0 | 2]++
        },
      ),
      { numRuns: 150, seed: 11 },
    )
    // Both outcomes occur, so the property tested real runs, not only argument errors.
    expect(seen[0]).toBeGreaterThan(10)
    expect(seen[2]).toBeGreaterThan(10)
  }, 240_000)
})

it('isUserError classifies Decoy errors only', () => {
  expect(isUserError(new UsageError('x'))).toBe(true)
  expect(isUserError(Object.assign(new Error('x'), { name: 'OutputError' }))).toBe(true)
  expect(isUserError(Object.assign(new Error('x'), { name: 'ResourceError' }))).toBe(true)
  expect(isUserError(new TypeError('x'))).toBe(false)
})
