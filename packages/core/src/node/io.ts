import { readFileSync } from 'node:fs'
import { gunzipSync } from 'node:zlib'
import { basename, dirname, extname, join } from 'node:path'
import { readArrowIpc, isArrowIpc } from '../arrow/to-arrow.js'
import type { ArrowReadOptions } from '../arrow/from-arrow.js'
import type { Interactions } from '../contracts.js'
import { DataError } from '../errors.js'
import type { Split } from '../split/index.js'
import { parseInteractions, type ParseOptions } from '../text/parse.js'
import { writeFileAtomic } from './atomic.js'
import { settleFileSets, writeFileSet } from './file-set.js'
import { isParquet } from './parquet.js'
import { isGzip } from './read.js'

/** Options of {@link readInteractionsFile}: text options, which Arrow inputs share where they apply. */
export interface ReadFileOptions extends ParseOptions {
  /** Force the format instead of detecting it from the extension and the magic bytes. */
  format?: 'text' | 'arrow'
}

const ARROW_EXT = new Set(['.arrow', '.arrows', '.feather', '.ipc'])

/**
 * Reads an interaction file synchronously: Arrow IPC (file or stream; by extension
 * `.arrow/.arrows/.feather/.ipc` or by magic bytes) or delimited text (CSV, TSV, `::`), either one
 * gzip-compressed (by magic bytes). Parquet needs the asynchronous `readInteractions`, which also
 * streams; prefer it.
 *
 * @param path - the file.
 * @param opts - as for `parseInteractions` (Arrow uses columns, minRating, duplicates, id maps).
 * @returns the interactions.
 * @throws {@link @decoy/core!index.DataError | DataError} whose source is the file name (a missing file too).
 * @example
 * ```ts
 * const train = readInteractionsFile('split/train.tsv')
 * const test = readInteractionsFile('split/test.tsv', { userIds: train.userIds, itemIds: train.itemIds, unknownUsers: 'error' })
 * ```
 * @remarks Reads the whole file into memory, then parses it in one pass.
 */
export function readInteractionsFile(path: string, opts: ReadFileOptions = {}): Interactions {
  const source = opts.source ?? basename(path)
  let bytes: Uint8Array
  try {
    settleFileSets(dirname(path)) // never read half of an interrupted set of files
    bytes = readFileSync(path)
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code
    throw new DataError(code === 'ENOENT' ? `file not found: ${path}` : `cannot read ${path}: ${(e as Error).message}`, { source })
  }
  if (isGzip(bytes)) {
    try {
      bytes = gunzipSync(bytes)
    } catch (e) {
      throw new DataError(`the gzip data is truncated or corrupt (${(e as Error).message})`, { source })
    }
  }
  if (isParquet(bytes) || (opts.format === undefined && /\.(parquet|parq|pq)$/i.test(path))) {
    throw new DataError('a Parquet file: read it with the asynchronous readInteractions (row group by row group)', { source })
  }
  const arrow = opts.format === 'arrow' || (opts.format !== 'text' && (ARROW_EXT.has(extname(path).toLowerCase()) || isArrowIpc(bytes)))
  if (arrow) {
    const a: ArrowReadOptions = {
      source,
      columns: opts.columns,
      minRating: opts.minRating,
      duplicates: opts.duplicates,
      userIds: opts.userIds,
      itemIds: opts.itemIds,
      unknownUsers: opts.unknownUsers,
    }
    return readArrowIpc(bytes, a)
  }
  return parseInteractions(bytes, { ...opts, source })
}

/**
 * Formats interactions as TSV with external ids and the header `user\titem[\trating][\ttimestamp]`
 * (rating when `weights` exist, timestamp when `times` exist), one line per interaction in
 * user-major order. Ids containing a tab, a newline or a quote are quoted (`""` escapes).
 *
 * @param x - the interactions.
 * @returns the TSV text.
 * @remarks Ratings are printed with the fewest digits that read back to the same float32.
 */
export function formatInteractionsTsv(x: Interactions): string {
  const parts: Buffer[] = []
  encodeInteractionsTsv(x, (bytes, length) => parts.push(Buffer.from(bytes.subarray(0, length))))
  return Buffer.concat(parts).toString('utf8')
}

/**
 * Encodes interactions as the TSV of {@link formatInteractionsTsv}, handing out the bytes in
 * chunks of about 1 MiB (`emit(buffer, length)`; the buffer is reused after `emit` returns), so a
 * log of any size is written with bounded memory.
 * @remarks O(nnz + total id length); allocates the id byte tables and one chunk buffer.
 */
export function encodeInteractionsTsv(x: Interactions, emit: (bytes: Uint8Array, length: number) => void): void {
  const hasW = x.weights !== undefined
  const hasT = x.times !== undefined
  const users = idBytes(x.userIds.toArray())
  const items = idBytes(x.itemIds.toArray())
  const wCache = new Map<number, string>()
  let buf = new Uint8Array(1 << 20)
  let n = 0
  const putAscii = (s: string): void => {
    for (let c = 0; c < s.length; c++) buf[n++] = s.charCodeAt(c)
  }
  putAscii('user\titem' + (hasW ? '\trating' : '') + (hasT ? '\ttimestamp' : '') + '\n')
  const uBlob = users.blob
  const uOff = users.offsets
  const iBlob = items.blob
  const iOff = items.offsets
  const xi = x.items
  for (let u = 0; u < x.numUsers; u++) {
    const us = uOff[u]
    const ue = uOff[u + 1]
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      const it = xi[j]
      const is = iOff[it]
      const ie = iOff[it + 1]
      const bound = ue - us + ie - is + 64
      if (n + bound > buf.length) {
        emit(buf, n)
        n = 0
        if (bound > buf.length) buf = new Uint8Array(bound * 2)
      }
      buf.set(uBlob.subarray(us, ue), n)
      n += ue - us
      buf[n++] = 9
      buf.set(iBlob.subarray(is, ie), n)
      n += ie - is
      if (hasW) {
        const w = x.weights![j]
        let s = wCache.get(w)
        if (s === undefined) {
          s = shortestFloat32(w)
          if (wCache.size < 4096) wCache.set(w, s)
        }
        buf[n++] = 9
        putAscii(s)
      }
      if (hasT) {
        buf[n++] = 9
        const t = x.times![j]
        if (Number.isSafeInteger(t)) n = putInt(buf, n, t)
        else putAscii(String(t))
      }
      buf[n++] = 10
    }
  }
  if (n > 0) emit(buf, n)
}

/** Writes the decimal digits of a safe integer at `buf[n..]` (as `String(t)` prints it); returns the new end. */
function putInt(buf: Uint8Array, n: number, t: number): number {
  if (t < 0) {
    buf[n++] = 45
    t = -t
  }
  let digits = 1
  for (let p = 10; p <= t; p *= 10) digits++
  for (let d = digits - 1; d >= 0; d--) {
    buf[n + d] = 48 + (t % 10)
    t = Math.floor(t / 10)
  }
  return n + digits
}

/** The UTF-8 bytes of every id, quoted for TSV where needed, in one blob with offsets. */
function idBytes(ids: ArrayLike<unknown>): { blob: Uint8Array; offsets: Int32Array } {
  const enc = new TextEncoder()
  const parts: Uint8Array[] = []
  const offsets = new Int32Array(ids.length + 1)
  for (let i = 0; i < ids.length; i++) {
    const b = enc.encode(quoteTsv(String(ids[i])))
    parts.push(b)
    offsets[i + 1] = offsets[i] + b.length
  }
  const blob = new Uint8Array(offsets[ids.length])
  for (let i = 0; i < parts.length; i++) blob.set(parts[i], offsets[i])
  return { blob, offsets }
}

/**
 * Writes interactions as TSV (see {@link formatInteractionsTsv}) atomically, streamed in chunks
 * (memory bounded by the id tables and a 1 MiB buffer, whatever the log's size).
 *
 * @param path - destination; written to a temp file and renamed.
 * @param x - the interactions.
 * @example
 * ```ts
 * writeInteractionsTsv('out/train.tsv', train)
 * ```
 */
export function writeInteractionsTsv(path: string, x: Interactions): void {
  writeFileAtomic(path, (write) => encodeInteractionsTsv(x, write))
}

/**
 * Writes a split as `train.tsv` and `test.tsv` in `dir` (created if missing), as one set: both
 * new files, or after a crash both old ones (see `beginFileSet`).
 *
 * @param dir - output directory.
 * @param split - from `splitRandom`, `splitLeaveLast` or `splitTemporal`.
 * @returns the two paths written.
 * @throws OutputError naming the path and the cause in words.
 */
export function writeSplit(dir: string, split: Split): { train: string; test: string } {
  // One set: a crash never leaves a new train.tsv beside an old test.tsv (they would overlap).
  const files = writeFileSet(dir, {
    'train.tsv': (write) => encodeInteractionsTsv(split.train, write),
    'test.tsv': (write) => encodeInteractionsTsv(split.test, write),
  })
  return { train: files['train.tsv'], test: files['test.tsv'] }
}

/**
 * Reads `train.tsv` and `test.tsv` from `dir` into one id space: the test file is read with the
 * training file's id maps, and a test user absent from train is a {@link DataError}.
 *
 * @param dir - directory written by {@link writeSplit} (or by another tool, same layout).
 * @param opts - text options for both files (id maps and unknownUsers are set by this function).
 * @returns the split; test's `numItems` may exceed train's when test has unseen items.
 */
export function readSplit(dir: string, opts: ReadFileOptions = {}): Split {
  const train = readInteractionsFile(join(dir, 'train.tsv'), { ...opts, source: undefined, userIds: undefined, itemIds: undefined })
  const test = readInteractionsFile(join(dir, 'test.tsv'), {
    ...opts,
    source: undefined,
    userIds: train.userIds,
    itemIds: train.itemIds,
    unknownUsers: 'error',
  })
  return { train, test }
}

function quoteTsv(s: string): string {
  if (!/[\t\n\r"]/.test(s) && s.trim() === s) return s
  return '"' + s.replace(/"/g, '""') + '"'
}

/** Fewest significant digits that parse back to the same float32 value. */
function shortestFloat32(v: number): string {
  if (Number.isInteger(v)) return String(v)
  for (let p = 1; p <= 9; p++) {
    const s = v.toPrecision(p)
    if (Math.fround(Number(s)) === v) return String(Number(s))
  }
  return String(v)
}
