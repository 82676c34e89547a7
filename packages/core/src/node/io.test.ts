import { mkdtempSync, readFileSync, rmSync, writeFileSync, existsSync, readdirSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataError, parseInteractions, splitLeaveLast, splitRandom, type Interactions } from '@decoy/core'
import { interactionsToArrow, writeArrowIpc } from '@decoy/core/arrow'
import { readInteractionsFile, readSplit, writeInteractionsTsv, writeSplit } from '@decoy/core/node'

const dir = mkdtempSync(join(tmpdir(), 'decoy-core-io-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

function triples(x: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      out.push(`${x.userIds.external(u)}|${x.itemIds.external(x.items[j])}|${x.weights ? x.weights[j] : ''}|${x.times ? x.times[j] : ''}`)
    }
  }
  return out.sort()
}

const csv =
  'userId,movieId,rating,timestamp\n' +
  Array.from({ length: 60 }, (_, r) => `${1 + (r % 7)},${10 + ((r * 13) % 17)},${0.5 + (r % 10) / 2},${1000 + r}`).join('\n') +
  '\n'
const log = parseInteractions(new TextEncoder().encode(csv), { source: 'ratings.csv' })

describe('readInteractionsFile', () => {
  it('reads text and Arrow (by extension and by magic bytes) to the same interactions', () => {
    writeFileSync(join(dir, 'ratings.csv'), csv)
    const ipc = writeArrowIpc(interactionsToArrow(log), 'file')
    writeFileSync(join(dir, 'ratings.arrow'), ipc)
    writeFileSync(join(dir, 'ratings.bin'), writeArrowIpc(interactionsToArrow(log), 'stream'))
    const want = triples(log)
    expect(triples(readInteractionsFile(join(dir, 'ratings.csv')))).toEqual(want)
    expect(triples(readInteractionsFile(join(dir, 'ratings.arrow')))).toEqual(want)
    expect(triples(readInteractionsFile(join(dir, 'ratings.bin')))).toEqual(want)
  })
  it('names the file in errors', () => {
    writeFileSync(join(dir, 'bad.tsv'), 'user\titem\trating\n1\t2\t3\n1\t2\toops\n')
    let e: unknown
    try {
      readInteractionsFile(join(dir, 'bad.tsv'))
    } catch (err) {
      e = err
    }
    expect(e).toBeInstanceOf(DataError)
    expect((e as Error).message).toBe('bad.tsv line 3, field "rating": "oops" is not a number')
    expect(() => readInteractionsFile(join(dir, 'missing.csv'))).toThrow(/missing\.csv.*file not found/)
    writeFileSync(join(dir, 'empty.csv'), '')
    expect(() => readInteractionsFile(join(dir, 'empty.csv'))).toThrow(/^empty\.csv line 1: empty file/)
    writeFileSync(join(dir, 'fake.arrow'), 'user,item\n1,2\n')
    expect(() => readInteractionsFile(join(dir, 'fake.arrow'))).toThrow(/^fake\.arrow: not an Arrow IPC/)
  })
})

describe('writeInteractionsTsv', () => {
  it('writes external ids with a header and reads back identically, string ids quoted as needed', () => {
    const x = parseInteractions(new TextEncoder().encode('user,item,rating\n"a\tb",x,0.1\n" c",y,3.25\nd,"q""z",2\n'))
    const p = join(dir, 'out', 'x.tsv')
    writeInteractionsTsv(p, x)
    const text = readFileSync(p, 'utf8')
    expect(text.split('\n')[0]).toBe('user\titem\trating')
    expect(text).toContain('\t0.1\n')
    expect(triples(readInteractionsFile(p))).toEqual(triples(x))
    expect(readdirSync(join(dir, 'out'))).toEqual(['x.tsv']) // no temp file left behind
  })
})

describe('writeSplit / readSplit', () => {
  it('round-trips a random split through train.tsv and test.tsv in one id space', () => {
    const sp = splitRandom(log, { testFraction: 0.3, seed: 7 })
    const out = join(dir, 'split')
    writeSplit(out, sp)
    expect(existsSync(join(out, 'train.tsv')) && existsSync(join(out, 'test.tsv'))).toBe(true)
    const back = readSplit(out)
    expect(triples(back.train)).toEqual(triples(sp.train))
    expect(triples(back.test)).toEqual(triples(sp.test))
    expect(back.test.userIds).toBe(back.train.userIds)
    expect(back.test.itemIds).toBe(back.train.itemIds)
  })
  it('round-trips leave-last and rejects a test user absent from train', () => {
    const sp = splitLeaveLast(log, { k: 1 })
    const out = join(dir, 'split2')
    writeSplit(out, sp)
    expect(triples(readSplit(out).test)).toEqual(triples(sp.test))
    writeFileSync(join(out, 'test.tsv'), 'user\titem\n1\t10\n999\t10\n')
    let e: unknown
    try {
      readSplit(out)
    } catch (err) {
      e = err
    }
    expect(e).toBeInstanceOf(DataError)
    expect((e as DataError).message).toMatch(/^test\.tsv line 3, field "user": unknown user "999"/)
  })
})

const dataDir = process.env.DECOY_DATA_DIR
describe('MovieLens latest-small', () => {
  it.skipIf(!dataDir)('reads ratings.csv with the release counts (set DECOY_DATA_DIR to the folder holding ml-latest-small/)', () => {
    const x = readInteractionsFile(join(dataDir!, 'ml-latest-small', 'ratings.csv'))
    expect(x.indptr[x.numUsers]).toBe(100836)
    expect(x.numUsers).toBe(610)
    expect(x.numItems).toBe(9724)
    expect(x.weights![0]).toBe(4)
    const sp = splitLeaveLast(x, { k: 1 })
    expect(sp.test.indptr[x.numUsers]).toBe(610)
  })
})
