import { createReadStream, openSync, readSync, closeSync, statSync } from 'node:fs'
import { basename, dirname, extname } from 'node:path'
import { createGunzip } from 'node:zlib'
import { ArrowLogBuilder, type ArrowReadOptions } from '../arrow/from-arrow.js'
import { isArrowIpc, readArrowIpc } from '../arrow/to-arrow.js'
import type { Interactions } from '../contracts.js'
import { DataError } from '../errors.js'
import { TextLogReader, type ParseOptions } from '../text/parse.js'
import { settleFileSets } from './file-set.js'
import { isParquet, listParquetParts, parquetBatches } from './parquet.js'

/** Input formats {@link readInteractions} knows; gzip is not one: it is detected and undone first. */
export type InteractionFormat = 'text' | 'arrow' | 'parquet'

/** Options of {@link readInteractions}: text options, which Arrow and Parquet inputs share where they apply. */
export interface ReadOptions extends ParseOptions {
  /** Force the format instead of detecting it from the magic bytes and the extension. */
  format?: InteractionFormat
}

const ARROW_EXT = new Set(['.arrow', '.arrows', '.feather', '.ipc'])
const PARQUET_EXT = new Set(['.parquet', '.parq', '.pq'])

/** True when the bytes start with gzip's magic `1f 8b`. */
export function isGzip(head: Uint8Array): boolean {
  return head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
}

/**
 * Reads an interaction log from any input Decoy accepts, detected from its first bytes (then its
 * extension): delimited text (CSV, TSV, `::`), gzip-compressed text or Arrow (`1f 8b`, undone as a
 * stream), Arrow IPC (file or stream), a Parquet file (`PAR1`), or a folder of Parquet files (hive
 * `key=value/` partitions become columns). This is the one reader behind every command that reads a log.
 *
 * @param path - a file or a Parquet dataset folder.
 * @param opts - as for `parseInteractions`; Arrow and Parquet use columns, minRating, duplicates and the id maps.
 * @returns the interactions.
 * @throws {@link @decoy/core!index.DataError | DataError} naming the file (and line, record batch or row group, row and field).
 * @example
 * ```ts
 * const train = await readInteractions('events/')                 // Spark output, partitioned
 * const test = await readInteractions('test.csv.gz', { userIds: train.userIds, itemIds: train.itemIds, unknownUsers: 'error' })
 * ```
 * @remarks Text (plain or gzip) is parsed in 4 MiB chunks as it is read or decompressed, Parquet one
 * row group at a time; an Arrow IPC file is read whole (its batches are then used without copying).
 */
export async function readInteractions(path: string, opts: ReadOptions = {}): Promise<Interactions> {
  const source = opts.source ?? basename(path)
  let st
  try {
    settleFileSets(dirname(path)) // never read half of an interrupted set of files (a killed split)
    st = statSync(path)
  } catch (e) {
    throw fileError(e, path, source)
  }
  if (st.isDirectory()) {
    if (opts.format !== undefined && opts.format !== 'parquet')
      throw new DataError(`is a folder; format ${opts.format} needs a file`, { source })
    return readParquetDataset(path, opts, source, true)
  }
  const head = readHead(path, source)
  const ext = extname(path).toLowerCase()
  if (isGzip(head)) return readGzip(path, opts, source)
  const format =
    opts.format ??
    (isParquet(head) ? 'parquet' : isArrowIpc(head) ? 'arrow' : PARQUET_EXT.has(ext) ? 'parquet' : ARROW_EXT.has(ext) ? 'arrow' : 'text')
  if (format === 'parquet') return readParquetDataset(path, opts, source, false)
  if (format === 'arrow') return readArrowIpc(await readAll(createReadStream(path), path, source), arrowOptions(opts, source))
  // Text is parsed chunk by chunk as it is read: memory holds the columns, not the file.
  const reader = new TextLogReader({ ...opts, source }, st.size)
  await pump(createReadStream(path, { highWaterMark: CHUNK }), reader, path, source, false)
  return reader.finish()
}

/** Bytes per read: large enough that the per-chunk work (carry, line search) is negligible. */
const CHUNK = 1 << 22

/** Pushes every chunk of `stream` into `reader`; read and gzip failures name the file. */
async function pump(
  stream: AsyncIterable<Buffer>,
  reader: TextLogReader,
  path: string,
  source: string,
  gzip: boolean,
  first?: Uint8Array,
): Promise<void> {
  if (first) reader.push(first)
  try {
    for await (const c of stream) reader.push(c)
  } catch (e) {
    throw streamError(e, path, source, gzip)
  }
}

function streamError(e: unknown, path: string, source: string, gzip: boolean): DataError {
  if (e instanceof DataError) return e
  if (gzip && (e as NodeJS.ErrnoException).code?.startsWith('Z_')) {
    return new DataError(`the gzip data is truncated or corrupt (${(e as Error).message})`, { source })
  }
  return fileError(e, path, source)
}

/** Reads the folder's (or the one file's) Parquet row groups into one log. */
async function readParquetDataset(path: string, opts: ReadOptions, source: string, folder: boolean): Promise<Interactions> {
  const parts = folder ? listParquetParts(path) : [{ path, partition: [] }]
  const a = arrowOptions(opts, source)
  const builder = new ArrowLogBuilder(a)
  const wanted = columnPicker(opts)
  let first = source
  for (let k = 0; k < parts.length; k++) {
    const part = parts[k]
    const name = folder ? `${source}/${part.path.slice(path.length).replace(/^[\\/]+/, '')}` : source
    if (k === 0) first = name
    for await (const { batch, rowGroup } of parquetBatches(part, name, wanted)) {
      try {
        builder.push(batch, { source: name, rowGroup })
      } catch (e) {
        // A message from inside the Arrow library about a batch parquet-wasm produced.
        if (e instanceof DataError) throw e
        throw new DataError(`cannot read the decoded row group (${e instanceof Error ? e.message : String(e)})`, { source: name, rowGroup })
      }
    }
  }
  return builder.finish({ source: first, rowGroup: 0 })
}

/** Decodes only the columns a role may use (a Spark table often has dozens). */
function columnPicker(opts: ReadOptions): (names: string[]) => string[] | undefined {
  return (names) => {
    const c = opts.columns ?? {}
    if (Object.values(c).some((v) => typeof v === 'number')) return undefined
    const known = new Set(['user', 'userid', 'user_id', 'item', 'itemid', 'item_id', 'movieid', 'rating', 'timestamp', 'time'])
    for (const v of Object.values(c)) if (typeof v === 'string') known.add(v.toLowerCase())
    const keep = names.filter((n) => known.has(n.toLowerCase()))
    // Let the builder report a missing column with the full list of names.
    return keep.length >= 2 ? keep : undefined
  }
}

async function readGzip(path: string, opts: ReadOptions, source: string): Promise<Interactions> {
  const stream = createReadStream(path, { highWaterMark: CHUNK }).pipe(createGunzip({ chunkSize: CHUNK }))
  const it = stream[Symbol.asyncIterator]() as AsyncIterator<Buffer>
  // The first decompressed bytes tell what is inside.
  let head: Buffer | undefined
  try {
    const r = await it.next()
    head = r.done ? undefined : r.value
  } catch (e) {
    stream.destroy()
    throw streamError(e, path, source, true)
  }
  const rest: AsyncIterable<Buffer> = { [Symbol.asyncIterator]: () => it }
  if (head !== undefined && (opts.format === 'parquet' || isParquet(head))) {
    stream.destroy()
    throw new DataError('a gzip-compressed Parquet file: Parquet compresses its own pages, decompress the file first', { source })
  }
  if (head !== undefined && (opts.format === 'arrow' || (opts.format === undefined && isArrowIpc(head)))) {
    const bytes = await readAll(rest, path, source, true, head)
    return readArrowIpc(bytes, arrowOptions(opts, source))
  }
  const reader = new TextLogReader({ ...opts, source })
  await pump(rest, reader, path, source, true, head)
  return reader.finish()
}

function arrowOptions(opts: ReadOptions, source: string): ArrowReadOptions {
  return {
    source,
    columns: opts.columns,
    minRating: opts.minRating,
    duplicates: opts.duplicates,
    userIds: opts.userIds,
    itemIds: opts.itemIds,
    unknownUsers: opts.unknownUsers,
  }
}

/** Collects a byte stream into one buffer; errors name the file (corrupt gzip included). */
async function readAll(stream: AsyncIterable<Buffer>, path: string, source: string, gzip = false, first?: Buffer): Promise<Uint8Array> {
  const chunks: Buffer[] = first ? [first] : []
  let total = first ? first.length : 0
  try {
    for await (const c of stream) {
      chunks.push(c)
      total += c.length
    }
  } catch (e) {
    throw streamError(e, path, source, gzip)
  }
  return chunks.length === 1 ? chunks[0] : Buffer.concat(chunks, total)
}

function readHead(path: string, source: string): Uint8Array {
  const head = new Uint8Array(8)
  let fd = -1
  try {
    fd = openSync(path, 'r')
    const n = readSync(fd, head, 0, 8, 0)
    return head.subarray(0, n)
  } catch (e) {
    throw fileError(e, path, source)
  } finally {
    if (fd >= 0) closeSync(fd)
  }
}

/** @internal A failure to open or read a file, as a DataError naming it in words. */
export function fileError(e: unknown, path: string, source: string): DataError {
  if (e instanceof DataError) return e
  const code = (e as NodeJS.ErrnoException).code
  const why =
    code === 'ENOENT'
      ? `file not found: ${path}`
      : code === 'EACCES'
        ? `permission denied: ${path}`
        : code === 'EISDIR'
          ? `${path} is a folder, expected a file`
          : `cannot read ${path}: ${(e as Error).message}`
  return new DataError(why, { source })
}
