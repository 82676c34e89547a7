/**
 * Issue 19, class "Fuzzing": property-based tests (fast-check) of the text reader and the id
 * interner. Any input either parses into a well-formed CSR or throws Decoy's DataError: never
 * another exception, never a hang (inputs are a few hundred bytes; the seed is fixed so a failure
 * reproduces).
 */
import { describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { DataError, IdMap, parseInteractions, type Interactions, type ParseOptions } from '@decoy/core'
import { TextLogReader } from './parse.js'
import { IdInterner, INVALID_UTF8 } from './interner.js'

const enc = new TextEncoder()

/** Structural invariants every successfully read log satisfies. */
function checkWellFormed(x: Interactions): void {
  expect(x.indptr.length).toBe(x.numUsers + 1)
  expect(x.indptr[0]).toBe(0)
  for (let u = 0; u < x.numUsers; u++) {
    const s = x.indptr[u]
    const e = x.indptr[u + 1]
    expect(e).toBeGreaterThanOrEqual(s)
    for (let j = s; j < e; j++) {
      expect(x.items[j] >= 0 && x.items[j] < x.numItems).toBe(true)
      if (j > s) expect(x.items[j]).toBeGreaterThan(x.items[j - 1])
      if (x.weights) expect(Number.isFinite(x.weights[j])).toBe(true)
      if (x.times) expect(Number.isFinite(x.times[j])).toBe(true)
    }
  }
  expect(x.userIds.size).toBe(x.numUsers)
  expect(x.itemIds.size).toBe(x.numItems)
}

/** Runs `read`; passes when it returns a well-formed log or throws a DataError. */
function parsesOrDataError(read: () => Interactions): void {
  let x: Interactions
  try {
    x = read()
  } catch (e) {
    if (!(e instanceof DataError)) throw e
    expect(e.message.length).toBeGreaterThan(0)
    return
  }
  checkWellFormed(x)
}

const token = fc.constantFrom(
  '1',
  '2',
  '17',
  '0',
  '007',
  '-3',
  '4.5',
  '1e39',
  '3.4028235e38',
  'NaN',
  'inf',
  '',
  ' ',
  'a',
  'b',
  'é',
  '\u{1F600}',
  '"',
  '""',
  '"a,b"',
  ',',
  ',',
  ',',
  '\t',
  '\t',
  '::',
  ';',
  '\n',
  '\n',
  '\r\n',
  '\r',
  'user',
  'item',
  'rating',
  'timestamp',
  'userId',
)
const header = fc.constantFrom(
  '',
  'user,item\n',
  'user,item,rating\n',
  'userId\tmovieId\trating\ttimestamp\n',
  'user::item::rating\n',
  'user,item,user\n',
  '\uFEFFuser;item\n',
)
const textBytes = fc.tuple(header, fc.array(token, { maxLength: 80 })).map(([h, t]) => enc.encode(h + t.join('')))
/** Text with stray bytes: invalid UTF-8, NUL, lone continuation bytes. */
const dirtyBytes = fc
  .tuple(textBytes, fc.array(fc.tuple(fc.nat(400), fc.integer({ min: 0, max: 255 })), { maxLength: 4 }))
  .map(([b, edits]) => {
    const out = b.slice()
    for (const [at, v] of edits) if (out.length > 0) out[at % out.length] = v
    return out
  })
const anyBytes = fc.oneof(textBytes, dirtyBytes, fc.uint8Array({ maxLength: 200 }))
const options: fc.Arbitrary<ParseOptions> = fc.record(
  {
    delimiter: fc.constantFrom<ParseOptions['delimiter']>('auto', ',', '\t', '::', ';'),
    header: fc.constantFrom<ParseOptions['header']>('auto', true, false),
    minRating: fc.constantFrom(undefined, 0, 3.5),
    duplicates: fc.constantFrom<ParseOptions['duplicates']>('last', 'first', 'sum', 'max'),
  },
  { requiredKeys: [] },
)

describe('fuzz: text reader', () => {
  it('any bytes with any options: a well-formed log or a DataError', () => {
    fc.assert(
      fc.property(anyBytes, options, (bytes, opts) => parsesOrDataError(() => parseInteractions(bytes, { ...opts, source: 'fuzz.csv' }))),
      { numRuns: 3000, seed: 19 },
    )
  })

  it("a second file read into the first one's id maps, unknown users refused: a log or a DataError", () => {
    fc.assert(
      fc.property(textBytes, anyBytes, fc.boolean(), (a, b, strict) => {
        let train: Interactions
        try {
          train = parseInteractions(a, { source: 'train.csv' })
        } catch (e) {
          expect(e).toBeInstanceOf(DataError)
          return
        }
        const userIds = IdMap.from(train.userIds.toArray(), train.userIds.kind)
        const itemIds = IdMap.from(train.itemIds.toArray(), train.itemIds.kind)
        parsesOrDataError(() => parseInteractions(b, { source: 'test.csv', userIds, itemIds, unknownUsers: strict ? 'error' : 'add' }))
      }),
      { numRuns: 1500, seed: 1919 },
    )
  })
})

/** The log, or the error message, of reading `bytes` in chunks cut at `cuts`. */
function readChunked(bytes: Uint8Array, cuts: number[], opts: ParseOptions): Interactions | string {
  try {
    const r = new TextLogReader({ ...opts, source: 'fuzz.csv' })
    let at = 0
    for (const c of [...new Set(cuts.map((k) => k % (bytes.length + 1)))].sort((a, b) => a - b)) {
      r.push(bytes.subarray(at, c))
      at = c
    }
    r.push(bytes.subarray(at))
    return r.finish()
  } catch (e) {
    if (!(e instanceof DataError)) throw e
    return e.message
  }
}

describe('fuzz: chunked text reader', () => {
  it('reading in chunks cut anywhere gives the same log, or the same error, as reading the whole text', () => {
    fc.assert(
      fc.property(anyBytes, fc.array(fc.nat(), { maxLength: 6 }), options, (bytes, cuts, opts) => {
        let whole: Interactions | string
        try {
          whole = parseInteractions(bytes, { ...opts, source: 'fuzz.csv' })
        } catch (e) {
          if (!(e instanceof DataError)) throw e
          whole = e.message
        }
        const chunked = readChunked(bytes, cuts, opts)
        if (typeof whole === 'string' || typeof chunked === 'string') {
          expect(chunked).toEqual(whole)
          return
        }
        expect(chunked.userIds.toArray()).toEqual(whole.userIds.toArray())
        expect(chunked.itemIds.toArray()).toEqual(whole.itemIds.toArray())
        expect(Array.from(chunked.indptr)).toEqual(Array.from(whole.indptr))
        expect(Array.from(chunked.items)).toEqual(Array.from(whole.items))
        expect(Array.from(chunked.weights ?? [])).toEqual(Array.from(whole.weights ?? []))
        expect(Array.from(chunked.times ?? [])).toEqual(Array.from(whole.times ?? []))
      }),
      { numRuns: 3000, seed: 21 },
    )
  })
})

describe('fuzz: id interner', () => {
  it('equal bytes get equal ids, different bytes different ids; invalid UTF-8 is reported, never merged', () => {
    const strict = new TextDecoder('utf-8', { fatal: true })
    const id = fc.oneof(
      fc.uint8Array({ maxLength: 6 }),
      fc.string({ maxLength: 5 }).map((s) => enc.encode(s)),
    )
    fc.assert(
      fc.property(fc.array(id, { minLength: 1, maxLength: 60 }), (ids) => {
        const inn = new IdInterner(new IdMap('string'), true)
        const seen = new Map<string, number>()
        for (const b of ids) {
          const key = Array.from(b).join('.')
          const got = inn.internBytes(b, 0, b.length)
          let valid = true
          try {
            strict.decode(b)
          } catch {
            valid = false
          }
          if (!valid) {
            expect(got).toBe(INVALID_UTF8)
            continue
          }
          const before = seen.get(key)
          if (before !== undefined) expect(got).toBe(before)
          else {
            expect([...seen.values()]).not.toContain(got)
            seen.set(key, got)
          }
          expect(inn.map.external(got)).toBe(strict.decode(b))
        }
      }),
      { numRuns: 2000, seed: 7 },
    )
  })

  it('integer ids: the dense table and the map agree for any mix of small, large and negative ids', () => {
    fc.assert(
      fc.property(fc.array(fc.oneof(fc.nat(5000), fc.integer({ min: -1e9, max: 1e12 })), { maxLength: 200 }), (vals) => {
        const inn = new IdInterner(undefined, true)
        const seen = new Map<number, number>()
        for (const v of vals) {
          const got = inn.internInt(v)
          const before = seen.get(v)
          if (before !== undefined) expect(got).toBe(before)
          else seen.set(v, got)
          expect(inn.map.external(got)).toBe(v)
        }
        expect(inn.map.size).toBe(seen.size)
      }),
      { numRuns: 500, seed: 8 },
    )
  })
})
