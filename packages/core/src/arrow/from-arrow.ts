import { DataType, Type, TimeUnit, DateUnit, type Data, type RecordBatch, type Table, type Vector } from 'apache-arrow'
import type { Interactions } from '../contracts.js'
import { DataError, quoteValue } from '../errors.js'
import type { IdMap } from '../id-map.js'
import type { DuplicatePolicy } from '../interactions.js'
import { buildInteractions } from '../build-csr.js'
import { IdInterner } from '../text/interner.js'

/** Options of {@link interactionsFromArrow} and `readArrowIpc`. */
export interface ArrowReadOptions {
  /** Name of the input in error messages (default `"<arrow>"`). */
  source?: string
  /**
   * Columns by name or index. Defaults (case-insensitive): `user|userId|user_id`,
   * `item|itemId|item_id|movieId`, `rating`, `timestamp|time`; rating and timestamp are optional.
   */
  columns?: { user?: string | number; item?: string | number; rating?: string | number; timestamp?: string | number }
  /** Implicit feedback threshold: rows with `rating < minRating` are dropped. */
  minRating?: number
  /** Duplicate (user, item) pairs, as in `buildInteractions` (default `'last'`). */
  duplicates?: DuplicatePolicy
  /** Shared user ids: ids are interned into this map. */
  userIds?: IdMap
  /** Shared item ids: ids are interned into this map. */
  itemIds?: IdMap
  /** A user absent from `userIds`: `'add'` it (default) or raise a {@link @decoy/core!index.DataError | DataError}. */
  unknownUsers?: 'add' | 'error'
}

const ALIASES: Record<string, string[]> = {
  user: ['user', 'userid', 'user_id'],
  item: ['item', 'itemid', 'item_id', 'movieid'],
  rating: ['rating'],
  timestamp: ['timestamp', 'time'],
}

type Role = 'user' | 'item' | 'rating' | 'timestamp'

interface Resolved {
  user: number
  item: number
  rating: number
  timestamp: number
  names: string[]
}

/** Anything record batches can be read from: a table, one batch, or an iterable of batches. */
export type ArrowInput = Table | RecordBatch | Iterable<RecordBatch>

/**
 * Builds {@link Interactions} from an Arrow table or a sequence of record batches.
 *
 * Id columns may be integers (any width, mapped to internal ids through a direct lookup table),
 * strings, or dictionary-encoded strings or integers: a dictionary column's `IdMap` is built from
 * the dictionary values and the indices are used as internal ids directly when they coincide.
 * Ratings and timestamps may be any integer, float, timestamp or date type (timestamps and dates
 * are converted to seconds). Batches are consumed one at a time.
 *
 * @param input - a `Table`, a `RecordBatch`, or any iterable of batches (a `RecordBatchReader`).
 * @param opts - column names, implicit threshold, duplicate policy, shared id maps.
 * @returns the CSR; `weights` from the rating column, `times` from the timestamp column.
 * @throws {@link @decoy/core!index.DataError | DataError} naming source, record batch, row and field: a missing column, a null
 * id, a NaN or infinite rating, an unsupported column type, an unknown user with
 * `unknownUsers: 'error'`, no rows.
 * @example
 * ```ts
 * const x = interactionsFromArrow(tableFromArrays({ user: Int32Array.of(1, 1, 2), item: Int32Array.of(5, 6, 5) }))
 * x.numUsers // 2
 * ```
 * @remarks O(rows); a single batch whose id columns are dictionary-encoded with Int32 indices,
 * whose rating column is Float32 and timestamp Float64, and whose rows are already user-major with
 * sorted items is used without copying (zero-copy views of the Arrow buffers).
 */
export function interactionsFromArrow(input: ArrowInput, opts: ArrowReadOptions = {}): Interactions {
  const source = opts.source ?? '<arrow>'
  const batches: Iterable<RecordBatch> = isTable(input) ? input.batches : isRecordBatch(input) ? [input] : input
  const builder = new ArrowLogBuilder(opts)
  let b = 0
  for (const batch of batches) builder.push(batch, { source, batch: b++ })
  return builder.finish({ source, batch: 0 })
}

/** Where a record batch came from, for error messages: a batch index, or a Parquet row group. */
export interface BatchLocation {
  /** File name or label. */
  source: string
  /** 0-based record batch index. */
  batch?: number
  /** 0-based Parquet row group index (rows are then rows of the row group). */
  rowGroup?: number
}
type At = BatchLocation

/**
 * Builds {@link Interactions} from record batches pushed one at a time (from any source: an IPC
 * stream read asynchronously, the row groups of Parquet files), so only the interaction columns
 * grow while batches come and go. {@link interactionsFromArrow} is this over an iterable.
 *
 * @example
 * ```ts
 * const b = new ArrowLogBuilder({ minRating: 4 })
 * for await (const batch of reader) b.push(batch, { source: 'log.arrows' })
 * const x = b.finish({ source: 'log.arrows' })
 * ```
 * @remarks The columns of each batch are resolved by name, so batches of different files may
 * order their columns differently; a single zero-copy batch is kept without copying.
 */
export class ArrowLogBuilder {
  private readonly userIn: IdInterner
  private readonly itemIn: IdInterner
  private cap = 0
  private users: Int32Array = new Int32Array(0)
  private items: Int32Array = new Int32Array(0)
  private weights: Float32Array | undefined
  private times: Float64Array | undefined
  private rows = 0
  private batches = 0
  private hasRating: boolean | undefined
  private hasTime: boolean | undefined
  // A single batch with zero-copy columns is kept as is; any later batch forces a copy.
  private single: { users: Int32Array; items: Int32Array; weights?: Float32Array; times?: Float64Array } | undefined

  /** @param opts - column names, implicit threshold, duplicate policy, shared id maps. */
  constructor(private readonly opts: ArrowReadOptions = {}) {
    this.userIn = new IdInterner(opts.userIds, opts.unknownUsers !== 'error')
    this.itemIn = new IdInterner(opts.itemIds, true)
  }

  /**
   * Adds the rows of one record batch.
   * @param batch - the batch; its columns are found by name (or index) as in {@link ArrowReadOptions}.
   * @param at - where it came from, named by every error about it.
   * @throws {@link @decoy/core!index.DataError | DataError} naming `at`, the row and the field.
   */
  push(batch: RecordBatch, at: BatchLocation): void {
    const opts = this.opts
    const userIn = this.userIn
    const itemIn = this.itemIn
    const minRating = opts.minRating
    const cols = resolveColumns(batch, opts, at)
    // Every batch must agree on which optional columns exist (files of one dataset may differ).
    const hasR = cols.rating >= 0
    const hasT = cols.timestamp >= 0
    if (this.hasRating === undefined) {
      this.hasRating = hasR
      this.hasTime = hasT
    } else if (this.hasRating !== hasR || this.hasTime !== hasT) {
      const what = this.hasRating !== hasR ? 'rating' : 'timestamp'
      const here = what === 'rating' ? hasR : hasT
      const msg = here
        ? `a "${what}" column appears here but not in the batches before`
        : `the "${what}" column of the batches before is missing here`
      throw new DataError(msg, { ...at, field: what })
    }
    const len = batch.numRows
    const where = (row: number, field: string): At & { row: number; field: string } => ({ ...at, row, field })
    for (const c of [cols.user, cols.item, cols.rating, cols.timestamp])
      if (c >= 0) checkColumnData(batch.data.children[c], len, cols.names[c], at)
    const bu = idColumn(batch.data.children[cols.user], userIn, cols.names[cols.user], at)
    const bi = idColumn(batch.data.children[cols.item], itemIn, cols.names[cols.item], at)
    for (let r = 0; r < len && !userIn.allowNew; r++) {
      if (bu[r] < 0) {
        const v = vectorValue(batch, cols.user, r)
        throw new DataError(
          `unknown user ${quoteValue(String(v))}: it does not occur in the shared user ids (e.g. the training data)`,
          where(r, cols.names[cols.user]),
        )
      }
    }
    const bw = hasR ? (numberColumn(batch.data.children[cols.rating], 'f32', cols.names[cols.rating], at) as Float32Array) : undefined
    const bt = hasT ? (numberColumn(batch.data.children[cols.timestamp], 'f64', cols.names[cols.timestamp], at) as Float64Array) : undefined
    if (bw) {
      for (let r = 0; r < len; r++) {
        const v = bw[r]
        if (v - v !== 0) {
          // A finite double (or int64) beyond float32's range became Infinity when stored as a rating.
          const raw = Number(vectorValue(batch, cols.rating, r))
          const detail = Number.isFinite(raw)
            ? `${raw} is beyond the range of a 32-bit float (±3.4e38), in which ratings are stored`
            : `${v} is ${Number.isNaN(v) ? 'NaN' : 'infinite'}, expected a finite number`
          throw new DataError(detail, where(r, cols.names[cols.rating]))
        }
      }
    }
    if (bt) {
      for (let r = 0; r < len; r++) {
        const v = bt[r]
        if (v - v !== 0)
          throw new DataError(
            `${v} is ${Number.isNaN(v) ? 'NaN' : 'infinite'}, expected a finite number`,
            where(r, cols.names[cols.timestamp]),
          )
      }
    }
    this.batches++
    if (minRating === undefined && this.batches === 1 && this.rows === 0) {
      this.single = { users: bu, items: bi, weights: bw, times: bt }
      this.rows = len
      return
    }
    const single = this.single
    if (single) {
      // A second batch: move the first one into growable columns.
      this.cap = Math.max(1024, 2 * (this.rows + len))
      this.users = new Int32Array(this.cap)
      this.items = new Int32Array(this.cap)
      this.users.set(single.users)
      this.items.set(single.items)
      if (single.weights) (this.weights = new Float32Array(this.cap)).set(single.weights)
      if (single.times) (this.times = new Float64Array(this.cap)).set(single.times)
      this.single = undefined
    }
    if (this.rows + len > this.cap) {
      this.cap = Math.max(1024, 2 * (this.rows + len))
      this.users = growI32(this.users, this.cap)
      this.items = growI32(this.items, this.cap)
      if (bw) this.weights = growF32(this.weights ?? new Float32Array(0), this.cap)
      if (bt) this.times = growF64(this.times ?? new Float64Array(0), this.cap)
    }
    const users = this.users
    const items = this.items
    const weights = this.weights
    const times = this.times
    let rows = this.rows
    for (let r = 0; r < len; r++) {
      if (minRating !== undefined && bw![r] < minRating) continue
      users[rows] = bu[r]
      items[rows] = bi[r]
      if (bw) weights![rows] = bw[r]
      if (bt) times![rows] = bt[r]
      rows++
    }
    this.rows = rows
  }

  /**
   * The CSR of every row pushed.
   * @param at - named by the error when nothing was pushed.
   * @throws {@link @decoy/core!index.DataError | DataError} for no batches, or no rows (without `minRating`).
   */
  finish(at: BatchLocation): Interactions {
    if (this.batches === 0) throw new DataError('no record batches', { source: at.source })
    if (this.rows === 0 && this.opts.minRating === undefined) throw new DataError('no rows', at)
    const c = this.single ?? { users: this.users, items: this.items, weights: this.weights, times: this.times }
    const userIn = this.userIn
    const itemIn = this.itemIn
    return buildInteractions(
      { users: c.users, items: c.items, weights: c.weights, times: c.times, length: this.rows },
      { userIds: userIn.map, itemIds: itemIn.map, numUsers: userIn.map.size, numItems: itemIn.map.size, duplicates: this.opts.duplicates },
    )
  }
}

function isTable(x: ArrowInput): x is Table {
  return typeof (x as Table).batches === 'object' && Array.isArray((x as Table).batches) && (x as Table).schema !== undefined
}

function isRecordBatch(x: ArrowInput): x is RecordBatch {
  return (x as RecordBatch).data !== undefined && (x as RecordBatch).schema !== undefined && typeof (x as RecordBatch).numRows === 'number'
}

function resolveColumns(batch: RecordBatch, opts: ArrowReadOptions, at: At): Resolved {
  // A corrupt schema can give a field without a name.
  const names = batch.schema.fields.map((f) => (typeof f.name === 'string' ? f.name : ''))
  const lower = names.map((s) => s.toLowerCase())
  for (let f = 1; f < names.length; f++) {
    const k = lower.indexOf(lower[f])
    if (k < f) throw new DataError(`the schema names column "${names[f]}" twice (fields ${k + 1} and ${f + 1})`, { ...at, field: names[f] })
  }
  const cols = opts.columns ?? {}
  const find = (role: Role, required: boolean): number => {
    const c = cols[role]
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= names.length) {
        throw new DataError(`column index ${c} for "${role}" is out of range: the schema has ${names.length} fields`, {
          ...at,
          field: role,
        })
      }
      return c
    }
    if (typeof c === 'string') {
      const i = lower.indexOf(c.toLowerCase())
      if (i < 0) throw new DataError(`missing column "${c}" in schema (${names.join(', ')})`, { ...at, field: c })
      return i
    }
    for (const a of ALIASES[role]) {
      const i = lower.indexOf(a)
      if (i >= 0) return i
    }
    if (required) {
      throw new DataError(
        `missing required column "${role}" in schema (${names.join(', ')}); expected one of ${ALIASES[role].join(', ')}`,
        { ...at, field: role },
      )
    }
    return -1
  }
  const user = find('user', true)
  const item = find('item', true)
  const rating = find('rating', opts.minRating !== undefined)
  const timestamp = find('timestamp', false)
  return { user, item, rating, timestamp, names }
}

function vectorValue(batch: RecordBatch, col: number, row: number): unknown {
  return batch.getChildAt(col)?.get(row)
}

function firstNull(data: Data, len: number): number {
  const bm = data.nullBitmap
  if (!bm || data.nullCount === 0) return -1
  const off = data.offset
  for (let r = 0; r < len; r++) {
    const bit = off + r
    if ((bm[bit >> 3] & (1 << (bit & 7))) === 0) return r
  }
  return -1
}

/** Reads integer-like values of a primitive column as doubles into `out` (int64 without BigInt). */
function readNumbers(data: Data, len: number, out: Float64Array | Float32Array, scale: number): void {
  const vals = data.values as ArrayLike<number> & { buffer: ArrayBufferLike; byteOffset: number }
  if (vals instanceof BigInt64Array || vals instanceof BigUint64Array) {
    const w = new Int32Array(vals.buffer, vals.byteOffset, len * 2)
    const signed = vals instanceof BigInt64Array
    for (let r = 0; r < len; r++) {
      const lo = w[2 * r] >>> 0
      const hi = w[2 * r + 1]
      out[r] = ((signed ? hi : hi >>> 0) * 4294967296 + lo) * scale
    }
    return
  }
  if (scale === 1) {
    for (let r = 0; r < len; r++) out[r] = vals[r]
  } else {
    for (let r = 0; r < len; r++) out[r] = vals[r] * scale
  }
}

function timeScale(type: DataType): number {
  if (type.typeId === Type.Timestamp) {
    const unit = (type as unknown as { unit: TimeUnit }).unit
    return unit === TimeUnit.SECOND ? 1 : unit === TimeUnit.MILLISECOND ? 1e-3 : unit === TimeUnit.MICROSECOND ? 1e-6 : 1e-9
  }
  if (type.typeId === Type.Date) return (type as unknown as { unit: DateUnit }).unit === DateUnit.DAY ? 86400 : 1e-3
  return 1
}

/** A rating (Float32) or time (Float64, seconds) column; zero-copy when the type already matches. */
function numberColumn(data: Data, kind: 'f32' | 'f64', field: string, at: At): Float32Array | Float64Array {
  const len = data.length
  const nul = firstNull(data, len)
  if (nul >= 0) throw new DataError('null value, expected a number', { ...at, row: nul, field })
  const t = data.type
  const id = t.typeId
  if (id !== Type.Int && id !== Type.Float && id !== Type.Timestamp && id !== Type.Date) {
    throw new DataError(`column type ${String(t)} is not numeric`, { ...at, field })
  }
  if (id === Type.Float && (t as unknown as { precision: number }).precision === 0) {
    throw new DataError(`column type ${String(t)} (float16) is not supported`, { ...at, field })
  }
  const vals = data.values as unknown
  if (kind === 'f32' && vals instanceof Float32Array) return vals.subarray(0, len)
  if (kind === 'f64' && vals instanceof Float64Array && id === Type.Float) return vals.subarray(0, len)
  const out = kind === 'f32' ? new Float32Array(len) : new Float64Array(len)
  readNumbers(data, len, out, timeScale(t))
  return out
}

/** Internal ids of an id column, -1 for unknown users when new ids are not allowed. */
function idColumn(data: Data, inn: IdInterner, field: string, at: At): Int32Array {
  const len = data.length
  const nul = firstNull(data, len)
  if (nul >= 0) throw new DataError('null id', { ...at, row: nul, field })
  const t = data.type
  if (t.typeId === Type.Dictionary) {
    const dict = data.dictionary as Vector
    const nd = dict.length
    const remap = new Int32Array(nd)
    let identity = true
    const dictData = dict.data.length === 1 ? dict.data[0] : undefined
    const strict =
      dictData && (dictData.type.typeId === Type.Utf8 || dictData.type.typeId === Type.LargeUtf8)
        ? makeGetter(dictData, field, at)
        : undefined
    for (let k = 0; k < nd; k++) {
      const id = internValue(inn, strict ? strict(k) : dict.get(k), field, at, -1)
      remap[k] = id
      if (id !== k) identity = false
    }
    const idx = data.values as unknown as ArrayLike<number>
    if (!(idx instanceof BigInt64Array || idx instanceof BigUint64Array)) {
      for (let r = 0; r < len; r++) {
        const k = idx[r]
        if (!(k >= 0 && k < nd))
          throw new DataError(`dictionary index ${k} is outside the dictionary of ${nd} values (corrupt data)`, { ...at, row: r, field })
      }
    }
    if (identity && idx instanceof Int32Array) return idx.subarray(0, len)
    const out = new Int32Array(len)
    if (idx instanceof BigInt64Array || idx instanceof BigUint64Array) {
      const w = new Int32Array(idx.buffer, idx.byteOffset, len * 2)
      for (let r = 0; r < len; r++) out[r] = remap[w[2 * r]]
    } else {
      for (let r = 0; r < len; r++) out[r] = remap[idx[r]]
    }
    return out
  }
  const out = new Int32Array(len)
  if (t.typeId === Type.Int) {
    if (inn.mode === 1) {
      const tmp = new Float64Array(len)
      readNumbers(data, len, tmp, 1)
      for (let r = 0; r < len; r++) out[r] = internValue(inn, String(tmp[r]), field, at, r)
      return out
    }
    const vals = data.values as unknown as ArrayLike<number>
    if (
      vals instanceof Int32Array ||
      vals instanceof Int16Array ||
      vals instanceof Int8Array ||
      vals instanceof Uint8Array ||
      vals instanceof Uint16Array
    ) {
      for (let r = 0; r < len; r++) out[r] = inn.internInt(vals[r])
    } else {
      const tmp = new Float64Array(len)
      readNumbers(data, len, tmp, 1)
      for (let r = 0; r < len; r++) {
        if (!Number.isSafeInteger(tmp[r])) throw new DataError(`id ${tmp[r]} is beyond the safe integer range`, { ...at, row: r, field })
        out[r] = inn.internInt(tmp[r])
      }
    }
    return out
  }
  if (t.typeId === Type.Utf8 || t.typeId === Type.LargeUtf8 || t.typeId === Type.Float) {
    const v = makeGetter(data, field, at)
    for (let r = 0; r < len; r++) out[r] = internValue(inn, v(r), field, at, r)
    return out
  }
  throw new DataError(`column type ${String(t)} cannot hold ids (expected integers, strings or a dictionary)`, { ...at, field })
}

const strictDecoder = new TextDecoder('utf-8', { fatal: true })

/** Value getter of a float or string column; strings are decoded strictly (invalid UTF-8 is a DataError). */
/** A column whose length or buffers disagree with its batch (corrupt or hand-built data) is a DataError, not a silent zero. */
function checkColumnData(data: Data, rows: number, field: string, at: At): void {
  if (data.length !== rows)
    throw new DataError(`column has ${data.length} values in a batch of ${rows} rows (corrupt data)`, { ...at, field })
  const t = data.type.typeId
  const vals = data.values as unknown as { length: number } | undefined
  const wide = vals instanceof BigInt64Array || vals instanceof BigUint64Array
  if (t === Type.Utf8 || t === Type.LargeUtf8) {
    const off = data.valueOffsets as unknown as { length: number } | undefined
    if (!off || off.length < rows + 1) throw new DataError('string offsets are shorter than the column (corrupt data)', { ...at, field })
  } else if (
    (t === Type.Int || t === Type.Float || t === Type.Dictionary || t === Type.Timestamp || t === Type.Date) &&
    vals !== undefined
  ) {
    const per = t === Type.Date && !wide && (data.type as unknown as { unit: DateUnit }).unit === DateUnit.MILLISECOND ? 2 : 1
    if (vals.length < rows * per)
      throw new DataError(`column data holds ${vals.length} values for ${rows} rows (corrupt data)`, { ...at, field })
  }
}

function makeGetter(data: Data, field: string, at: At): (r: number) => unknown {
  if (data.type.typeId === Type.Float) {
    const vals = data.values as unknown as Float64Array
    return (r) => vals[r]
  }
  const offsets = data.valueOffsets as unknown as ArrayLike<number | bigint>
  const bytes = data.values as unknown as Uint8Array
  return (r) => {
    const b = bytes.subarray(Number(offsets[r]), Number(offsets[r + 1]))
    try {
      return strictDecoder.decode(b)
    } catch {
      // Replacement characters would merge distinct ids.
      throw new DataError(`id ${quoteValue(new TextDecoder().decode(b))} is not valid UTF-8 text`, { ...at, row: r, field })
    }
  }
}

const INT_RE = /^-?(0|[1-9]\d{0,14})$/

/** Interns one external id value (from a dictionary or a string column). */
function internValue(inn: IdInterner, v: unknown, field: string, at: At, row: number): number {
  const where = row >= 0 ? { ...at, row, field } : { ...at, field }
  if (typeof v === 'bigint') v = Number(v)
  if (typeof v === 'number') {
    if (!Number.isSafeInteger(v)) throw new DataError(`id ${v} is not an integer`, where)
    if (inn.mode === 0) return inn.internInt(v)
    v = String(v)
  }
  if (typeof v !== 'string') throw new DataError(`id ${quoteValue(String(v))} is neither an integer nor a string`, where)
  if (inn.mode === 0) {
    if (INT_RE.test(v)) return inn.internInt(Number(v))
    if (!inn.canSwitch) throw new DataError(`${quoteValue(v)} is not an integer id, but the shared id map has integer ids`, where)
    inn.switchToStrings()
  }
  return inn.allowNew ? inn.map.intern(v) : inn.map.get(v)
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap)
  b.set(a)
  return b
}
function growF32(a: Float32Array, cap: number): Float32Array {
  const b = new Float32Array(cap)
  b.set(a)
  return b
}
function growF64(a: Float64Array, cap: number): Float64Array {
  const b = new Float64Array(cap)
  b.set(a)
  return b
}
