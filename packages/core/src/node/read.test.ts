import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow'
import * as pw from 'parquet-wasm'
import { DataError } from '../errors.js'
import type { Interactions } from '../contracts.js'
import { parseInteractions } from '../text/parse.js'
import { readInteractionsFile } from './io.js'
import { readInteractions } from './read.js'

const dir = mkdtempSync(join(tmpdir(), 'decoy-read-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** Writes a table as Parquet the way Spark and pyarrow do by default: snappy pages, dictionary encoding. */
function writeParquet(path: string, t: Table, rowGroupRows = 4): void {
  const props = new pw.WriterPropertiesBuilder().setCompression(pw.Compression.SNAPPY).setMaxRowGroupSize(rowGroupRows).build()
  writeFileSync(path, pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream')), props))
}

/** A log with repeated pairs, string and integer ids, unsorted users. */
function sample(n: number): { users: string[]; items: number[]; ratings: Float32Array; times: Float64Array; csv: string } {
  const users: string[] = []
  const items: number[] = []
  const ratings = new Float32Array(n)
  const times = new Float64Array(n)
  let csv = 'user,item,rating,timestamp\n'
  for (let r = 0; r < n; r++) {
    users.push(`u${(r * 7) % 11}`)
    items.push(100 + ((r * 13) % 17))
    ratings[r] = 0.5 * (1 + (r % 10))
    times[r] = 1_600_000_000 + r
    csv += `${users[r]},${items[r]},${ratings[r]},${times[r]}\n`
  }
  return { users, items, ratings, times, csv }
}

function same(a: Interactions, b: Interactions): void {
  expect(a.userIds.toArray()).toEqual(b.userIds.toArray())
  expect(a.itemIds.toArray()).toEqual(b.itemIds.toArray())
  expect(Array.from(a.indptr)).toEqual(Array.from(b.indptr))
  expect(Array.from(a.items)).toEqual(Array.from(b.items))
  expect(Array.from(a.weights ?? [])).toEqual(Array.from(b.weights ?? []))
  expect(Array.from(a.times ?? [])).toEqual(Array.from(b.times ?? []))
}

async function dataError(p: Promise<unknown>): Promise<DataError> {
  try {
    await p
  } catch (e) {
    expect(e).toBeInstanceOf(DataError)
    return e as DataError
  }
  throw new Error('expected a DataError')
}

describe('gzip', () => {
  const s = sample(50)
  const ref = parseInteractions(new TextEncoder().encode(s.csv), { source: 'log.csv' })
  it('reads gzip-compressed CSV like the CSV, by magic bytes whatever the name', async () => {
    writeFileSync(join(dir, 'log.csv.gz'), gzipSync(s.csv))
    writeFileSync(join(dir, 'log-no-ext'), gzipSync(s.csv))
    same(await readInteractions(join(dir, 'log.csv.gz')), ref)
    same(await readInteractions(join(dir, 'log-no-ext')), ref)
    same(readInteractionsFile(join(dir, 'log.csv.gz')), ref)
  })
  it('a truncated gzip file is a DataError naming the file', async () => {
    const z = gzipSync(s.csv)
    writeFileSync(join(dir, 'cut.csv.gz'), z.subarray(0, z.length >> 1))
    const e = await dataError(readInteractions(join(dir, 'cut.csv.gz')))
    expect(e.source).toBe('cut.csv.gz')
    expect(e.message).toMatch(/gzip data is truncated or corrupt/)
    expect(() => readInteractionsFile(join(dir, 'cut.csv.gz'))).toThrow(DataError)
  })
})

describe('Parquet', () => {
  const s = sample(23)
  const ref = parseInteractions(new TextEncoder().encode(s.csv), { source: 'log.csv' })
  const table = tableFromArrays({ user: s.users, item: Int32Array.from(s.items), rating: s.ratings, timestamp: s.times })

  it('a Parquet file of several row groups reads like the same rows as CSV', async () => {
    writeParquet(join(dir, 'log.parquet'), table, 5)
    same(await readInteractions(join(dir, 'log.parquet')), ref)
    // Detected by its PAR1 magic under another name too.
    writeParquet(join(dir, 'log.bin'), table, 5)
    same(await readInteractions(join(dir, 'log.bin')), ref)
  })

  it('a hive-partitioned folder: key=value folders become columns; _SUCCESS and .crc files are skipped', async () => {
    const root = join(dir, 'events')
    const byUser = new Map<string, number[]>()
    s.users.forEach((u, r) => byUser.set(u, [...(byUser.get(u) ?? []), r]))
    for (const [u, rows] of byUser) {
      const sub = join(root, `user=${u}`)
      mkdirSync(sub, { recursive: true })
      const t = tableFromArrays({
        item: Int32Array.from(rows.map((r) => s.items[r])),
        rating: Float32Array.from(rows.map((r) => s.ratings[r])),
        timestamp: Float64Array.from(rows.map((r) => s.times[r])),
      })
      writeParquet(join(sub, 'part-00000-c000.snappy.parquet'), t, 3)
      writeFileSync(join(sub, '.part-00000-c000.snappy.parquet.crc'), 'x')
    }
    writeFileSync(join(root, '_SUCCESS'), '')
    const x = await readInteractions(root)
    // Same pairs, ratings and times as the CSV, in the folder's user order.
    const pairs = (a: Interactions): string[] => {
      const out: string[] = []
      for (let u = 0; u < a.numUsers; u++) {
        for (let j = a.indptr[u]; j < a.indptr[u + 1]; j++)
          out.push(`${a.userIds.toArray()[u]} ${a.itemIds.toArray()[a.items[j]]} ${a.weights![j]} ${a.times![j]}`)
      }
      return out.sort()
    }
    expect(pairs(x)).toEqual(pairs(ref))
  })

  it('string partition values beside string columns (DuckDB/Spark date partitions); a null id names the part file', async () => {
    const root = join(dir, 'by-day')
    mkdirSync(join(root, 'day=2024-01-01'), { recursive: true })
    mkdirSync(join(root, 'day=2024-01-02'), { recursive: true })
    writeParquet(join(root, 'day=2024-01-01', 'data_0.parquet'), tableFromArrays({ user_id: ['a', 'b'], item_id: Int32Array.of(1, 2) }))
    writeParquet(join(root, 'day=2024-01-02', 'data_0.parquet'), tableFromArrays({ user_id: ['a', 'c'], item_id: Int32Array.of(3, 4) }))
    const x = await readInteractions(root)
    expect(x.userIds.toArray()).toEqual(['a', 'b', 'c'])
    expect(Array.from(x.indptr)).toEqual([0, 2, 3, 4])
    writeParquet(join(root, 'day=2024-01-02', 'data_1.parquet'), tableFromArrays({ user_id: ['d', null], item_id: Int32Array.of(5, 6) }))
    const e = await dataError(readInteractions(root))
    expect(e.message).toBe('by-day/day=2024-01-02/data_1.parquet row group 0, row 1, field "user_id": null id')
  })

  it('a null id is a DataError naming the file, the row group and the row', async () => {
    const users = s.users.slice(0, 10) as (string | null)[]
    users[7] = null // row group 1 (rows 5..9), row 2
    const t = tableFromArrays({ user: users, item: Int32Array.from(s.items.slice(0, 10)) })
    writeParquet(join(dir, 'nulls.parquet'), t, 5)
    const e = await dataError(readInteractions(join(dir, 'nulls.parquet')))
    expect([e.source, e.rowGroup, e.row, e.field]).toEqual(['nulls.parquet', 1, 2, 'user'])
    expect(e.message).toBe('nulls.parquet row group 1, row 2, field "user": null id')
  })

  it('a rating beyond float32 in a double column names the row group and row', async () => {
    const r = Float64Array.from(s.ratings.slice(0, 10))
    r[6] = 1e39
    writeParquet(
      join(dir, 'big.parquet'),
      tableFromArrays({ user: s.users.slice(0, 10), item: Int32Array.from(s.items.slice(0, 10)), rating: r }),
      5,
    )
    const e = await dataError(readInteractions(join(dir, 'big.parquet')))
    expect([e.rowGroup, e.row, e.field]).toEqual([1, 1, 'rating'])
    expect(e.message).toMatch(/beyond the range of a 32-bit float/)
  })

  it('a truncated or corrupt Parquet file is a DataError naming it', async () => {
    writeParquet(join(dir, 'whole.parquet'), table, 5)
    const bytes = pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(table, 'stream')))
    writeFileSync(join(dir, 'cut.parquet'), bytes.subarray(0, bytes.length - 20))
    const e = await dataError(readInteractions(join(dir, 'cut.parquet')))
    expect(e.source).toBe('cut.parquet')
    const flipped = bytes.slice()
    for (let k = 8; k < 40; k++) flipped[k] ^= 0x5a // page header and data of the first column chunk
    writeFileSync(join(dir, 'flip.parquet'), flipped)
    const f = await dataError(readInteractions(join(dir, 'flip.parquet')))
    expect(f.source).toBe('flip.parquet')
    const empty = join(dir, 'empty-dir')
    mkdirSync(empty)
    expect((await dataError(readInteractions(empty))).message).toMatch(/no Parquet files/)
  })
})
