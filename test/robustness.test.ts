/**
 * A corpus of bad outputs, sizes and configs, run through the CLI in-process: every case exits 2
 * with one line on stderr that names the path, size or field and says what is wrong in words —
 * no raw errno, no "internal error", no V8 message, no float-epsilon ranges, nothing on stdout.
 * Faults a root-run test cannot cause for real (a full or read-only disk) are injected through the
 * `DECOY_TEST_WRITE_FAULT` hook of core's writers. Crashes mid-write are in crash.test.ts.
 */
import { existsSync, mkdirSync, mkdtempSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, describe, expect, it } from 'vitest'
import { captureIo, main } from '@decoy/cli'

const dir = mkdtempSync(join(tmpdir(), 'decoy-robust-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))
const p = (...parts: string[]) => join(dir, ...parts)

const TRAIN = p('train.tsv')
const TEST = p('test.tsv')
const FILE = p('a-file')
const DIR = p('a-dir')

function config(name: string, extra: Record<string, unknown> = {}): string {
  const path = p(name)
  writeFileSync(
    path,
    JSON.stringify({
      dataset: 'synthetic:users=80,items=50,clusters=4,interactionsPerUser=12,seed=5',
      split: { strategy: 'random', testFraction: 0.2, seed: 42 },
      models: [{ kind: 'mf', factors: 4, negatives: 2 }],
      samplers: [{ kind: 'uniform' }],
      seeds: [1],
      budget: { epochs: 1 },
      ...extra,
    }),
  )
  return path
}

beforeAll(() => {
  const rows = (from: number, n: number) =>
    Array.from({ length: n }, (_, r) => `${1 + ((r + from) % 20)}\t${1 + (((r + from) * 7) % 15)}\n`).join('')
  writeFileSync(TRAIN, 'user\titem\n' + rows(0, 200))
  writeFileSync(TEST, 'user\titem\n' + rows(200, 20))
  writeFileSync(FILE, 'not a directory')
  mkdirSync(DIR)
})

interface Case {
  /** Fault class. */
  cls: 'output path' | 'resource' | 'config' | 'usage'
  argv: () => string[]
  /** The one line on stderr must match this. */
  says: RegExp
  /** Environment of the process (hooks read process.env). */
  env?: Record<string, string>
  /** Environment given to the CLI (dataset locations). */
  cliEnv?: () => Record<string, string>
}

const RAW =
  /\b(ENOENT|EEXIST|EISDIR|ENOTDIR|ENOSPC|EACCES|EROFS|EPERM|EDQUOT)\b|internal error|Invalid typed array|Array buffer allocation|5e-324|0\.9999999999999998|at position \d/

const writers: { name: string; out: (target: string) => string[]; dirOut: boolean }[] = [
  { name: 'split --out', out: (t) => ['split', '--data', TRAIN, '--seed', '1', '--out', t], dirOut: true },
  {
    name: 'sample --out',
    out: (t) => ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '500', '--seed', '1', '--out', t],
    dirOut: false,
  },
  {
    name: 'train --save',
    out: (t) => ['train', '--train', TRAIN, '--sampler', 'uniform', '--epochs', '1', '--factors', '4', '--save', t],
    dirOut: false,
  },
  { name: 'data convert --out', out: (t) => ['data', 'convert', '--data', TRAIN, '--out', t], dirOut: false },
  { name: 'experiment --out', out: (t) => ['experiment', config('exp.json'), '--out', t, '--no-plots'], dirOut: true },
]

const cases: (Case & { name: string })[] = []
for (const w of writers) {
  const leaf = w.dirOut ? 'out' : 'out.file'
  cases.push({
    cls: 'output path',
    name: `${w.name}: a parent is a file`,
    argv: () => w.out(p('a-file', 'deeper', leaf)),
    says: /cannot write .*a-file\/deeper.*: .*a-file is a file, not a directory$/,
  })
  if (w.dirOut)
    cases.push({
      cls: 'output path',
      name: `${w.name}: the output folder is a file`,
      argv: () => w.out(FILE),
      says: /cannot write .*a-file.*: .*a-file is a file, not a directory$/,
    })
  else
    cases.push({
      cls: 'output path',
      name: `${w.name}: the output file is a folder`,
      argv: () => w.out(DIR),
      says: /cannot write .*a-dir: .*a-dir is a directory; give a file name$/,
    })
  const fresh = () => p(`fault-${cases.length}`, leaf)
  for (const [code, says] of [
    ['ENOSPC', /no space left on the device holding /],
    ['EROFS', /is on a read-only file system$/],
    ['EACCES', /permission denied: .* is not writable by this user$/],
    ['EDQUOT', /disk quota .* is exhausted$/],
  ] as const) {
    cases.push({
      cls: 'output path',
      name: `${w.name}: ${code} (injected)`,
      argv: () => w.out(fresh()),
      says: new RegExp(`^cannot write ${dir}.*: .*${says.source}`),
      env: { DECOY_TEST_WRITE_FAULT: code },
    })
  }
}
cases.push({
  cls: 'output path',
  name: 'dataset cache: DECOY_CACHE is a file',
  argv: () => ['data', 'stats', '--data', 'ml-100k'],
  cliEnv: () => ({ DECOY_CACHE: FILE, DECOY_DATA_DIR: DIR }),
  says: /cannot write .*a-file: .*a-file is a file, not a directory \(the dataset cache; set DECOY_CACHE to use another folder\)$/,
})
cases.push({
  cls: 'output path',
  name: 'dataset cache: below a file',
  argv: () => ['data', 'stats', '--data', 'ml-100k'],
  cliEnv: () => ({ DECOY_CACHE: p('a-file', 'cache'), DECOY_DATA_DIR: DIR }),
  says: /a-file is a file, not a directory \(the dataset cache/,
})

// A real full device (no injection): devices are written into, never renamed over.
if (existsSync('/dev/full')) {
  cases.push(
    {
      cls: 'output path',
      name: 'sample --out /dev/full (a real full device)',
      argv: () => ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '500', '--seed', '1', '--out', '/dev/full'],
      says: /^cannot write \/dev\/full: no space left on the device holding \/dev$/,
    },
    {
      cls: 'output path',
      name: 'train --save /dev/full (a real full device)',
      argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--epochs', '1', '--factors', '4', '--save', '/dev/full'],
      says: /^cannot write \/dev\/full: no space left on the device holding \/dev$/,
    },
  )
}

const SIZE = /needs about [\d.]+ [kMGTPE]?B \(\d+ bytes\) of memory.*over the limit of [\d.]+ [kMGT]?B \(\d+ bytes\)/
cases.push(
  {
    cls: 'resource',
    name: 'mf --factors 1e9',
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--factors', '1000000000'],
    says: new RegExp(`^mf with dim 1000000000 .*${SIZE.source}.*--dim`),
  },
  {
    cls: 'resource',
    name: 'mf --factors 1e7 under a 1 GB limit',
    env: { DECOY_MEMORY_LIMIT: '1GB' },
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--factors', '10000000'],
    says: /needs about 2.80 GB .* over the limit of 1.00 GB \(1000000000 bytes\) \(DECOY_MEMORY_LIMIT\)/,
  },
  {
    cls: 'resource',
    name: 'fm --factors 1e9',
    argv: () => ['train', '--train', TRAIN, '--model', 'fm', '--sampler', 'uniform', '--factors', '1000000000'],
    says: new RegExp(`^fm with dim 1000000000 .*${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'item2vec --factors 1e9',
    argv: () => ['train', '--train', TRAIN, '--model', 'item2vec', '--factors', '1000000000'],
    says: new RegExp(`^item2vec with dim 1000000000 .*${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'negatives × batch',
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--negatives', '1000000', '--batch-size', '1000000'],
    says: /needs about 8.00 TB \(\d+ bytes\) of memory for the negative buffer, over the limit/,
  },
  {
    cls: 'resource',
    name: 'sample: negatives × batch',
    argv: () => [
      'sample',
      '--train',
      TRAIN,
      '--sampler',
      'uniform',
      '--negatives',
      '1000000',
      '--batch-size',
      '1000000',
      '--draws',
      '10',
      '--seed',
      '1',
    ],
    says: new RegExp(`negative buffer of 1000000 slots × 1000000 negatives ${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'synthetic users 1e12',
    argv: () => ['data', 'stats', '--data', 'synthetic:users=1000000000000,seed=1'],
    says: new RegExp(`synthetic data of 1000000000000 users .*${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'synthetic interactions per user 1e9',
    argv: () => ['data', 'stats', '--data', 'synthetic:users=1000,interactionsPerUser=1000000000,seed=1'],
    says: SIZE,
  },
  {
    cls: 'resource',
    name: 'sample --draws 1e15',
    argv: () => ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '1e15', '--seed', '1'],
    says: /--draws must be at most 1e9 \(got 1e15\): more would run for hours/,
  },
  {
    cls: 'resource',
    name: 'sample --out rows over a 10 MB limit',
    env: { DECOY_MEMORY_LIMIT: '10MB' },
    argv: () => ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '1000000', '--seed', '1', '--out', p('big.tsv')],
    says: /sample --out with 1000000 draws needs about 120 MB/,
  },
  {
    cls: 'resource',
    name: 'dynamic sampler tables',
    env: { DECOY_MEMORY_LIMIT: '1MB' },
    argv: () => [
      'sample',
      '--train',
      TRAIN,
      '--sampler',
      'dynamic',
      '--sampler-config',
      '{"memory":4000,"history":64}',
      '--draws',
      '10',
      '--seed',
      '1',
    ],
    says: /dynamic sampler with memory 4000 × history 64 .* over the limit/,
  },
  {
    cls: 'resource',
    name: 'experiment config: factors 1e9',
    argv: () => ['experiment', config('big-dim.json', { models: [{ kind: 'mf', factors: 1000000000 }] }), '--out', p('exp-big')],
    says: new RegExp(`mf with dim 1000000000 .*${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'experiment config: synthetic users 1e12',
    argv: () => ['experiment', config('big-data.json', { dataset: 'synthetic:users=1000000000000,seed=1' }), '--out', p('exp-big2')],
    says: new RegExp(`synthetic data of 1000000000000 users .*${SIZE.source}`),
  },
  {
    cls: 'resource',
    name: 'sample: random factors 1e9',
    argv: () => ['sample', '--train', TRAIN, '--sampler', 'hard', '--factors', '1000000000', '--draws', '10', '--seed', '1'],
    says: new RegExp(`^random factors of dim 1000000000 .*${SIZE.source}.*lower --factors$`),
  },
  {
    cls: 'resource',
    name: 'eval --k 1e9',
    argv: () => ['eval', '--train', TRAIN, '--test', TEST, '--model', 'popularity', '--k', '10,1000000000'],
    says: /--k values must be at most 100000, got 1000000000$/,
  },
  {
    cls: 'resource',
    name: 'train --k 3e9',
    argv: () => ['train', '--train', TRAIN, '--test', TEST, '--sampler', 'uniform', '--k', '3000000000'],
    says: /--k values must be at most 100000, got 3000000000$/,
  },
  {
    cls: 'resource',
    name: 'experiment config: k 1e9',
    argv: () => ['experiment', config('big-k.json', { k: [10, 1000000000] }), '--out', p('exp-big4')],
    says: /big-k\.json: k\[1\]: must be at most 100000, got 1000000000$/,
  },
  {
    cls: 'resource',
    name: 'experiment in threads: factors 1e9',
    argv: () => [
      'experiment',
      config('big-par.json', {
        models: [{ kind: 'mf', factors: 1000000000 }],
        samplers: [{ kind: 'uniform' }, { kind: 'popularity' }],
        parallel: 2,
      }),
      '--out',
      p('exp-big3'),
    ],
    says: new RegExp(`cell mf/.*mf with dim 1000000000 .*${SIZE.source}`),
  },
)

function configText(name: string, text: string): string {
  writeFileSync(p(name), text)
  return p(name)
}
const sampler = (json: string) => [
  'sample',
  '--train',
  TRAIN,
  '--sampler',
  'popularity',
  '--sampler-config',
  json,
  '--draws',
  '10',
  '--seed',
  '1',
]
cases.push(
  {
    cls: 'config',
    name: '--sampler-config trailing comma',
    argv: () => sampler('{"alpha":0.75,}'),
    says: /--sampler-config is not valid JSON at column 15 \(expected double-quoted property name\)/,
  },
  {
    cls: 'config',
    name: '--sampler-config truncated',
    argv: () => sampler('{"alpha":'),
    says: /not valid JSON at column 10 \(the text ends before the JSON value is complete\)/,
  },
  {
    cls: 'config',
    name: '--sampler-config multi-line',
    argv: () => sampler('{\n"alpha": 1\n"x": 2}'),
    says: /not valid JSON at line 3, column 1 \(expected ',' or '}' after property value\)/,
  },
  { cls: 'config', name: '--sampler-config not an object', argv: () => sampler('[1]'), says: /--sampler-config must be a JSON object/ },
  { cls: 'config', name: '--sampler-config unknown field', argv: () => sampler('{"alpah":1}'), says: /unknown config field "alpah"/ },
  {
    cls: 'config',
    name: '--sampler-config out of range',
    argv: () => sampler('{"maxTrials":0}'),
    says: /field "maxTrials" must be an integer from 1 to 1000000, got 0/,
  },
  {
    cls: 'config',
    name: 'experiment config trailing comma',
    argv: () => ['experiment', configText('comma.json', '{\n  "dataset": "synthetic",\n  "seeds": [1],\n}\n')],
    says: /comma\.json: line 4, column 1: not valid JSON: expected double-quoted property name$/,
  },
  {
    cls: 'config',
    name: 'experiment config missing comma',
    argv: () => ['experiment', configText('nocomma.json', '{\n  "dataset": "synthetic"\n  "seeds": [1]\n}\n')],
    says: /nocomma\.json: line 3, column 3: not valid JSON: expected ',' or '}' after property value$/,
  },
  {
    cls: 'config',
    name: 'experiment config empty',
    argv: () => ['experiment', configText('empty.json', '')],
    says: /empty\.json: line 1, column 1: not valid JSON: the text is empty$/,
  },
  {
    cls: 'config',
    name: 'experiment config truncated',
    argv: () => ['experiment', configText('cut.json', '{"dataset": "synth')],
    says: /cut\.json: line 1, column 19: not valid JSON: unterminated string/,
  },
  {
    cls: 'config',
    name: 'experiment config unknown field',
    argv: () => ['experiment', config('typo.json', { sampelrs: [] })],
    says: /typo\.json: sampelrs: /,
  },
)

const USAGE_EMPTY: [string, string[]][] = [
  ['split --seed', ['split', '--data', TRAIN, '--out', p('s'), '--seed', '']],
  ['sample --seed', ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '5', '--seed', '']],
  ['train --seed', ['train', '--train', TRAIN, '--sampler', 'uniform', '--seed', '']],
  ['split --out', ['split', '--data', TRAIN, '--seed', '1', '--out=']],
  ['train --save', ['train', '--train', TRAIN, '--sampler', 'uniform', '--save', '']],
  ['experiment --out', ['experiment', 'x.json', '--out', '']],
]
for (const [name, argv] of USAGE_EMPTY) {
  const flag = name.split(' ')[1]
  cases.push({ cls: 'usage', name: `empty ${name}`, argv: () => argv, says: new RegExp(`${flag} needs a value, got an empty string`) })
}
cases.push(
  {
    cls: 'usage',
    name: '--test-fraction 2',
    argv: () => ['split', '--data', TRAIN, '--seed', '1', '--out', p('s'), '--test-fraction', '2'],
    says: /--test-fraction must be a number greater than 0 and less than 1, got "2"$/,
  },
  {
    cls: 'usage',
    name: '--test-fraction 0',
    argv: () => ['split', '--data', TRAIN, '--seed', '1', '--out', p('s'), '--test-fraction', '0'],
    says: /greater than 0 and less than 1, got "0"$/,
  },
  {
    cls: 'usage',
    name: '--lr 0',
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--lr', '0'],
    says: /--lr must be a number greater than 0, got "0"$/,
  },
  {
    cls: 'usage',
    name: '--workers 100',
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--workers', '100'],
    says: /--workers must be an integer from 1 to 64, got "100"$/,
  },
  {
    cls: 'usage',
    name: '--factors 0x10',
    argv: () => ['train', '--train', TRAIN, '--sampler', 'uniform', '--factors', '0x10'],
    says: /--factors must be a positive integer, got "0x10"$/,
  },
  {
    cls: 'usage',
    name: '--draws 1.5',
    argv: () => ['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '1.5', '--seed', '1'],
    says: /--draws must be a positive integer, got "1.5"$/,
  },
  {
    cls: 'usage',
    name: '--k 10,,20',
    argv: () => ['eval', '--train', TRAIN, '--test', TEST, '--model', 'popularity', '--k', '10,,20'],
    says: /--k must be a comma-separated list of positive integers/,
  },
  {
    cls: 'usage',
    name: 'synthetic users=0x10',
    argv: () => ['data', 'stats', '--data', 'synthetic:users=0x10,seed=1'],
    says: /users="0x10" is not a number$/,
  },
  {
    cls: 'usage',
    name: '--min-rating Infinity',
    argv: () => ['data', 'stats', '--data', TRAIN, '--min-rating', 'Infinity'],
    says: /--min-rating must be a finite number, got "Infinity"$/,
  },
)

describe('robustness corpus: exit 2, one line, the path or size or field, in words', () => {
  it.each(cases.map((c) => [`${c.cls}: ${c.name}`, c] as const))(
    '%s',
    async (_name, c) => {
      const saved: Record<string, string | undefined> = {}
      for (const [k, v] of Object.entries(c.env ?? {})) {
        saved[k] = process.env[k]
        process.env[k] = v
      }
      try {
        const io = captureIo(c.cliEnv?.() ?? {})
        const code = await main(c.argv(), io)
        // Progress lines (epochs, cells) may precede the error; the error itself is one line.
        const line = io.err
          .trim()
          .split('\n')
          .filter((l) => !/^epoch \d|^\S+: \d+ cells|^\s+\S+#\d+:/.test(l))
        expect({ code, out: io.out }, io.err).toEqual({ code: 2, out: '' })
        expect(line, io.err).toHaveLength(1)
        expect(line[0]).toMatch(/^decoy: /)
        expect(line[0].slice('decoy: '.length)).toMatch(c.says)
        expect(line[0]).not.toMatch(RAW)
      } finally {
        for (const [k, v] of Object.entries(saved)) {
          if (v === undefined) delete process.env[k]
          else process.env[k] = v
        }
      }
    },
    60_000,
  )

  it('failed writes leave no temporaries behind', () => {
    const left: string[] = []
    const walk = (d: string) => {
      for (const f of readdirSync(d, { withFileTypes: true })) {
        if (/^\.(decoy-set\.|.*\.tmp$)/.test(f.name)) left.push(join(d, f.name))
        if (f.isDirectory()) walk(join(d, f.name))
      }
    }
    walk(dir)
    expect(left).toEqual([])
  })

  it('a device is written into, not replaced: --out /dev/null stays /dev/null', async () => {
    const io = captureIo()
    expect(await main(['sample', '--train', TRAIN, '--sampler', 'uniform', '--draws', '50', '--seed', '1', '--out', '/dev/null'], io)).toBe(
      0,
    )
    expect(statSync('/dev/null').isCharacterDevice()).toBe(true)
    if (existsSync('/dev/full')) expect(statSync('/dev/full').isCharacterDevice()).toBe(true)
  })

  it('missing parent folders of an output are created (not an error)', async () => {
    for (const w of writers) {
      const target = p('made', w.name.split(' ')[0], 'a', 'b', w.dirOut ? 'out' : 'out.file')
      const io = captureIo()
      expect(await main(w.out(target), io), io.err).toBe(0)
      expect(existsSync(target)).toBe(true)
    }
  }, 60_000)

  it(`covers every class (${cases.length} cases)`, () => {
    for (const cls of ['output path', 'resource', 'config', 'usage'] as const)
      expect(cases.filter((c) => c.cls === cls).length).toBeGreaterThanOrEqual(8)
  })
})
