import { describe, expect, it } from 'vitest'
import {
  DataError,
  IdMap,
  buildInteractions,
  identityIds,
  parseCsvRecords,
  parseInteractions,
  type BuildOptions,
  type InteractionColumns,
  type Interactions,
} from '@decoy/core'

const enc = new TextEncoder()
const parse = (text: string, opts: Parameters<typeof parseInteractions>[1] = {}): Interactions =>
  parseInteractions(enc.encode(text), { source: 'ratings.csv', ...opts })

/** Pairs as external ids, sorted, for order-free comparisons. */
function triples(x: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      out.push(`${x.userIds.external(u)}|${x.itemIds.external(x.items[j])}|${x.weights ? x.weights[j] : ''}|${x.times ? x.times[j] : ''}`)
    }
  }
  return out.sort()
}

function expectDataError(fn: () => unknown, where: { source?: string; line?: number; field?: string }, text: RegExp): DataError {
  let err: unknown
  try {
    fn()
  } catch (e) {
    err = e
  }
  expect(err).toBeInstanceOf(DataError)
  const e = err as DataError
  if (where.source !== undefined) expect(e.source).toBe(where.source)
  if (where.line !== undefined) expect(e.line).toBe(where.line)
  if (where.field !== undefined) expect(e.field).toBe(where.field)
  expect(e.message).toMatch(text)
  if (where.source !== undefined) expect(e.message).toContain(where.source)
  if (where.line !== undefined) expect(e.message).toContain(`line ${where.line}`)
  if (where.field !== undefined) expect(e.message).toContain(`field "${where.field}"`)
  return e
}

describe('parseInteractions', () => {
  it('reads a MovieLens-style CSV with header into a sorted CSR', () => {
    const x = parse('userId,movieId,rating,timestamp\n1,30,4.0,964982703\n1,10,3.5,964981247\n5,10,5,964982224\n')
    expect(x.numUsers).toBe(2)
    expect(x.numItems).toBe(2)
    expect(Array.from(x.indptr)).toEqual([0, 2, 3])
    expect(x.userIds.toArray()).toEqual([1, 5])
    expect(x.itemIds.toArray()).toEqual([30, 10])
    // items sorted within the row: internal 0 (=30) then 1 (=10)
    expect(Array.from(x.items)).toEqual([0, 1, 1])
    expect(Array.from(x.weights!)).toEqual([4, 3.5, 5])
    expect(Array.from(x.times!)).toEqual([964982703, 964981247, 964982224])
  })

  it('accepts tab, ::, semicolon, \\r\\n, BOM, blank lines, no final newline and no header', () => {
    const want = ['1|2|3|', '1|3|4|', '2|2|5|']
    expect(triples(parse('1\t2\t3\n1\t3\t4\n2\t2\t5\n'))).toEqual(want)
    expect(triples(parse('1::2::3\r\n1::3::4\r\n2::2::5'))).toEqual(want)
    expect(triples(parse('\ufeffuser;item;rating\r\n1;2;3\r\n\r\n1;3;4\n2;2;5\n\n'))).toEqual(want)
    expect(triples(parse('user,item,rating\n1,2,3\n1,3,4\n2,2,5', { delimiter: ',', header: true }))).toEqual(want)
  })

  it('reads quoted fields with delimiters, escaped quotes and newlines', () => {
    const x = parse('user,item,rating\n"a,b",x,1\n"say ""hi""","multi\nline",2\nc,"x",3\n')
    expect(x.userIds.kind).toBe('string')
    expect(x.userIds.toArray()).toEqual(['a,b', 'say "hi"', 'c'])
    expect(x.itemIds.toArray()).toEqual(['x', 'multi\nline'])
    expect(triples(x)).toEqual(['a,b|x|1|', 'c|x|3|', 'say "hi"|multi\nline|2|'])
  })

  it('switches to string ids mid-file without changing earlier internal ids', () => {
    const x = parse('user,item\n1,10\n2,11\nu3,10\n007,12\n')
    expect(x.userIds.kind).toBe('string')
    expect(x.userIds.toArray()).toEqual(['1', '2', 'u3', '007'])
    expect(x.itemIds.kind).toBe('int')
  })

  it('parses numbers with exponents and signs, and picks columns by name', () => {
    const x = parse('ts,rating,item,user\n1e3,-1.5,7,3\n+20,2.5E0,8,3\n', { columns: { timestamp: 'ts' } })
    expect(Array.from(x.weights!)).toEqual([-1.5, 2.5])
    expect(Array.from(x.times!)).toEqual([1000, 20])
  })

  it('applies minRating without interning the ids of dropped rows', () => {
    const x = parse('user,item,rating\n1,10,5\n1,11,2\n2,12,1\n3,10,4\n', { minRating: 4 })
    expect(triples(x)).toEqual(['1|10|5|', '3|10|4|'])
    expect(x.userIds.toArray()).toEqual([1, 3])
    expect(x.itemIds.toArray()).toEqual([10])
  })

  it('folds duplicates by policy', () => {
    const text = 'user,item,rating,timestamp\n1,10,1,5\n1,10,4,3\n1,10,2,9\n'
    expect(parse(text).weights![0]).toBe(2) // last by time
    expect(parse(text, { duplicates: 'first' }).weights![0]).toBe(4)
    expect(parse(text, { duplicates: 'sum' }).weights![0]).toBe(7)
    expect(parse(text, { duplicates: 'max' }).weights![0]).toBe(4)
  })

  it('maps a test file into the training id space', () => {
    const train = parse('user,item\n1,10\n2,11\n')
    const test = parse('user,item\n2,10\n1,12\n', { userIds: train.userIds, itemIds: train.itemIds })
    expect(test.userIds).toBe(train.userIds)
    expect(test.numUsers).toBe(2)
    expect(test.numItems).toBe(3)
    expect(test.itemIds.external(2)).toBe(12)
    expect(triples(test)).toEqual(['1|12||', '2|10||'])
  })

  it('rejects an unknown test user with unknownUsers: error', () => {
    const train = parse('user,item\n1,10\n2,11\n')
    expectDataError(
      () =>
        parse('user,item\n2,10\n\n9,11\n', { source: 'test.csv', userIds: train.userIds, itemIds: train.itemIds, unknownUsers: 'error' }),
      { source: 'test.csv', line: 4, field: 'user' },
      /unknown user "9"/,
    )
    const strTrain = parse('user,item\na,10\n')
    expectDataError(
      () => parse('user,item\nb,10\n', { source: 'test.csv', userIds: strTrain.userIds, unknownUsers: 'error' }),
      { source: 'test.csv', line: 2, field: 'user' },
      /unknown user "b"/,
    )
  })

  it('rejects a string id when the shared map has integer ids', () => {
    const train = parse('user,item\n1,10\n')
    expectDataError(() => parse('user,item\n1,x\n', { itemIds: train.itemIds }), { line: 2, field: 'item' }, /"x" is not an integer id/)
  })

  describe('bad input names file, line and field', () => {
    it('wrong field count (too few and too many)', () => {
      expectDataError(
        () => parse('userId,movieId,rating\n1,2,3\n1,2\n'),
        { source: 'ratings.csv', line: 3, field: 'rating' },
        /expected 3 fields, found 2/,
      )
      expectDataError(() => parse('userId,movieId,rating\n1,2,3\n1,2,3,4\n'), { line: 3 }, /expected 3 fields, found 4/)
    })
    it('non-numeric rating and timestamp', () => {
      expectDataError(
        () => parse('userId,movieId,rating,timestamp\n1,2,3,4\n1,2,abc,5\n'),
        { line: 3, field: 'rating' },
        /"abc" is not a number/,
      )
      expectDataError(
        () => parse('user,item,rating,timestamp\n1,2,3,yesterday\n'),
        { line: 2, field: 'timestamp' },
        /"yesterday" is not a number/,
      )
      expectDataError(() => parse('1,2,\n'), { line: 1, field: 'rating' }, /empty value/)
      expectDataError(() => parse('1,2,3\n1,2,'), { line: 2, field: 'rating' }, /empty value/)
    })
    it('NaN and infinite ratings', () => {
      expectDataError(() => parse('user,item,rating\n1,2,NaN\n'), { line: 2, field: 'rating' }, /is NaN/)
      expectDataError(() => parse('user,item,rating\n1,2,Infinity\n'), { line: 2, field: 'rating' }, /is infinite/)
      expectDataError(() => parse('user,item,rating\n1,2,1e999\n'), { line: 2, field: 'rating' }, /is infinite/)
    })
    it('missing required columns', () => {
      expectDataError(() => parse('userId,rating\n1,2\n'), { line: 1, field: 'item' }, /missing required column "item"/)
      expectDataError(() => parse('movieId,rating\n1,2\n'), { line: 1, field: 'user' }, /missing required column "user"/)
      expectDataError(() => parse('user,item\n1,2\n', { minRating: 3 }), { line: 1, field: 'rating' }, /rating/)
      expectDataError(() => parse('user,item\n1,2\n', { columns: { timestamp: 'ts' } }), { line: 1, field: 'ts' }, /missing column "ts"/)
    })
    it('empty files', () => {
      expectDataError(() => parse(''), { source: 'ratings.csv', line: 1 }, /empty file/)
      expectDataError(() => parse('\n\r\n'), { source: 'ratings.csv' }, /empty file/)
      expectDataError(() => parse('userId,movieId\n'), { source: 'ratings.csv', line: 2 }, /header but no rows/)
    })
    it('unterminated quote and empty id', () => {
      expectDataError(() => parse('user,item\n"1,2\n'), { line: 2, field: 'user' }, /unterminated/)
      expectDataError(() => parse('user,item\n1,\n'), { line: 2, field: 'item' }, /empty id/)
    })
  })
})

describe('parseInteractions fast path', () => {
  // Rows of plain numbers with a one-byte delimiter take a fast path; anything else falls back to
  // the general field loop, which is the only path for '::'. The same rows written with ',' and
  // with '::' must therefore read alike, errors included: odd fields are mixed in at random.
  const fields = {
    id: ['1', '7', '42', '007', '0', ' 3', 'u9', '"5"', '"a""b"', '1.5', '', '1234567890123456', '99'],
    num: ['4', '3.5', '4.', '.5', '', 'x', '"2"', '1e3', '123456789012345', '1234567890123456', ' 2', '0.25'],
  }
  const pick = (a: string[], r: number): string => (r < 0.8 ? a[Math.floor(r * 10) % 3] : a[Math.floor(((r - 0.8) / 0.2) * a.length)])
  function outcome(text: string, opts: Parameters<typeof parseInteractions>[1] = {}): string {
    try {
      const x = parse(text, opts)
      return JSON.stringify([triples(x), x.userIds.toArray(), x.itemIds.toArray()])
    } catch (e) {
      return `error: ${(e as Error).message}`
    }
  }
  it("reads every row as the general parser does (',' against '::'), valid or not", () => {
    let state = 12345
    const rand = (): number => {
      state = (Math.imul(state, 1103515245) + 12345) >>> 0
      return state / 2 ** 32
    }
    let errors = 0
    for (let trial = 0; trial < 300; trial++) {
      const rows: string[][] = []
      const odd = rand() < 0.5
      for (let r = 0; r < 1 + Math.floor(rand() * 6); r++) {
        const f = [
          String(1 + Math.floor(rand() * 4)),
          String(1 + Math.floor(rand() * 9)),
          String(1 + Math.floor(rand() * 5)),
          String(1_000 + Math.floor(rand() * 100)),
        ]
        if (odd && rand() < 0.3) {
          const k = Math.floor(rand() * 4)
          f[k] = pick(k < 2 ? fields.id : fields.num, rand())
        }
        if (odd && rand() < 0.05) f.push('9')
        if (odd && rand() < 0.05) f.pop()
        rows.push(f)
      }
      const eol = rand() < 0.3 ? '\r\n' : '\n'
      const last = rand() < 0.8 ? eol : ''
      const text = (d: string): string => `user${d}item${d}rating${d}timestamp${eol}` + rows.map((f) => f.join(d)).join(eol) + last
      const a = outcome(text(','), { delimiter: ',' })
      const b = outcome(text('::'), { delimiter: '::' })
      expect(a, text(',')).toBe(b)
      if (a.startsWith('error')) errors++
    }
    // Both outcomes occur: the comparison covered rejections as well as reads.
    expect(errors).toBeGreaterThan(10)
    expect(errors).toBeLessThan(250)
  })
  it('reads a MovieLens ratings file on the fast path, then switches to string ids mid-file', () => {
    const x = parse('userId,movieId,rating,timestamp\n1,30,4.0,964982703\n1,10,3.5,964981247\nu5,10,5,964982224\n2,10,1,9\n')
    expect(triples(x)).toEqual(['1|10|3.5|964981247', '1|30|4|964982703', '2|10|1|9', 'u5|10|5|964982224'])
  })
})

describe('parseCsvRecords', () => {
  it('splits quoted metadata fields', () => {
    const text = 'movieId,title,genres\r\n1,"American President, The (1995)",Comedy|Drama\n2,"Say ""Hi""",\n'
    expect(parseCsvRecords(text)).toEqual([
      ['movieId', 'title', 'genres'],
      ['1', 'American President, The (1995)', 'Comedy|Drama'],
      ['2', 'Say "Hi"', ''],
    ])
    expect(parseCsvRecords('a::b\n', { delimiter: '::' })).toEqual([['a', 'b']])
  })
  it('names file and line of an unterminated quote', () => {
    expectDataError(() => parseCsvRecords('a,b\n1,"x\n', { source: 'movies.csv' }), { source: 'movies.csv', line: 2 }, /unterminated/)
  })
})

function same(a: ArrayLike<number> | undefined, b: ArrayLike<number> | undefined): boolean {
  if (a === undefined || b === undefined) return a === b
  if (a.length !== b.length) return false
  for (let i = 0; i < a.length; i++) if (a[i] !== b[i]) return false
  return true
}

// The straightforward comparator-sort CSR build, kept as the oracle for the radix builder.
/**
 * Builds a user-major CSR from row columns by a two-pass counting sort on users, then a sort of
 * each row by item, then duplicate folding.
 *
 * @returns an {@link Interactions} whose rows are sorted and unique.
 * @remarks O(nnz + numUsers + Σ row·log row); allocates the output arrays plus one permutation.
 */
function referenceBuild(cols: InteractionColumns, opts: BuildOptions = {}): Interactions {
  const n = cols.length ?? cols.users.length
  if (cols.items.length < n) throw new Error(`buildInteractions: items column has ${cols.items.length} rows, expected ${n}`)
  if (cols.weights && cols.weights.length < n) throw new Error('buildInteractions: weights column is shorter than users')
  if (cols.times && cols.times.length < n) throw new Error('buildInteractions: times column is shorter than users')
  const users = cols.users
  const items = cols.items
  let maxU = -1
  let maxI = -1
  for (let r = 0; r < n; r++) {
    const u = users[r]
    const i = items[r]
    if (u < 0 || i < 0) throw new Error(`buildInteractions: negative id at row ${r} (user ${u}, item ${i})`)
    if (u > maxU) maxU = u
    if (i > maxI) maxI = i
  }
  const numUsers = opts.numUsers ?? opts.userIds?.size ?? maxU + 1
  const numItems = opts.numItems ?? opts.itemIds?.size ?? maxI + 1
  if (maxU >= numUsers) throw new Error(`buildInteractions: user id ${maxU} >= numUsers ${numUsers}`)
  if (maxI >= numItems) throw new Error(`buildInteractions: item id ${maxI} >= numItems ${numItems}`)
  const policy = opts.duplicates ?? 'last'

  // Pass 1: counts per user. Pass 2: stable scatter of row indices (keeps file order per user).
  const counts = new Int32Array(numUsers + 1)
  for (let r = 0; r < n; r++) counts[users[r] + 1]++
  for (let u = 0; u < numUsers; u++) counts[u + 1] += counts[u]
  const perm = new Int32Array(n)
  const fill = counts.slice(0, numUsers)
  for (let r = 0; r < n; r++) perm[fill[users[r]]++] = r

  // Sort each row by (item, order) where order is time then row index, so "last" is well defined.
  const times = cols.times
  const w = cols.weights
  const cmp = (a: number, b: number): number => {
    const d = items[a] - items[b]
    if (d !== 0) return d
    if (times) {
      const dt = times[a] - times[b]
      if (dt !== 0) return dt
    }
    return a - b
  }
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    if (e - s > 1) {
      let sorted = true
      for (let j = s + 1; j < e; j++) {
        if (cmp(perm[j - 1], perm[j]) > 0) {
          sorted = false
          break
        }
      }
      if (!sorted) perm.subarray(s, e).sort(cmp)
    }
  }

  // Fold duplicates.
  const indptr = new Int32Array(numUsers + 1)
  const outItems = new Int32Array(n)
  const outW = w ? new Float32Array(n) : undefined
  const outT = times ? new Float64Array(n) : undefined
  let nnz = 0
  for (let u = 0; u < numUsers; u++) {
    const s = counts[u]
    const e = counts[u + 1]
    for (let j = s; j < e; j++) {
      const r = perm[j]
      const it = items[r]
      if (nnz > indptr[u] && outItems[nnz - 1] === it) {
        const o = nnz - 1
        if (policy === 'last') {
          if (outW) outW[o] = w![r]
          if (outT) outT[o] = times![r]
        } else if (policy === 'sum') {
          if (outW) outW[o] += w![r]
          if (outT && times![r] > outT[o]) outT[o] = times![r]
        } else if (policy === 'max') {
          if (outW && w![r] > outW[o]) {
            outW[o] = w![r]
            if (outT) outT[o] = times![r]
          }
        }
        continue
      }
      outItems[nnz] = it
      if (outW) outW[nnz] = w![r]
      if (outT) outT[nnz] = times![r]
      nnz++
    }
    indptr[u + 1] = nnz
  }
  return {
    numUsers,
    numItems,
    indptr,
    items: nnz === n ? outItems : outItems.slice(0, nnz),
    weights: outW ? (nnz === n ? outW : outW.slice(0, nnz)) : undefined,
    times: outT ? (nnz === n ? outT : outT.slice(0, nnz)) : undefined,
    userIds: opts.userIds ?? identityIds(numUsers),
    itemIds: opts.itemIds ?? identityIds(numItems),
  }
}

describe('buildInteractions', () => {
  it('matches the comparator-sort reference for every duplicate policy', () => {
    let s = 7
    const rnd = (n: number): number => {
      s = (Math.imul(s, 1103515245) + 12345) >>> 0
      return s % n
    }
    const n = 5000
    const users = new Int32Array(n)
    const items = new Int32Array(n)
    const weights = new Float32Array(n)
    const times = new Float64Array(n)
    for (let r = 0; r < n; r++) {
      users[r] = rnd(60)
      items[r] = rnd(r % 3 === 0 ? 8 : 300) // many duplicates, some long rows
      weights[r] = rnd(10) / 2
      times[r] = rnd(50)
    }
    for (const duplicates of ['last', 'first', 'sum', 'max'] as const) {
      for (const cols of [
        { users, items, weights, times },
        { users, items, weights },
        { users, items, times },
        { users, items },
      ]) {
        const a = referenceBuild(cols, { duplicates })
        const b = buildInteractions(cols, { duplicates })
        expect(same(b.indptr, a.indptr)).toBe(true)
        expect(same(b.items, a.items)).toBe(true)
        expect(same(b.weights, a.weights)).toBe(true)
        expect(same(b.times, a.times)).toBe(true)
      }
    }
  })
  it('passes sorted unique input through without copying', () => {
    const items = Int32Array.of(0, 2, 1)
    const x = buildInteractions({ users: Int32Array.of(0, 0, 1), items })
    expect(x.items).toBe(items)
    expect(Array.from(x.indptr)).toEqual([0, 2, 3])
    expect(x.userIds).toBeInstanceOf(IdMap)
  })
})
