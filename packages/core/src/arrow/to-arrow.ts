import {
  Dictionary,
  Int32,
  RecordBatchReader,
  type RecordBatch,
  Table,
  Utf8,
  makeData,
  makeVector,
  tableToIPC,
  vectorFromArray,
  type Vector,
} from 'apache-arrow'
import type { Interactions } from '../contracts.js'
import { DataError } from '../errors.js'
import type { IdMap } from '../id-map.js'
import { interactionsFromArrow, type ArrowReadOptions } from './from-arrow.js'
import { checkIpcFile, checkIpcStream } from './ipc-check.js'

/** Options of {@link interactionsToArrow}. */
export interface ToArrowOptions {
  /**
   * `'dictionary'` (default): id columns are dictionary-encoded with the `IdMap` as dictionary and
   * internal ids as indices, so reading back restores the same internal ids (even of users or items
   * without interactions). `'plain'`: Int32 (or Float64 beyond int32) / Utf8 external ids, for
   * tools that do not read dictionaries.
   */
  ids?: 'dictionary' | 'plain'
}

/**
 * Converts interactions to an Arrow table with columns `user`, `item`, then `rating` (Float32,
 * from `weights`) and `timestamp` (Float64 seconds, from `times`) when present, one row per stored
 * interaction in user-major order.
 *
 * @param x - the interactions.
 * @param opts - id encoding.
 * @returns a single-batch `Table`.
 * @example
 * ```ts
 * const bytes = writeArrowIpc(interactionsToArrow(train), 'file')
 * ```
 * @remarks O(nnz); the item, weight and time columns are views of `x`'s arrays (no copy); the
 * user column is materialised (COO).
 */
export function interactionsToArrow(x: Interactions, opts: ToArrowOptions = {}): Table {
  const n = x.indptr[x.numUsers]
  const users = new Int32Array(n)
  for (let u = 0; u < x.numUsers; u++) users.fill(u, x.indptr[u], x.indptr[u + 1])
  const items = x.items.length === n ? x.items : x.items.subarray(0, n)
  const cols: Record<string, Vector> = {
    user: idVector(users, x.userIds, opts.ids ?? 'dictionary', 0),
    item: idVector(items, x.itemIds, opts.ids ?? 'dictionary', 1),
  }
  if (x.weights) cols.rating = makeVector(x.weights.subarray(0, n))
  if (x.times) cols.timestamp = makeVector(x.times.subarray(0, n))
  return new Table(cols)
}

// `dictId` is fixed per column: apache-arrow otherwise numbers dictionaries from a global counter,
// so writing the same interactions twice gave different IPC bytes.
function idVector(ids: Int32Array, map: IdMap, mode: 'dictionary' | 'plain', dictId: number): Vector {
  const ext = map.toArray()
  let intOk = map.kind === 'int'
  if (intOk) {
    for (let i = 0; i < ext.length; i++) {
      const v = ext[i] as number
      if ((v | 0) !== v) {
        intOk = false
        break
      }
    }
  }
  if (mode === 'dictionary') {
    const dictionary =
      map.kind === 'int'
        ? intOk
          ? makeVector(Int32Array.from(ext as number[]))
          : makeVector(Float64Array.from(ext as number[]))
        : vectorFromArray(ext as string[], new Utf8())
    const type = new Dictionary(dictionary.type, new Int32(), dictId)
    return makeVector(makeData({ type, length: ids.length, nullCount: 0, data: ids, dictionary }))
  }
  if (map.kind === 'int') {
    const out = intOk ? new Int32Array(ids.length) : new Float64Array(ids.length)
    for (let r = 0; r < ids.length; r++) out[r] = ext[ids[r]] as number
    return makeVector(out)
  }
  const strs: string[] = new Array(ids.length)
  for (let r = 0; r < ids.length; r++) strs[r] = ext[ids[r]] as string
  return vectorFromArray(strs, new Utf8())
}

/**
 * Serialises a table as uncompressed Arrow IPC, the `'file'` format (random access, `.arrow`) or
 * the `'stream'` format (`.arrows`). Uncompressed is deliberate: it is what every Arrow reader
 * accepts without a codec.
 *
 * @param table - the table (e.g. from {@link interactionsToArrow}).
 * @param format - `'file'` (default) or `'stream'`.
 * @returns the IPC bytes.
 * @example
 * ```ts
 * writeFileSync('train.arrow', writeArrowIpc(interactionsToArrow(train), 'file'))
 * ```
 * @remarks Allocates the output buffer; O(table bytes).
 */
export function writeArrowIpc(table: Table, format: 'file' | 'stream' = 'file'): Uint8Array {
  if (format !== 'file' && format !== 'stream')
    throw new Error(`writeArrowIpc: format must be 'file' or 'stream', got ${JSON.stringify(format)}`)
  return tableToIPC(table, format, null)
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31] // "ARROW1"

/**
 * True when `bytes` start like Arrow IPC: the file magic `ARROW1`, or a stream's first message
 * (continuation marker `0xFFFFFFFF`).
 */
export function isArrowIpc(bytes: Uint8Array): boolean {
  if (bytes.length >= 6) {
    let magic = true
    for (let i = 0; i < 6; i++) if (bytes[i] !== MAGIC[i]) magic = false
    if (magic) return true
  }
  return bytes.length >= 8 && bytes[0] === 0xff && bytes[1] === 0xff && bytes[2] === 0xff && bytes[3] === 0xff
}

/**
 * Reads interactions from Arrow IPC bytes in either the file or the stream format, one record
 * batch at a time (`RecordBatchReader`), into a CSR.
 *
 * @param bytes - IPC file or stream bytes.
 * @param opts - as for {@link interactionsFromArrow}; `source` names the input in errors.
 * @returns the interactions.
 * @throws {@link @decoy/core!index.DataError | DataError} naming the source (and record batch, row and field where known) for
 * bytes that are not Arrow IPC, a corrupt or compressed stream without a registered codec, and
 * every error of `interactionsFromArrow`.
 * @example
 * ```ts
 * const train = readArrowIpc(readFileSync('train.arrow'), { source: 'train.arrow' })
 * ```
 * @remarks O(bytes); record batch bodies are not copied by the reader, so single-batch
 * zero-copy columns stay views of `bytes`.
 */
export function readArrowIpc(bytes: Uint8Array, opts: ArrowReadOptions = {}): Interactions {
  const source = opts.source ?? '<arrow>'
  return interactionsFromArrow(arrowIpcBatches(bytes, source), opts)
}

/**
 * The record batches of Arrow IPC bytes (file or stream format), read lazily; any failure inside
 * the Arrow library becomes a {@link @decoy/core!index.DataError | DataError} naming the source and the record batch.
 *
 * The framing and metadata are checked first (`ipc-check.ts`): the library trusts them, and a
 * corrupt count made it loop or exhaust memory.
 *
 * @param bytes - IPC file or stream bytes.
 * @param source - name of the input in errors.
 * @returns an iterable of record batches.
 * @throws {@link @decoy/core!index.DataError | DataError} for bytes that are not Arrow IPC, or a truncated or corrupt file.
 */
export function arrowIpcBatches(bytes: Uint8Array, source: string): Iterable<RecordBatch> {
  if (!isArrowIpc(bytes)) throw new DataError('not an Arrow IPC file or stream (no ARROW1 magic, no stream message)', { source })
  if (bytes[0] === MAGIC[0]) checkIpcFile(bytes, source)
  else checkIpcStream(bytes, source)
  let reader: RecordBatchReader
  try {
    reader = RecordBatchReader.from(bytes) as RecordBatchReader
    // biome-ignore lint/nursery/noFloatingPromises: a reader over bytes opens synchronously; isAsync() is checked next
    reader.open()
    if (reader.isAsync()) throw new Error('the reader is asynchronous')
  } catch (e) {
    throw arrowFailure(e, source)
  }
  let b = 0
  return {
    [Symbol.iterator]() {
      return {
        next(): IteratorResult<RecordBatch> {
          let r: IteratorResult<RecordBatch>
          try {
            r = reader.next() as IteratorResult<RecordBatch>
          } catch (e) {
            throw arrowFailure(e, source, b)
          }
          if (!r.done) b++
          return r
        },
      }
    },
  }
}

/** @internal A failure inside the Arrow library, in plain terms (its messages name its internals). */
export function arrowFailure(e: unknown, source: string, batch?: number): DataError {
  if (e instanceof DataError) return e
  const msg = e instanceof Error ? e.message : String(e)
  const where = batch === undefined ? { source } : { source, batch }
  return new DataError(`the Arrow IPC data is truncated or corrupt (${msg})`, where)
}

/**
 * A single-batch Arrow table from named typed-array columns (each used without copying), e.g. a
 * raw interaction log to export or to feed {@link interactionsFromArrow}.
 *
 * @param columns - column name → `Int32Array`, `Float32Array`, `Float64Array`, ... of equal length.
 * @returns the table.
 * @example
 * ```ts
 * const t = arrowTableFromColumns({ user: Int32Array.of(1, 2), item: Int32Array.of(5, 5) })
 * ```
 */
export function arrowTableFromColumns(
  columns: Record<string, Int8Array | Int16Array | Int32Array | Uint8Array | Uint16Array | Uint32Array | Float32Array | Float64Array>,
): Table {
  const cols: Record<string, Vector> = {}
  let len = -1
  for (const name of Object.keys(columns)) {
    const a = columns[name]
    if (len >= 0 && a.length !== len) throw new Error(`arrowTableFromColumns: column "${name}" has ${a.length} rows, expected ${len}`)
    len = a.length
    cols[name] = makeVector(a)
  }
  return new Table(cols)
}
