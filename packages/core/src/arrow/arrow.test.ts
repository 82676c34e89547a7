import { describe, expect, it } from 'vitest'
import {
  Dictionary,
  Int32,
  RecordBatch,
  Table,
  TimestampMillisecond,
  Utf8,
  makeVector,
  tableFromArrays,
  tableToIPC,
  vectorFromArray,
} from 'apache-arrow'
import { DataError, buildInteractions, type Interactions } from '@decoy/core'
import { interactionsFromArrow, interactionsToArrow, isArrowIpc, readArrowIpc, writeArrowIpc } from '@decoy/core/arrow'

function triples(x: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      out.push(`${x.userIds.external(u)}|${x.itemIds.external(x.items[j])}|${x.weights ? x.weights[j] : ''}|${x.times ? x.times[j] : ''}`)
    }
  }
  return out.sort()
}

function catchData(fn: () => unknown): DataError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(DataError)
    return e as DataError
  }
  throw new Error('expected a DataError')
}

describe('interactionsFromArrow', () => {
  it('builds the CSR from integer id columns', () => {
    const t = tableFromArrays({
      userId: Int32Array.of(7, 7, 3, 7),
      movieId: Int32Array.of(20, 10, 10, 30),
      rating: Float32Array.of(4, 3.5, 5, 1),
      timestamp: Float64Array.of(100, 90, 80, 110),
    })
    const x = interactionsFromArrow(t)
    expect(x.userIds.toArray()).toEqual([7, 3])
    expect(x.itemIds.toArray()).toEqual([20, 10, 30])
    expect(Array.from(x.indptr)).toEqual([0, 3, 4])
    expect(Array.from(x.items)).toEqual([0, 1, 2, 1])
    expect(triples(x)).toEqual(['3|10|5|80', '7|10|3.5|90', '7|20|4|100', '7|30|1|110'])
  })

  it('uses dictionary indices of string ids directly, with the IdMap from the dictionary', () => {
    const dictType = new Dictionary(new Utf8(), new Int32())
    const user = vectorFromArray(['ann', 'ann', 'bob', 'cy'], dictType)
    const item = vectorFromArray(['x', 'y', 'x', 'z'], new Dictionary(new Utf8(), new Int32()))
    const x = interactionsFromArrow(new Table({ user, item }))
    expect(x.userIds.kind).toBe('string')
    expect(x.userIds.toArray()).toEqual(['ann', 'bob', 'cy'])
    expect(x.itemIds.toArray()).toEqual(['x', 'y', 'z'])
    expect(Array.from(x.indptr)).toEqual([0, 2, 3, 4])
    expect(Array.from(x.items)).toEqual([0, 1, 0, 2])
    // Zero-copy: sorted single-batch input keeps the Arrow index buffer as the items column.
    expect(x.items.buffer).toBe(item.data[0].values.buffer)
  })

  it('reads plain strings, int64 ids, float64 ratings and millisecond timestamps', () => {
    const t = new Table({
      user: vectorFromArray(['a', 'b', 'a'], new Utf8()),
      item: makeVector(BigInt64Array.of(5n, 6n, 7n)),
      rating: makeVector(Float64Array.of(1, 2, 3)),
      time: vectorFromArray([1000, 2000, 3000], new TimestampMillisecond()),
    })
    const x = interactionsFromArrow(t)
    expect(triples(x)).toEqual(['a|5|1|1', 'a|7|3|3', 'b|6|2|2'])
  })

  it('maps several batches and a second file into a shared id space', () => {
    const b1 = tableFromArrays({ user: Int32Array.of(1, 2), item: Int32Array.of(10, 11) }).batches[0]
    const b2 = tableFromArrays({ user: Int32Array.of(2, 3), item: Int32Array.of(12, 10) }).batches[0]
    const train = interactionsFromArrow([b1, b2])
    expect(triples(train)).toEqual(['1|10||', '2|11||', '2|12||', '3|10||'])
    const test = interactionsFromArrow(tableFromArrays({ user: Int32Array.of(3), item: Int32Array.of(99) }), {
      userIds: train.userIds,
      itemIds: train.itemIds,
      unknownUsers: 'error',
    })
    expect(test.numItems).toBe(4)
    const e = catchData(() =>
      interactionsFromArrow([b1, tableFromArrays({ user: Int32Array.of(2, 8), item: Int32Array.of(1, 1) }).batches[0]], {
        source: 'test.arrow',
        userIds: train.userIds,
        unknownUsers: 'error',
      }),
    )
    expect([e.source, e.batch, e.row, e.field]).toEqual(['test.arrow', 1, 1, 'user'])
    expect(e.message).toBe(
      'test.arrow record batch 1, row 1, field "user": unknown user "8": it does not occur in the shared user ids (e.g. the training data)',
    )
  })

  it('applies minRating', () => {
    const t = tableFromArrays({ user: Int32Array.of(1, 1, 2), item: Int32Array.of(1, 2, 3), rating: Float32Array.of(5, 2, 4) })
    expect(triples(interactionsFromArrow(t, { minRating: 4 }))).toEqual(['1|1|5|', '2|3|4|'])
  })

  describe('bad input names batch, row and field', () => {
    it('missing column', () => {
      const e = catchData(() => interactionsFromArrow(tableFromArrays({ user: Int32Array.of(1) }), { source: 'x.arrow' }))
      expect(e.field).toBe('item')
      expect(e.message).toMatch(/^x\.arrow record batch 0, field "item": missing required column "item"/)
    })
    it('NaN and infinite ratings', () => {
      const t = tableFromArrays({ user: Int32Array.of(1, 2, 3), item: Int32Array.of(1, 2, 3), rating: Float32Array.of(1, NaN, 2) })
      const e = catchData(() => interactionsFromArrow(t, { source: 'r.arrow' }))
      expect([e.batch, e.row, e.field]).toEqual([0, 1, 'rating'])
      expect(e.message).toMatch(/NaN/)
      const t2 = tableFromArrays({ user: Int32Array.of(1, 2), item: Int32Array.of(1, 2), rating: Float64Array.of(1, Infinity) })
      expect(catchData(() => interactionsFromArrow(t2)).message).toMatch(/row 1, field "rating": Infinity is infinite/)
    })
    it('null ids', () => {
      const user = vectorFromArray([1, null, 3], new Int32())
      const e = catchData(() => interactionsFromArrow(new Table({ user, item: makeVector(Int32Array.of(1, 2, 3)) })))
      expect([e.batch, e.row, e.field]).toEqual([0, 1, 'user'])
      expect(e.message).toMatch(/null id/)
    })
    it('ids of an unsupported type', () => {
      const t = new Table({ user: vectorFromArray([true, false]), item: makeVector(Int32Array.of(1, 2)) })
      expect(catchData(() => interactionsFromArrow(t)).message).toMatch(/field "user": column type Bool cannot hold ids/)
    })
    it('not Arrow, and truncated IPC', () => {
      expect(catchData(() => readArrowIpc(new TextEncoder().encode('user,item\n1,2\n'), { source: 'a.arrow' })).message).toMatch(
        /^a\.arrow: not an Arrow IPC/,
      )
      const bytes = writeArrowIpc(tableFromArrays({ user: Int32Array.of(1), item: Int32Array.of(2) }), 'stream')
      const e = catchData(() => readArrowIpc(bytes.subarray(0, bytes.length - 40), { source: 'cut.arrows' }))
      expect(e.source).toBe('cut.arrows')
    })
  })
})

describe('Arrow IPC round trip', () => {
  const x = buildInteractions(
    {
      users: Int32Array.of(0, 0, 1, 2, 2, 2),
      items: Int32Array.of(3, 1, 0, 2, 3, 0),
      weights: Float32Array.of(1, 2, 3, 4, 5, 0.5),
      times: Float64Array.of(10, 20, 30, 40, 50, 60),
    },
    { numItems: 5 },
  )

  for (const format of ['file', 'stream'] as const) {
    for (const ids of ['dictionary', 'plain'] as const) {
      it(`${format} format, ${ids} ids`, () => {
        const bytes = writeArrowIpc(interactionsToArrow(x, { ids }), format)
        expect(isArrowIpc(bytes)).toBe(true)
        const y = readArrowIpc(bytes, { source: `t.${format}` })
        expect(triples(y)).toEqual(triples(x))
        if (ids === 'dictionary') {
          // Dictionary ids restore the internal ids exactly, including the item without interactions.
          expect(y.numItems).toBe(5)
          expect(Array.from(y.items)).toEqual(Array.from(x.items))
          expect(Array.from(y.indptr)).toEqual(Array.from(x.indptr))
        }
      })
    }
  }

  it('reads several record batches of a stream written by another writer', () => {
    const t1 = tableFromArrays({ user: Int32Array.of(1, 2), item: Int32Array.of(5, 6), rating: Float32Array.of(1, 2) })
    const t2 = tableFromArrays({ user: Int32Array.of(1), item: Int32Array.of(7), rating: Float32Array.of(3) })
    const table = new Table([...t1.batches, ...t2.batches] as RecordBatch[])
    const y = readArrowIpc(tableToIPC(table, 'stream'))
    expect(triples(y)).toEqual(['1|5|1|', '1|7|3|', '2|6|2|'])
  })

  it('writes Float32 ratings, Float64 times and Int32 plain ids', () => {
    const t = interactionsToArrow(x, { ids: 'plain' })
    expect(t.schema.fields.map((f) => `${f.name}:${String(f.type)}`)).toEqual([
      'user:Int32',
      'item:Int32',
      'rating:Float32',
      'timestamp:Float64',
    ])
  })
})
