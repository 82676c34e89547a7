/**
 * Issue 19, class "Fuzzing": property-based tests (fast-check) of the Arrow IPC, gzip and Parquet
 * readers. Valid files of small random logs are cut short, have bytes flipped or random bytes
 * spliced in; each result is a well-formed log or a DataError, never another exception or a hang.
 * Seeds are fixed, so a failure reproduces.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import fc from 'fast-check'
import { tableFromArrays, tableToIPC, type Table } from 'apache-arrow'
import * as pw from 'parquet-wasm'
import { DataError } from '../errors.js'
import type { Interactions } from '../contracts.js'
import { readArrowIpc, writeArrowIpc } from '../arrow/to-arrow.js'
import { readInteractionsFile } from './io.js'
import { readInteractions } from './read.js'

const dir = mkdtempSync(join(tmpdir(), 'decoy-fuzz-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

/** A small random log as an Arrow table: integer or string users, optional float ratings. */
const table: fc.Arbitrary<Table> = fc
  .record({
    n: fc.integer({ min: 1, max: 12 }),
    stringUsers: fc.boolean(),
    rating: fc.boolean(),
    seed: fc.nat(1000),
  })
  .map(({ n, stringUsers, rating, seed }) => {
    const u = Array.from({ length: n }, (_, r) => (r * 7 + seed) % 5)
    const cols: Record<string, unknown> = {
      user: stringUsers ? u.map((v) => `u${v}`) : Int32Array.from(u),
      item: Int32Array.from({ length: n }, (_, r) => (r * 3 + seed) % 7),
    }
    if (rating) cols.rating = Float32Array.from({ length: n }, (_, r) => 1 + ((r + seed) % 5))
    return tableFromArrays(cols as Parameters<typeof tableFromArrays>[0])
  })

/** One way to damage a file: cut it, flip bytes, or splice in random bytes. */
type Damage =
  | { kind: 'cut'; at: number }
  | { kind: 'flip'; at: number[]; v: number }
  | { kind: 'splice'; at: number; bytes: Uint8Array }
  | { kind: 'none' }
const damage: fc.Arbitrary<Damage> = fc.oneof(
  fc.record({ kind: fc.constant('cut' as const), at: fc.nat() }),
  fc.record({
    kind: fc.constant('flip' as const),
    at: fc.array(fc.nat(), { minLength: 1, maxLength: 3 }),
    v: fc.integer({ min: 1, max: 255 }),
  }),
  fc.record({ kind: fc.constant('splice' as const), at: fc.nat(), bytes: fc.uint8Array({ minLength: 1, maxLength: 16 }) }),
  fc.constant({ kind: 'none' as const }),
)

function apply(b: Uint8Array, d: Damage): Uint8Array {
  if (d.kind === 'none' || b.length === 0) return b
  if (d.kind === 'cut') return b.slice(0, d.at % b.length)
  if (d.kind === 'flip') {
    const out = b.slice()
    for (const a of d.at) out[a % out.length] ^= d.v
    return out
  }
  const at = d.at % b.length
  const out = new Uint8Array(b.length + d.bytes.length)
  out.set(b.subarray(0, at))
  out.set(d.bytes, at)
  out.set(b.subarray(at), at + d.bytes.length)
  return out
}

/** Structural invariants every successfully read log satisfies. */
function checkWellFormed(x: Interactions): void {
  expect(x.indptr.length).toBe(x.numUsers + 1)
  expect(x.indptr[0]).toBe(0)
  for (let u = 0; u < x.numUsers; u++) {
    expect(x.indptr[u + 1]).toBeGreaterThanOrEqual(x.indptr[u])
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      expect(x.items[j] >= 0 && x.items[j] < x.numItems).toBe(true)
      if (j > x.indptr[u]) expect(x.items[j]).toBeGreaterThan(x.items[j - 1])
      if (x.weights) expect(Number.isFinite(x.weights[j])).toBe(true)
    }
  }
  expect(x.userIds.size).toBe(x.numUsers)
  expect(x.itemIds.size).toBe(x.numItems)
}

function parsesOrDataError(read: () => Interactions): void {
  let x: Interactions
  try {
    x = read()
  } catch (e) {
    if (!(e instanceof DataError)) throw e
    return
  }
  checkWellFormed(x)
}

async function parsesOrDataErrorAsync(read: () => Promise<Interactions>): Promise<void> {
  let x: Interactions
  try {
    x = await read()
  } catch (e) {
    if (!(e instanceof DataError)) throw e
    return
  }
  checkWellFormed(x)
}

describe('fuzz: Arrow IPC reader', () => {
  it('damaged IPC files and streams: a well-formed log or a DataError', () => {
    fc.assert(
      fc.property(table, fc.constantFrom('file' as const, 'stream' as const), damage, (t, format, d) => {
        const bytes = apply(writeArrowIpc(t, format), d)
        parsesOrDataError(() => readArrowIpc(bytes, { source: 'fuzz.arrow' }))
      }),
      { numRuns: 1500, seed: 42 },
    )
  })
})

describe('fuzz: gzip', () => {
  it('damaged gzip of text: a well-formed log or a DataError (synchronous and streamed readers)', async () => {
    let k = 0
    await fc.assert(
      fc.asyncProperty(table, damage, async (t, d) => {
        const csv = ['user,item', ...Array.from({ length: t.numRows }, (_, r) => `${t.get(r)!.user},${t.get(r)!.item}`)].join('\n')
        const bytes = apply(gzipSync(csv), d)
        const path = join(dir, `f${k++ % 4}.csv.gz`)
        writeFileSync(path, bytes)
        parsesOrDataError(() => readInteractionsFile(path))
        await parsesOrDataErrorAsync(() => readInteractions(path))
      }),
      { numRuns: 400, seed: 43 },
    )
  })
})

describe('fuzz: Parquet reader', () => {
  it('damaged Parquet files: a well-formed log or a DataError', async () => {
    let k = 0
    await fc.assert(
      fc.asyncProperty(table, fc.boolean(), damage, async (t, snappy, d) => {
        const props = new pw.WriterPropertiesBuilder()
          .setCompression(snappy ? pw.Compression.SNAPPY : pw.Compression.UNCOMPRESSED)
          .setMaxRowGroupSize(4)
          .build()
        const bytes = apply(pw.writeParquet(pw.Table.fromIPCStream(tableToIPC(t, 'stream')), props), d)
        const path = join(dir, `f${k++ % 4}.parquet`)
        writeFileSync(path, bytes)
        await parsesOrDataErrorAsync(() => readInteractions(path))
      }),
      { numRuns: 400, seed: 44 },
    )
  })
})
