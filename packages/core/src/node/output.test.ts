import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, afterEach, describe, expect, it } from 'vitest'
import {
  OutputError,
  beginFileSet,
  outputError,
  readInteractionsFile,
  settleFileSets,
  writeFileAtomic,
  writeFileSet,
} from '@decoy/core/node'
import { describeWriteFailure } from './output-error.js'

const root = mkdtempSync(join(tmpdir(), 'decoy-output-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))
afterEach(() => {
  delete process.env.DECOY_TEST_WRITE_FAULT
})

let n = 0
function fresh(): string {
  const d = join(root, `case${n++}`)
  mkdirSync(d)
  return d
}

/** A pid that no running process has (pids are below 2^22 on Linux). */
const DEAD_PID = 4_194_303 + 17

const RAW_CODE = /\b(ENOENT|EEXIST|EISDIR|ENOTDIR|ENOSPC|EACCES|EROFS|EPERM)\b/

function thrown(f: () => void): Error {
  try {
    f()
  } catch (e) {
    return e as Error
  }
  throw new Error('expected a throw')
}

describe('OutputError: a failed write in words', () => {
  it('a parent that is a file', () => {
    const d = fresh()
    writeFileSync(join(d, 'plain'), 'x')
    const e = thrown(() => writeFileAtomic(join(d, 'plain', 'deeper', 'model.arrow'), 'data'))
    expect(e).toBeInstanceOf(OutputError)
    expect(e.message).toBe(`cannot write ${join(d, 'plain', 'deeper', 'model.arrow')}: ${join(d, 'plain')} is a file, not a directory`)
    expect((e as OutputError).code).toBe('ENOTDIR')
  })

  it('a directory where a file is needed, and no temp file left', () => {
    const d = fresh()
    mkdirSync(join(d, 'out.tsv'))
    const e = thrown(() => writeFileAtomic(join(d, 'out.tsv'), 'data'))
    expect(e.message).toBe(`cannot write ${join(d, 'out.tsv')}: ${join(d, 'out.tsv')} is a directory; give a file name`)
    expect(readdirSync(d)).toEqual(['out.tsv'])
  })

  it('a file where a directory is needed (set)', () => {
    const d = fresh()
    writeFileSync(join(d, 'split'), 'x')
    const e = thrown(() => writeFileSet(join(d, 'split'), { 'train.tsv': 'a', 'test.tsv': 'b' }))
    expect(e).toBeInstanceOf(OutputError)
    expect(e.message).toMatch(/split is a file, not a directory$/)
  })

  it('full, read-only and unwritable disks (injected) leave the old file and no temp file', () => {
    for (const [code, words] of [
      ['ENOSPC', /no space left on the device holding/],
      ['EROFS', /is on a read-only file system/],
      ['EACCES', /permission denied: .* is not writable by this user/],
      ['EDQUOT', /disk quota/],
      ['EIO', /input\/output error/],
    ] as const) {
      const d = fresh()
      writeFileAtomic(join(d, 'f.txt'), 'old')
      process.env.DECOY_TEST_WRITE_FAULT = code
      const e = thrown(() => writeFileAtomic(join(d, 'f.txt'), 'new'))
      delete process.env.DECOY_TEST_WRITE_FAULT
      expect(e).toBeInstanceOf(OutputError)
      expect(e.message).toMatch(words)
      expect(e.message).not.toMatch(RAW_CODE)
      expect(e.message.split('\n')).toHaveLength(1)
      expect(readFileSync(join(d, 'f.txt'), 'utf8')).toBe('old')
      expect(readdirSync(d)).toEqual(['f.txt'])
    }
  })

  it('every code maps to words, never to the raw code', () => {
    for (const code of [
      'ENOENT',
      'EEXIST',
      'EISDIR',
      'ENOTDIR',
      'ENOSPC',
      'EACCES',
      'EPERM',
      'EROFS',
      'ENAMETOOLONG',
      'ELOOP',
      'EMFILE',
      'EBUSY',
      'EXDEV',
      'EFBIG',
    ]) {
      const text = describeWriteFailure(code, join(root, 'nowhere', 'x.tsv'))
      expect(text, code).not.toMatch(RAW_CODE)
      expect(text.length, code).toBeGreaterThan(8)
    }
    const passthrough = new TypeError('not a system error')
    expect(outputError(passthrough, 'x')).toBe(passthrough)
  })

  it('missing parents are created', () => {
    const d = fresh()
    writeFileAtomic(join(d, 'a', 'b', 'c.txt'), 'ok')
    expect(readFileSync(join(d, 'a', 'b', 'c.txt'), 'utf8')).toBe('ok')
  })

  it('temp files of killed processes are removed by the next write of the same name', () => {
    const d = fresh()
    const stale = join(d, `.f.txt.${DEAD_PID}.1700000000000.tmp`)
    const other = join(d, `.g.txt.${DEAD_PID}.1700000000000.tmp`)
    const mine = join(d, `.f.txt.${process.pid}.1700000000000.tmp`)
    writeFileSync(stale, 'half')
    writeFileSync(other, 'half')
    writeFileSync(mine, 'half') // this process's own (live) temp name stays while young
    writeFileAtomic(join(d, 'f.txt'), 'new')
    expect(existsSync(stale)).toBe(false)
    expect(existsSync(other)).toBe(true)
    expect(existsSync(mine)).toBe(true)
    const old = (Date.now() - 2 * 86_400_000) / 1000
    utimesSync(mine, old, old)
    writeFileAtomic(join(d, 'f.txt'), 'newer')
    expect(existsSync(mine)).toBe(false)
  })
})

describe('file sets: whole or not at all', () => {
  it('commit puts every file in place and leaves no staging folder', () => {
    const d = fresh()
    const files = writeFileSet(join(d, 'out'), { 'a.txt': 'A', 'plots/b.svg': 'B' })
    expect(files).toEqual({ 'a.txt': join(d, 'out', 'a.txt'), 'plots/b.svg': join(d, 'out', 'plots', 'b.svg') })
    expect(readFileSync(files['plots/b.svg'], 'utf8')).toBe('B')
    expect(readdirSync(join(d, 'out')).sort()).toEqual(['a.txt', 'plots'])
  })

  it('a failure in the middle leaves the old set untouched and no staging folder', () => {
    const d = fresh()
    writeFileSet(d, { 'train.tsv': 'old train', 'test.tsv': 'old test' })
    const set = beginFileSet(d)
    set.add('train.tsv', 'new train')
    process.env.DECOY_TEST_WRITE_FAULT = 'ENOSPC'
    const e = thrown(() => set.add('test.tsv', 'new test'))
    expect(e.message).toBe(`cannot write ${join(d, 'test.tsv')}: no space left on the device holding ${d}`)
    expect(readFileSync(join(d, 'train.tsv'), 'utf8')).toBe('old train')
    expect(readdirSync(d).sort()).toEqual(['test.tsv', 'train.tsv'])
    expect(() => set.commit()).toThrow(/after abort/)
  })

  it('a directory in the way fails before anything is decided', () => {
    const d = fresh()
    writeFileSync(join(d, 'results.json'), 'old')
    mkdirSync(join(d, 'results.md'))
    const e = thrown(() => writeFileSet(d, { 'results.json': 'new', 'results.md': 'new' }))
    expect(e.message).toMatch(/results\.md is a directory; give a file name/)
    expect(readFileSync(join(d, 'results.json'), 'utf8')).toBe('old')
    expect(readdirSync(d).sort()).toEqual(['results.json', 'results.md'])
  })

  it('a folder created for a failed set is removed again', () => {
    const d = fresh()
    process.env.DECOY_TEST_WRITE_FAULT = 'ENOSPC'
    expect(() => writeFileSet(join(d, 'new'), { 'a.txt': 'A' })).toThrow(OutputError)
    expect(existsSync(join(d, 'new'))).toBe(false)
  })

  it('files outside the folder are refused', () => {
    const d = fresh()
    expect(() => writeFileSet(d, { '../escape.txt': 'x' })).toThrow(/must lie inside/)
    expect(() => writeFileSet(d, { '/abs.txt': 'x' })).toThrow(/must lie inside/)
  })

  it('settle finishes a committed set and removes an uncommitted one of a dead process', () => {
    const d = fresh()
    writeFileSet(d, { 'train.tsv': 'user\titem\n1\t1\n', 'test.tsv': 'user\titem\n1\t2\n' })
    // What a process killed after its commit marker, with one of two renames done, leaves:
    const committed = join(d, `.decoy-set.${DEAD_PID}.17`)
    mkdirSync(committed)
    writeFileSync(join(committed, 'test.tsv'), 'user\titem\n2\t2\n')
    writeFileSync(join(d, 'train.tsv'), 'user\titem\n2\t1\n') // already moved
    writeFileSync(join(committed, '.commit'), JSON.stringify({ files: ['train.tsv', 'test.tsv'] }))
    // …and one killed before its marker:
    const uncommitted = join(d, `.decoy-set.${DEAD_PID}.18`)
    mkdirSync(uncommitted)
    writeFileSync(join(uncommitted, 'train.tsv'), 'garbage')
    // A reader settles the folder first, so it sees the new pair, never the mixed one.
    const test = readInteractionsFile(join(d, 'test.tsv'))
    expect(test.userIds.toArray().map(String)).toEqual(['2'])
    expect(readdirSync(d).sort()).toEqual(['test.tsv', 'train.tsv'])
    settleFileSets(d) // idempotent
    expect(readFileSync(join(d, 'train.tsv'), 'utf8')).toBe('user\titem\n2\t1\n')
  })

  it('the uncommitted set of a live process is left alone', () => {
    const d = fresh()
    const live = join(d, `.decoy-set.${process.ppid}.3`)
    mkdirSync(live)
    writeFileSync(join(live, 'a.txt'), 'in progress')
    settleFileSets(d)
    expect(existsSync(live)).toBe(true)
  })
})
