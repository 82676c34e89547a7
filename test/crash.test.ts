/**
 * Sets of outputs appear whole or not at all, even when the process dies mid-write. Each case runs
 * the real CLI in a child process and stops it at an exact step of the write through the
 * `DECOY_TEST_KILL_AT` hook (SIGKILL: no cleanup at all; SIGTERM: the signal handler's cleanup),
 * then checks that the old outputs are intact or the new set whole, and that no temporary stays.
 */
import { spawnSync } from 'node:child_process'
import { chmodSync, cpSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { readSplit, settleFileSets } from '@decoy/core/node'

const root = join(import.meta.dirname, '..')
const bin = ['--conditions=decoy-source', '--import', 'tsx', join(root, 'packages/cli/src/bin.ts')]
const dir = mkdtempSync(join(tmpdir(), 'decoy-crash-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function cli(args: string[], killAt?: string) {
  const env: Record<string, string | undefined> = { ...process.env, DECOY_DEBUG: '', DECOY_TEST_KILL_AT: killAt ?? '' }
  return spawnSync(process.execPath, [...bin, ...args], { cwd: root, encoding: 'utf8', env, timeout: 120_000 })
}

function snapshot(d: string): Record<string, string> {
  const out: Record<string, string> = {}
  const walk = (rel: string) => {
    for (const name of readdirSync(join(d, rel))) {
      if (name === 'cells') continue // per-cell records are atomic one by one, and shared by runs
      const r = rel ? `${rel}/${name}` : name
      const p = join(d, r)
      if (isDir(p)) walk(r)
      else out[r] = readFileSync(p, 'utf8')
    }
  }
  walk('')
  return out
}

function isDir(p: string): boolean {
  try {
    readdirSync(p)
    return true
  } catch {
    return false
  }
}

const DATA = 'synthetic:users=300,items=200,clusters=4,interactionsPerUser=20,seed=3'

function splitArgs(out: string, seed: number): string[] {
  return ['split', '--data', DATA, '--strategy', 'random', '--seed', String(seed), '--out', out]
}

function pairs(path: string): Set<string> {
  return new Set(readFileSync(path, 'utf8').trim().split('\n').slice(1))
}

describe('split killed mid-write', () => {
  const oldDir = join(dir, 'split-old')
  const newDir = join(dir, 'split-new')
  let oldSet: Record<string, string> = {}
  let newSet: Record<string, string> = {}

  it('two reference runs', () => {
    expect(cli(splitArgs(oldDir, 1)).status).toBe(0)
    expect(cli(splitArgs(newDir, 2)).status).toBe(0)
    oldSet = snapshot(oldDir)
    newSet = snapshot(newDir)
    expect(Object.keys(oldSet).sort()).toEqual(['test.tsv', 'train.tsv'])
    expect(oldSet['train.tsv']).not.toBe(newSet['train.tsv'])
  })

  // Before the commit marker the old pair must be untouched on disk; after it, the next reader
  // finishes the set, so what any Decoy reader sees is the new pair. Never a mix.
  const points: [string, 'old' | 'new'][] = [
    ['set-add-1', 'old'],
    ['set-add-2', 'old'],
    ['set-staged', 'old'],
    ['set-committed', 'new'],
    ['set-moved-1', 'new'],
  ]
  for (const [point, expected] of points) {
    it(`SIGKILL at ${point}: the ${expected} pair, whole`, () => {
      const out = join(dir, `split-${point}`)
      cpSync(oldDir, out, { recursive: true })
      const r = cli(splitArgs(out, 2), point)
      expect(r.signal).toBe('SIGKILL')
      if (expected === 'old') {
        // Untouched on disk, whatever reads it; the garbage is a hidden staging folder.
        const raw = snapshot(out)
        expect(raw['train.tsv']).toBe(oldSet['train.tsv'])
        expect(raw['test.tsv']).toBe(oldSet['test.tsv'])
      }
      // A Decoy reader (eval, train, readSplit) settles the folder first.
      const s = readSplit(out)
      expect(s.train.items.length + s.test.items.length).toBeGreaterThan(0)
      expect(snapshot(out)).toEqual(expected === 'old' ? oldSet : newSet)
      // No test pair is also a training pair (the symptom of a mixed split).
      const train = pairs(join(out, 'train.tsv'))
      for (const p of pairs(join(out, 'test.tsv'))) expect(train.has(p)).toBe(false)
      // Settling also removed the killed process's staging folder, committed or not.
      expect(readdirSync(out).sort()).toEqual(['test.tsv', 'train.tsv'])
      expect(cli(splitArgs(out, 2)).status).toBe(0)
      expect(readdirSync(out).sort()).toEqual(['test.tsv', 'train.tsv'])
      expect(snapshot(out)).toEqual(newSet)
    })
  }

  it('decoy eval on a folder left at set-committed reads the new pair', () => {
    const out = join(dir, 'split-eval')
    cpSync(oldDir, out, { recursive: true })
    expect(cli(splitArgs(out, 2), 'set-committed').signal).toBe('SIGKILL')
    const r = cli(['eval', '--train', join(out, 'train.tsv'), '--test', join(out, 'test.tsv'), '--model', 'popularity', '--json'])
    expect(r.status).toBe(0)
    expect(snapshot(out)).toEqual(newSet)
  })
})

describe('single files killed mid-write', () => {
  it('sample --out: the old file stays, the stale temp file goes with the next write', () => {
    const out = join(dir, 'sample')
    const args = (seed: number) => [
      'sample',
      '--train',
      DATA,
      '--sampler',
      'uniform',
      '--draws',
      '2000',
      '--seed',
      String(seed),
      '--out',
      join(out, 's.tsv'),
    ]
    expect(cli(args(1)).status).toBe(0)
    const old = readFileSync(join(out, 's.tsv'), 'utf8')
    expect(cli(args(2), 'file-written').signal).toBe('SIGKILL')
    expect(readFileSync(join(out, 's.tsv'), 'utf8')).toBe(old)
    expect(readdirSync(out).filter((f) => f.endsWith('.tmp'))).toHaveLength(1)
    expect(cli(args(2)).status).toBe(0)
    expect(readdirSync(out)).toEqual(['s.tsv'])
    expect(readFileSync(join(out, 's.tsv'), 'utf8')).not.toBe(old)
  })
})

describe('experiment killed mid-write', () => {
  const config = (seed: number) => ({
    name: 'crash',
    dataset: 'synthetic:users=120,items=80,clusters=4,interactionsPerUser=15,seed=5',
    split: { strategy: 'random', testFraction: 0.2, seed },
    models: [{ kind: 'mf', factors: 8, negatives: 2 }],
    samplers: [{ kind: 'uniform' }],
    seeds: [1],
    budget: { epochs: 1 },
  })
  const write = (name: string, seed: number) => {
    const p = join(dir, name)
    writeFileSync(p, JSON.stringify(config(seed)))
    return p
  }

  it('SIGTERM during the report: the results are one whole set, no temporaries', () => {
    const out = join(dir, 'exp-term')
    expect(cli(['experiment', write('a.json', 42), '--out', out]).status).toBe(0)
    const old = snapshot(out)
    expect(Object.keys(old)).toContain('results.md')
    // The signal is raised while the first plot is staged. Node dispatches signals between turns
    // of the event loop, and another thread may take it; the report can finish (the set whole,
    // exit 0) or the handler removes the staging folder (exit by SIGTERM). Never a mix.
    const r = cli(['experiment', write('b.json', 7), '--out', out], 'set-add-3:SIGTERM')
    expect(r.signal === 'SIGTERM' || r.status === 0).toBe(true)
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([])
    const now = snapshot(out)
    const json = JSON.parse(now['results.json']) as { data: string }
    expect(now['results.md']).toContain(json.data)
    expect(Object.keys(now).sort()).toEqual(Object.keys(old).sort())
  })

  it('the signal handler removes a staging folder that is live when the signal is dispatched', () => {
    const target = join(dir, 'sig-set')
    const script =
      `import { beginFileSet } from ${JSON.stringify(join(root, 'packages/core/src/node/index.ts'))}\n` +
      `const s = beginFileSet(${JSON.stringify(target)}); s.add('a.txt', 'x'); s.add('b.txt', 'y')\n` +
      `process.kill(process.pid, 'SIGTERM'); await new Promise((r) => setTimeout(r, 5000)); console.log('survived')\n`
    const r = spawnSync(process.execPath, ['--conditions=decoy-source', '--import', 'tsx', '--input-type=module', '-e', script], {
      cwd: root,
      encoding: 'utf8',
      timeout: 60_000,
    })
    expect(r.signal).toBe('SIGTERM')
    expect(r.stdout).not.toContain('survived')
    expect(readdirSync(target)).toEqual([])
  })

  it('SIGKILL after the commit: the next run finds results.md and results.json of one run', () => {
    const out = join(dir, 'exp-kill')
    expect(cli(['experiment', write('c.json', 42), '--out', out]).status).toBe(0)
    const r = cli(['experiment', write('d.json', 7), '--out', out], 'set-moved-2')
    expect(r.signal).toBe('SIGKILL')
    settleFileSets(out)
    const json = JSON.parse(readFileSync(join(out, 'results.json'), 'utf8')) as { data: string }
    const md = readFileSync(join(out, 'results.md'), 'utf8')
    expect(json.data).toMatch(/"seed":7/)
    expect(md).toContain(json.data)
    expect(readdirSync(out).filter((f) => f.startsWith('.'))).toEqual([])
  })
})

describe('a read-only folder, for real', () => {
  it('every writer says permission denied and names the folder (run as nobody when the tests run as root)', () => {
    const ro = join(dir, 'read-only')
    mkdirSync(ro)
    writeFileSync(
      join(dir, 'ro.json'),
      JSON.stringify({
        dataset: DATA,
        split: { strategy: 'random', testFraction: 0.2, seed: 1 },
        models: [{ kind: 'mf', factors: 4 }],
        samplers: [{ kind: 'uniform' }],
        seeds: [1],
        budget: { epochs: 1 },
      }),
    )
    chmodSync(ro, 0o555)
    chmodSync(dir, 0o755)
    const asNobody = process.getuid?.() === 0 ? { uid: 65534, gid: 65534 } : {}
    for (const args of [
      ['split', '--data', DATA, '--seed', '1', '--out', join(ro, 'split')],
      ['sample', '--train', DATA, '--sampler', 'uniform', '--draws', '100', '--seed', '1', '--out', join(ro, 's.tsv')],
      ['train', '--train', DATA, '--sampler', 'uniform', '--epochs', '1', '--factors', '4', '--save', join(ro, 'm.arrow')],
      ['experiment', join(dir, 'ro.json'), '--out', join(ro, 'exp')],
    ]) {
      const r = spawnSync(process.execPath, [...bin, ...args], {
        cwd: root,
        encoding: 'utf8',
        env: { ...process.env, DECOY_DEBUG: '' },
        timeout: 120_000,
        ...asNobody,
      })
      const last = r.stderr.trim().split('\n').pop()!
      expect(r.status, r.stderr).toBe(2)
      expect(last).toMatch(new RegExp(`^decoy: cannot write ${ro}/\\S+: permission denied: ${ro} is not writable by this user$`))
    }
    expect(readdirSync(ro)).toEqual([])
  })
})
