/**
 * Issue 19, classes "Numbers" and "Text and formats" (reader side): each case that used to give a
 * silent result or a library message is a DataError naming the file, the line (or record batch and
 * row) and the field.
 */
import { describe, expect, it } from 'vitest'
import { makeData, RecordBatch, Schema, Field, Struct, Utf8, Int32, tableFromArrays } from 'apache-arrow'
import { DataError, parseInteractions } from '@decoy/core'
import { interactionsFromArrow, readArrowIpc, writeArrowIpc } from '@decoy/core/arrow'

const enc = new TextEncoder()

function dataError(fn: () => unknown): DataError {
  try {
    fn()
  } catch (e) {
    if (!(e instanceof DataError)) throw new Error(`expected a DataError, got ${String(e)}`)
    return e
  }
  throw new Error('expected a DataError, nothing was thrown')
}

describe('numbers', () => {
  it('a rating beyond float32 is an error naming file, line and field, not a silent Infinity', () => {
    for (const v of ['1e39', '-4e38', '340282356779733661637539395458142568448']) {
      const e = dataError(() => parseInteractions(enc.encode(`user,item,rating\n1,2,4\n3,4,${v}\n`), { source: 'r.csv' }))
      expect([e.source, e.line, e.field]).toEqual(['r.csv', 3, 'rating'])
      expect(e.message).toMatch(/beyond the range of a 32-bit float/)
    }
    // The largest float32 itself, and values that round to it, are kept.
    const x = parseInteractions(enc.encode('user,item,rating\n1,2,3.4028234e38\n'), { source: 'r.csv' })
    expect(x.weights![0]).toBe(Math.fround(3.4028234e38))
  })

  it('NaN and infinity text are errors (a minRating filter does not hide them)', () => {
    for (const v of ['NaN', 'nan', 'Infinity', '-inf', '1e400']) {
      const e = dataError(() => parseInteractions(enc.encode(`user,item,rating\n1,2,${v}\n`), { source: 'r.csv', minRating: 3 }))
      expect([e.line, e.field]).toEqual([2, 'rating'])
    }
  })

  it('an Arrow double rating beyond float32 names the batch and row', () => {
    const t = tableFromArrays({ user: Int32Array.of(1, 2, 3), item: Int32Array.of(1, 1, 1), rating: Float64Array.of(1, 2, 5e38) })
    const e = dataError(() => interactionsFromArrow(t, { source: 'r.arrow' }))
    expect([e.source, e.batch, e.row, e.field]).toEqual(['r.arrow', 0, 2, 'rating'])
    expect(e.message).toMatch(/5e\+38 is beyond the range of a 32-bit float/)
  })
})

describe('text and formats', () => {
  it('invalid UTF-8 in ids is rejected naming the line (it used to merge two users)', () => {
    const bytes = new Uint8Array([...enc.encode('user,item\nab,1\n'), 0x75, 0xff, 0x2c, 0x31, 0x0a, 0x75, 0xfe, 0x2c, 0x32, 0x0a])
    const e = dataError(() => parseInteractions(bytes, { source: 'r.csv' }))
    expect([e.source, e.line, e.field]).toEqual(['r.csv', 3, 'user'])
    expect(e.message).toMatch(/not valid UTF-8/)
    // Valid multi-byte UTF-8 ids stay distinct.
    const ok = parseInteractions(enc.encode('user,item\nü,1\né,1\n'), { source: 'r.csv' })
    expect(ok.userIds.toArray()).toEqual(['ü', 'é'])
  })

  it('invalid UTF-8 in an Arrow string id column names batch and row', () => {
    const bytes = Uint8Array.of(0x61, 0x62, 0x75, 0xff)
    const user = makeData({ type: new Utf8(), length: 2, nullCount: 0, valueOffsets: Int32Array.of(0, 2, 4), data: bytes })
    const item = makeData({ type: new Int32(), length: 2, nullCount: 0, data: Int32Array.of(1, 2) })
    const fields = [new Field('user', new Utf8(), false), new Field('item', new Int32(), false)]
    const batch = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: 2, nullCount: 0, children: [user, item] }),
    )
    const e = dataError(() => interactionsFromArrow(batch, { source: 'r.arrow' }))
    expect([e.batch, e.row, e.field]).toEqual([0, 1, 'user'])
  })

  it('a header or schema naming the same column twice is an error', () => {
    const e = dataError(() => parseInteractions(enc.encode('user,item,rating,User\n1,2,3,4\n'), { source: 'r.csv' }))
    expect([e.line, e.field]).toEqual([1, 'User'])
    expect(e.message).toMatch(/names column "User" twice \(fields 1 and 4\)/)
    const fields = [new Field('user', new Int32(), false), new Field('item', new Int32(), false), new Field('user', new Int32(), false)]
    const col = makeData({ type: new Int32(), length: 1, nullCount: 0, data: Int32Array.of(1) })
    const batch = new RecordBatch(
      new Schema(fields),
      makeData({ type: new Struct(fields), length: 1, nullCount: 0, children: [col, col, col] }),
    )
    expect(dataError(() => interactionsFromArrow(batch, { source: 'r.arrow' })).message).toMatch(/names column "user" twice/)
  })

  it('Arrow library messages become a DataError naming the file (truncated, corrupt)', () => {
    const t = tableFromArrays({ user: ['a', 'b', 'c'], item: Int32Array.of(1, 2, 3) })
    const bytes = writeArrowIpc(t, 'file')
    for (let k = 8; k < bytes.length; k += 3) {
      const e = dataError(() => readArrowIpc(bytes.subarray(0, k), { source: 'r.arrow' }))
      expect(e.source).toBe('r.arrow')
      expect(e.message).not.toMatch(/Cannot read properties|fieldsLength/)
    }
    // A stream cut at a message boundary is a shorter valid stream; cut elsewhere, it is an error.
    const stream = writeArrowIpc(t, 'stream')
    for (let k = 8; k < stream.length; k += 3) {
      try {
        readArrowIpc(stream.subarray(0, k), { source: 'r.arrows' })
      } catch (e) {
        expect(e).toBeInstanceOf(DataError)
        expect((e as DataError).source).toBe('r.arrows')
      }
    }
    // The file footer's truncation, which the library reported as "Cannot read properties of null (reading 'fieldsLength')".
    const file = writeArrowIpc(t, 'file')
    expect(dataError(() => readArrowIpc(file.subarray(0, file.length - 3), { source: 'r.arrow' })).message).toMatch(/truncated/)
  })

  it('a corrupt count in Arrow metadata fails fast instead of looping (it hung the library)', () => {
    const t = tableFromArrays({ user: Int32Array.of(1, 2, 3), item: Int32Array.of(4, 5, 6) })
    for (const format of ['file', 'stream'] as const) {
      const bytes = writeArrowIpc(t, format)
      for (let k = 0; k < bytes.length; k++) {
        const d = bytes.slice()
        d[k] ^= 0xff
        try {
          readArrowIpc(d, { source: 'r.arrow' })
        } catch (e) {
          expect(e).toBeInstanceOf(DataError)
        }
      }
    }
  })
})
