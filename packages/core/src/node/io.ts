import { readFileSync } from 'node:fs'
import { basename, dirname, extname, join } from 'node:path'
import { readArrowIpc, isArrowIpc } from '../arrow/to-arrow.js'
import type { ArrowReadOptions } from '../arrow/from-arrow.js'
import type { Interactions } from '../contracts.js'
import { DataError } from '../errors.js'
import type { Split } from '../split/index.js'
import { parseInteractions, type ParseOptions } from '../text/parse.js'
import { writeFileAtomic } from './atomic.js'
import { settleFileSets, writeFileSet } from './file-set.js'

/** Options of {@link readInteractionsFile}: text options, which Arrow inputs share where they apply. */
export interface ReadFileOptions extends ParseOptions {
  /** Force the format instead of detecting it from the extension and the magic bytes. */
  format?: 'text' | 'arrow'
}

const ARROW_EXT = new Set(['.arrow', '.arrows', '.feather', '.ipc'])

/**
 * Reads an interaction file: Arrow IPC (file or stream; by extension `.arrow/.arrows/.feather/.ipc`
 * or by magic bytes) or delimited text (CSV, TSV, `::`).
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
  const hasW = x.weights !== undefined
  const hasT = x.times !== undefined
  const parts: string[] = ['user\titem' + (hasW ? '\trating' : '') + (hasT ? '\ttimestamp' : '') + '\n']
  const users = x.userIds.toArray().map((v) => quoteTsv(String(v)))
  const items = x.itemIds.toArray().map((v) => quoteTsv(String(v)))
  const wCache = new Map<number, string>()
  let chunk = ''
  for (let u = 0; u < x.numUsers; u++) {
    const uid = users[u]
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      let line = uid + '\t' + items[x.items[j]]
      if (hasW) {
        const w = x.weights![j]
        let s = wCache.get(w)
        if (s === undefined) {
          s = shortestFloat32(w)
          if (wCache.size < 4096) wCache.set(w, s)
        }
        line += '\t' + s
      }
      if (hasT) line += '\t' + String(x.times![j])
      chunk += line + '\n'
      if (chunk.length > 1 << 16) {
        parts.push(chunk)
        chunk = ''
      }
    }
  }
  parts.push(chunk)
  return parts.join('')
}

/**
 * Writes interactions as TSV (see {@link formatInteractionsTsv}) atomically.
 *
 * @param path - destination; written to a temp file and renamed.
 * @param x - the interactions.
 * @example
 * ```ts
 * writeInteractionsTsv('out/train.tsv', train)
 * ```
 */
export function writeInteractionsTsv(path: string, x: Interactions): void {
  writeFileAtomic(path, formatInteractionsTsv(x))
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
  const files = writeFileSet(dir, { 'train.tsv': formatInteractionsTsv(split.train), 'test.tsv': formatInteractionsTsv(split.test) })
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
