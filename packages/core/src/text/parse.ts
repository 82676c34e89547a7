import type { Interactions } from '../contracts.js'
import { DataError, quoteValue } from '../errors.js'
import type { IdMap } from '../id-map.js'
import type { DuplicatePolicy } from '../interactions.js'
import { buildInteractions } from '../build-csr.js'
import { IdInterner, INVALID_UTF8 } from './interner.js'

/** Field delimiter of a text interaction log. */
export type Delimiter = ',' | '\t' | '::' | ';'

/** Column of a role: a header name or a 0-based field index. */
export type ColumnRef = string | number

/** Options of {@link parseInteractions}. */
export interface ParseOptions {
  /** File name used in error messages (default `"<input>"`). */
  source?: string
  /** Field delimiter, or `'auto'` (default): `::` if the first line has it, else the most frequent of tab, comma, semicolon. */
  delimiter?: Delimiter | 'auto'
  /** Whether the first line is a header; `'auto'` (default) when it names a known column. */
  header?: boolean | 'auto'
  /**
   * Columns by header name or index. Defaults: with a header, `user|userId|user_id`,
   * `item|itemId|item_id|movieId`, `rating`, `timestamp|time` (case-insensitive); without one,
   * fields 0, 1, 2 (rating, when present) and 3 (timestamp, when present).
   */
  columns?: { user?: ColumnRef; item?: ColumnRef; rating?: ColumnRef; timestamp?: ColumnRef }
  /** Implicit feedback threshold: rows with `rating < minRating` are dropped (their ids are not interned). */
  minRating?: number
  /** Duplicate (user, item) pairs, as in `buildInteractions` (default `'last'`). */
  duplicates?: DuplicatePolicy
  /** Shared user ids (e.g. the training file's): ids are interned into this map. */
  userIds?: IdMap
  /** Shared item ids: ids are interned into this map; `numItems` is its size after reading. */
  itemIds?: IdMap
  /** A user absent from `userIds`: `'add'` it (default) or raise a {@link DataError}. */
  unknownUsers?: 'add' | 'error'
}

const ROLE_NONE = 0
const ROLE_USER = 1
const ROLE_ITEM = 2
const ROLE_RATING = 3
const ROLE_TIME = 4
const ROLE_NAMES = ['', 'user', 'item', 'rating', 'timestamp']

const ALIASES: Record<string, string[]> = {
  user: ['user', 'userid', 'user_id'],
  item: ['item', 'itemid', 'item_id', 'movieid'],
  rating: ['rating'],
  timestamp: ['timestamp', 'time'],
}

const QUOTE = 34
const LF = 10
const CR = 13
const SPACE = 32
const TAB = 9

const POW10 = new Float64Array(23)
for (let i = 0; i < 23; i++) POW10[i] = Number('1e' + i)

const decoder = new TextDecoder('utf-8')
/** Largest finite float32. */
const F32_MAX = 3.4028234663852886e38

// Results of the field helpers (single-threaded module state instead of allocated tuples).
let fBuf: Uint8Array = new Uint8Array(0)
let fStart = 0
let fEnd = 0
let fNext = 0
let fNewlines = 0

/**
 * Parses a text interaction log (CSV, TSV, `::`-separated) straight from bytes into a CSR.
 *
 * A byte scanner walks the buffer once: integer ids are parsed from their digits and interned
 * through a direct lookup table, string ids through a byte-keyed hash (only new ids are decoded),
 * ratings and timestamps are parsed as numbers from their bytes. Quoted fields (`"a,b"`, `""`
 * escapes, embedded newlines), `\r\n` line ends, a UTF-8 BOM, blank lines and a missing final
 * newline are accepted.
 *
 * @param bytes - the file contents.
 * @param opts - delimiter, header, columns, implicit threshold, shared id maps.
 * @returns the interactions; `weights` are the ratings when a rating column exists, `times` the
 * timestamps when a timestamp column exists; `numUsers`/`numItems` are the id maps' sizes.
 * @throws {@link DataError} naming source, line and field for an empty file, a missing column, a
 * wrong field count, a non-numeric, NaN or infinite number, an unterminated quote or an unknown
 * user with `unknownUsers: 'error'`.
 * @example
 * ```ts
 * const train = parseInteractions(readFileSync('train.csv'), { source: 'train.csv' })
 * const test = parseInteractions(readFileSync('test.csv'), {
 *   source: 'test.csv', userIds: train.userIds, itemIds: train.itemIds, unknownUsers: 'error',
 * })
 * ```
 * @remarks O(bytes + rows); allocates the growable row columns, the id tables and the CSR.
 */
export function parseInteractions(bytes: Uint8Array, opts: ParseOptions = {}): Interactions {
  const reader = new TextLogReader(opts, bytes.length)
  reader.push(bytes, true)
  return reader.finish()
}

/** The columns of a text log, resolved from its first line. */
interface TextLayout {
  d0: number
  d1: number
  nf: number
  roles: Int32Array
  roleIndex: number[]
  names: string[]
  header: boolean
}

/**
 * Reads a text interaction log pushed in chunks (a file or a gzip stream read piece by piece), so
 * the whole text never has to be in memory: each chunk's complete lines are parsed at once and
 * only the unfinished last line (or a quoted field spanning lines) is carried to the next chunk.
 * {@link parseInteractions} is this reader given one chunk.
 *
 * @example
 * ```ts
 * const reader = new TextLogReader({ source: 'log.csv' }, statSync('log.csv').size)
 * for await (const chunk of createReadStream('log.csv')) reader.push(chunk)
 * const x = reader.finish()
 * ```
 * @remarks Errors name the same lines as for the whole text. Allocates the row columns (sized from
 * `sizeHint` when given, else grown by doubling) and the carried tail.
 */
export class TextLogReader {
  /** @internal */ readonly source: string
  /** @internal */ line = 1
  /** @internal */ rows = 0
  /** @internal */ cap = 0
  /** @internal */ users: Int32Array = new Int32Array(0)
  /** @internal */ items: Int32Array = new Int32Array(0)
  /** @internal */ weights: Float32Array | undefined
  /** @internal */ times: Float64Array | undefined
  /** @internal */ layout: TextLayout | undefined
  /** @internal */ readonly userIn: IdInterner
  /** @internal */ readonly itemIn: IdInterner
  /** @internal Scratch for quoted fields with "" escapes (one per id role, since ids are interned at row end). */
  readonly scratch = [new Uint8Array(64), new Uint8Array(64), new Uint8Array(64)]
  private carry: Uint8Array | undefined
  private atStart = true
  private done = false

  /**
   * @param opts - as for {@link parseInteractions}.
   * @param sizeHint - the expected total bytes (a file's size), to size the row columns once.
   */
  constructor(
    /** @internal */ readonly opts: ParseOptions = {},
    private readonly sizeHint?: number,
  ) {
    this.source = opts.source ?? '<input>'
    this.userIn = new IdInterner(opts.userIds, opts.unknownUsers !== 'error')
    this.itemIn = new IdInterner(opts.itemIds, true)
  }

  /**
   * Parses the complete lines of `chunk` (after any tail carried from the previous chunk).
   * @param chunk - the next bytes of the text.
   * @param last - true when no more bytes follow (then the final line needs no line end).
   * @throws {@link DataError} as {@link parseInteractions}.
   */
  push(chunk: Uint8Array, last = false): void {
    if (this.done) throw new Error('TextLogReader: push after the last chunk')
    if (last) this.done = true
    let rest = chunk
    const carry = this.carry
    if (carry !== undefined && carry.length > 0 && this.layout !== undefined) {
      // Finish the carried line with the chunk's first line, then parse the chunk in place
      // (no copy of the whole chunk).
      const k = chunk.indexOf(LF)
      if (k >= 0) {
        this.carry = undefined
        this.parse(concat(carry, chunk.subarray(0, k + 1)), false)
        rest = chunk.subarray(k + 1)
        if (this.carry === undefined) {
          this.parse(rest, last)
          return
        }
      }
    }
    // A quoted field still open, or the first line not yet complete: join and parse.
    const held = this.carry
    this.carry = undefined
    this.parse(held !== undefined && held.length > 0 ? concat(held, rest) : rest, last)
  }

  /** Parses the complete lines of `buf` (all of it when `last`); keeps the rest as the carry. */
  private parse(buf: Uint8Array, last: boolean): void {
    let pos = 0
    const n = buf.length
    if (this.layout === undefined) {
      if (this.atStart) {
        // A UTF-8 byte order mark, at the very start only.
        if (n < 3 && !last && buf[0] === 0xef) {
          this.carry = buf.slice()
          return
        }
        if (n >= 3 && buf[0] === 0xef && buf[1] === 0xbb && buf[2] === 0xbf) pos = 3
      }
      // Skip leading blank lines.
      let lineStart = pos
      for (;;) {
        lineStart = pos
        if (pos < n && buf[pos] === CR) pos++
        if (pos < n && buf[pos] === LF) {
          pos++
          this.line++
          continue
        }
        break
      }
      this.atStart = false
      let firstEnd = pos
      while (firstEnd < n && buf[firstEnd] !== LF) firstEnd++
      if (firstEnd === n && !last) {
        // Keep the unfinished line whole (a lone CR included) for the next chunk.
        this.carry = buf.slice(lineStart)
        return
      }
      const layout = resolveLayout(buf, pos, firstEnd, this.line, this.opts, this.source)
      this.layout = layout
      if (layout.header) {
        pos = firstEnd < n ? firstEnd + 1 : n
        this.line++
      }
      // Row columns sized from the mean length of up to 64 leading lines (+20%).
      let sampleEnd = pos
      let sampleLines = 0
      while (sampleEnd < n && sampleLines < 64) {
        const nl = buf.indexOf(LF, sampleEnd)
        sampleEnd = nl < 0 ? n : nl + 1
        sampleLines++
      }
      const total = Math.max(n, this.sizeHint ?? 0)
      const cap = 1024 + Math.ceil((1.2 * (total - pos) * Math.max(1, sampleLines)) / Math.max(1, sampleEnd - pos))
      this.cap = cap
      this.users = new Int32Array(cap)
      this.items = new Int32Array(cap)
      this.weights = layout.roleIndex[ROLE_RATING] >= 0 ? new Float32Array(cap) : undefined
      this.times = layout.roleIndex[ROLE_TIME] >= 0 ? new Float64Array(cap) : undefined
    }
    // Parse up to the last line end (everything when this is the last chunk).
    let end = n
    if (!last) {
      const k = buf.lastIndexOf(LF)
      end = k < pos ? pos : k + 1
    }
    if (end > pos) pos = scanRows(this, end === n ? buf : buf.subarray(0, end), pos, last)
    if (pos < n) this.carry = buf.slice(pos)
  }

  /**
   * The CSR of every row read.
   * @throws {@link DataError} for an empty file (no rows, unless `minRating` dropped them all).
   */
  finish(): Interactions {
    if (!this.done) this.push(new Uint8Array(0), true)
    const source = this.source
    if (this.layout === undefined) throw new DataError('empty file: no header and no rows', { source, line: this.line })
    if (this.rows === 0 && this.opts.minRating === undefined) {
      throw new DataError(this.layout.header ? 'empty file: a header but no rows' : 'empty file: no rows', { source, line: this.line })
    }
    return buildInteractions(
      { users: this.users, items: this.items, weights: this.weights, times: this.times, length: this.rows },
      {
        userIds: this.userIn.map,
        itemIds: this.itemIn.map,
        numUsers: this.userIn.map.size,
        numItems: this.itemIn.map.size,
        duplicates: this.opts.duplicates,
      },
    )
  }
}

function concat(a: Uint8Array, b: Uint8Array): Uint8Array {
  const out = new Uint8Array(a.length + b.length)
  out.set(a)
  out.set(b, a.length)
  return out
}

/** Resolves delimiter, header and the role of each field from the first line `bytes[pos..firstEnd)`. */
function resolveLayout(bytes: Uint8Array, pos: number, firstEnd: number, line: number, opts: ParseOptions, source: string): TextLayout {
  const firstLine = decoder.decode(bytes.subarray(pos, firstEnd)).replace(/\r$/, '')
  if (firstLine.trim().length === 0) throw new DataError('empty file: no header and no rows', { source, line })

  const delim = resolveDelimiter(opts.delimiter ?? 'auto', firstLine)
  const d0 = delim.charCodeAt(0)
  const d1 = delim.length > 1 ? delim.charCodeAt(1) : -1
  const firstFields = splitSimple(firstLine, delim)
  const nf = firstFields.length
  const cols = opts.columns ?? {}
  let header: boolean
  if (opts.header === true || opts.header === false) header = opts.header
  else {
    const known = new Set<string>()
    for (const k in ALIASES) for (const a of ALIASES[k]) known.add(a)
    for (const k of ['user', 'item', 'rating', 'timestamp'] as const) {
      const c = cols[k]
      if (typeof c === 'string') known.add(c.toLowerCase())
    }
    header = firstFields.some((f) => known.has(f.trim().toLowerCase()))
  }

  // Resolve the role of each field.
  const roles = new Int32Array(nf)
  const names: string[] = []
  for (let f = 0; f < nf; f++) names.push(header ? firstFields[f].trim() : `column ${f}`)
  const roleIndex = [-1, -1, -1, -1, -1]
  const lower = firstFields.map((f) => f.trim().toLowerCase())
  if (header) {
    // A name given twice would make the column a role reads depend on the order of the fields.
    for (let f = 1; f < nf; f++) {
      const k = lower.indexOf(lower[f])
      if (lower[f].length > 0 && k < f) {
        throw new DataError(`the header names column "${names[f]}" twice (fields ${k + 1} and ${f + 1})`, { source, line, field: names[f] })
      }
    }
  }
  const assign = (role: number, key: 'user' | 'item' | 'rating' | 'timestamp', required: boolean): void => {
    const c = cols[key]
    let idx = -1
    if (typeof c === 'number') {
      if (!Number.isInteger(c) || c < 0 || c >= nf) {
        throw new DataError(`column index ${c} for "${key}" is out of range: the file has ${nf} fields`, { source, line, field: key })
      }
      idx = c
    } else if (typeof c === 'string') {
      if (!header) throw new DataError(`column "${c}" for "${key}" is given by name but the file has no header`, { source, line, field: c })
      idx = lower.indexOf(c.toLowerCase())
      if (idx < 0) throw new DataError(`missing column "${c}" in header (${names.join(', ')})`, { source, line, field: c })
    } else if (header) {
      for (const a of ALIASES[key]) {
        idx = lower.indexOf(a)
        if (idx >= 0) break
      }
      if (idx < 0 && required) {
        throw new DataError(
          `missing required column "${key}" in header (${names.join(', ')}); expected one of ${ALIASES[key].join(', ')}`,
          {
            source,
            line,
            field: key,
          },
        )
      }
    } else {
      const def = role - 1
      if (def < nf) idx = def
      else if (required) throw new DataError(`expected at least 2 fields (user, item), found ${nf}`, { source, line, field: key })
    }
    if (idx >= 0) {
      if (roles[idx] !== ROLE_NONE)
        throw new DataError(`field is used for both "${ROLE_NAMES[roles[idx]]}" and "${key}"`, { source, line, field: names[idx] })
      roles[idx] = role
      roleIndex[role] = idx
      if (!header) names[idx] = key
    }
  }
  assign(ROLE_USER, 'user', true)
  assign(ROLE_ITEM, 'item', true)
  assign(ROLE_RATING, 'rating', opts.minRating !== undefined)
  assign(ROLE_TIME, 'timestamp', false)
  if (opts.minRating !== undefined && roleIndex[ROLE_RATING] < 0) {
    throw new DataError('minRating needs a rating column, and none was found', { source, line, field: 'rating' })
  }
  return { d0, d1, nf, roles, roleIndex, names, header }
}

/**
 * The row loop of {@link TextLogReader}: parses rows of `bytes` from `pos` (a row start) into the
 * reader's columns. With `final` false, `bytes` ends with a line end, and a row whose quoted field
 * runs past the end is left for the next chunk. Returns where it stopped.
 */
function scanRows(st: TextLogReader, bytes: Uint8Array, pos: number, final: boolean): number {
  const n = bytes.length
  const source = st.source
  const { d0, d1, nf, roles, roleIndex, names } = st.layout!
  const minRating = st.opts.minRating
  const userIn = st.userIn
  const itemIn = st.itemIn
  const scratch = st.scratch
  let line = st.line
  let rows = st.rows
  let cap = st.cap
  let users = st.users
  let items = st.items
  let weights = st.weights
  let times = st.times
  const roleU = roleIndex[ROLE_USER]
  const roleI = roleIndex[ROLE_ITEM]
  // Single-byte delimiters, integer-keyed ids: runs of plain numeric rows go through scanPlainRows.
  const fastRows = d1 < 0
  while (pos < n) {
    if (fastRows && userIn.mode === 0 && itemIn.mode === 0 && rows < cap) {
      pos = scanPlainRows(bytes, pos, d0, nf, roles, userIn, itemIn, minRating, users, items, weights, times, rows, cap)
      rows = pRows
      line += pLines
      if (pos >= n) break
    }
    // Blank line.
    let c = bytes[pos]
    if (c === LF || c === CR) {
      if (c === CR) pos++
      if (pos < n && bytes[pos] === LF) pos++
      line++
      continue
    }
    const rowStart = pos
    const rowLine = line
    // Ids: a value parsed from digits (fast) or a byte range interned at row end (slow).
    let uFast = false
    let uVal = 0
    let uBuf = bytes
    let uS = 0
    let uE = 0
    let uQ = false
    let iFast = false
    let iVal = 0
    let iBuf = bytes
    let iS = 0
    let iE = 0
    let iQ = false
    let rating = 0
    let time = 0
    let f = 0
    let incomplete = false
    for (;;) {
      const role = f < nf ? roles[f] : ROLE_NONE
      const fs = pos
      let fe = pos
      let buf = bytes
      let quoted = false
      let done = false
      if (pos < n && bytes[pos] === QUOTE) {
        scanQuoted(
          bytes,
          pos,
          n,
          d0,
          d1,
          role === ROLE_USER ? 0 : role === ROLE_ITEM ? 1 : 2,
          scratch,
          source,
          rowLine,
          f < nf ? names[f] : `column ${f}`,
          final,
        )
        if (fNext < 0) {
          // A quoted field runs past the end of this chunk: parse the row again with the next one.
          incomplete = true
          break
        }
        buf = fBuf
        pos = fNext
        line += fNewlines
        quoted = true
        if (role === ROLE_USER) {
          uBuf = buf
          uS = fStart
          uE = fEnd
          uQ = true
        } else if (role === ROLE_ITEM) {
          iBuf = buf
          iS = fStart
          iE = fEnd
          iQ = true
        } else if (role === ROLE_RATING) {
          rating = parseNumber(buf, fStart, fEnd, source, rowLine, names[f])
        } else if (role === ROLE_TIME) {
          time = parseNumber(buf, fStart, fEnd, source, rowLine, names[f])
        }
        done = true
      } else if (role === ROLE_USER || role === ROLE_ITEM) {
        // Fused scan + parse of a canonical non-negative integer id (no leading zero, ≤ 15 digits).
        let p = pos
        let v = 0
        c = -1
        while (p < n) {
          c = bytes[p]
          const d = c - 48
          if (d < 0 || d > 9) break
          v = v * 10 + d
          p++
        }
        const nd = p - pos
        if (
          (p === n || c === LF || c === CR || (c === d0 && (d1 < 0 || (p + 1 < n && bytes[p + 1] === d1)))) &&
          nd > 0 &&
          nd <= 15 &&
          (nd === 1 || bytes[pos] !== 48)
        ) {
          if (role === ROLE_USER) {
            uFast = true
            uVal = v
            uS = pos
            uE = p
          } else {
            iFast = true
            iVal = v
            iS = pos
            iE = p
          }
          pos = p
          done = true
        }
      } else if (role === ROLE_RATING || role === ROLE_TIME) {
        // Fused scan + parse of [digits][.digits] with ≤ 15 significant digits.
        c = scanDecimal(bytes, pos, n)
        const p = dEnd
        if (
          (c < 0 || c === LF || c === CR || (c === d0 && (d1 < 0 || (p + 1 < n && bytes[p + 1] === d1)))) &&
          dDigits > 0 &&
          dDigits <= 15
        ) {
          const v = dValue
          if (role === ROLE_RATING) rating = v
          else time = v
          pos = p
          done = true
        }
      }
      if (!done) {
        // General unquoted field: find its end, then parse the range.
        let p = pos
        if (d1 < 0) {
          while (p < n) {
            c = bytes[p]
            if (c === d0 || c === LF || c === CR) break
            p++
          }
        } else {
          while (p < n) {
            c = bytes[p]
            if (c === LF || c === CR || (c === d0 && p + 1 < n && bytes[p + 1] === d1)) break
            p++
          }
        }
        fe = p
        pos = p
        if (role === ROLE_USER) {
          uFast = false
          uBuf = bytes
          uS = fs
          uE = fe
          uQ = quoted
        } else if (role === ROLE_ITEM) {
          iFast = false
          iBuf = bytes
          iS = fs
          iE = fe
          iQ = quoted
        } else if (role === ROLE_RATING) {
          rating = parseNumber(bytes, fs, fe, source, rowLine, names[f])
        } else if (role === ROLE_TIME) {
          time = parseNumber(bytes, fs, fe, source, rowLine, names[f])
        }
      }
      f++
      // Delimiter or end of line.
      if (pos < n) {
        c = bytes[pos]
        if (c === d0 && (d1 < 0 || (pos + 1 < n && bytes[pos + 1] === d1))) {
          pos += d1 < 0 ? 1 : 2
          continue
        } else {
          if (c === CR) pos++
          if (pos < n && bytes[pos] === LF) pos++
          line++
        }
      }
      break
    }
    if (incomplete) {
      pos = rowStart
      line = rowLine
      break
    }
    if (f !== nf) {
      throw new DataError(`expected ${nf} fields, found ${f}`, { source, line: rowLine, field: f < nf ? names[f] : `column ${f - 1}` })
    }
    // Ratings are stored as float32: a finite double beyond its range would become Infinity.
    if (weights !== undefined && (rating > F32_MAX || rating < -F32_MAX) && !Number.isFinite(Math.fround(rating))) {
      throw new DataError(`${rating} is beyond the range of a 32-bit float (±3.4e38), in which ratings are stored`, {
        source,
        line: rowLine,
        field: names[roleIndex[ROLE_RATING]],
      })
    }
    if (minRating !== undefined && rating < minRating) continue

    const u = uFast && userIn.mode === 0 ? userIn.internInt(uVal) : internId(userIn, uBuf, uS, uE, uQ, source, rowLine, names[roleU])
    if (u < 0) {
      throw new DataError(
        `unknown user ${quoteValue(decoder.decode(uBuf.subarray(uS, uE)).trim())}: it does not occur in the shared user ids (e.g. the training file)`,
        {
          source,
          line: rowLine,
          field: names[roleU],
        },
      )
    }
    const it = iFast && itemIn.mode === 0 ? itemIn.internInt(iVal) : internId(itemIn, iBuf, iS, iE, iQ, source, rowLine, names[roleI])
    if (rows === cap) {
      cap *= 2
      users = growI32(users, cap)
      items = growI32(items, cap)
      if (weights) {
        const w = new Float32Array(cap)
        w.set(weights)
        weights = w
      }
      if (times) {
        const t = new Float64Array(cap)
        t.set(times)
        times = t
      }
    }
    users[rows] = u
    items[rows] = it
    if (weights) weights[rows] = rating
    if (times) times[rows] = time
    rows++
  }
  st.line = line
  st.rows = rows
  st.cap = cap
  st.users = users
  st.items = items
  st.weights = weights
  st.times = times
  return pos
}

// Outputs of scanDecimal and of scanPlainRows (module state instead of allocated tuples).
let dEnd = 0
let dDigits = 0
let dValue = 0
let pRows = 0
let pLines = 0

/**
 * Scans `[digits][.digits]` at `bytes[p..n)`: sets `dEnd` (the first byte after it), `dDigits` and
 * `dValue` (exact for ≤ 15 digits).
 * @returns the byte at `dEnd`, or −1 at the end of the input.
 */
function scanDecimal(bytes: Uint8Array, p: number, n: number): number {
  let m = 0
  let nd = 0
  let frac = 0
  let dot = false
  let c = -1
  while (p < n) {
    c = bytes[p]
    const d = c - 48
    if (d >= 0 && d <= 9) {
      m = m * 10 + d
      nd++
      if (dot) frac++
    } else if (c === 46 && !dot) dot = true
    else break
    p++
  }
  dEnd = p
  dDigits = nd
  dValue = frac === 0 ? m : m / POW10[frac]
  return p < n ? c : -1
}

/**
 * The fast path of {@link parseInteractions}: parses consecutive rows of plain numbers (ids
 * canonical non-negative integers of ≤ 15 digits, other fields `[digits][.digits]` or, for
 * unused columns, empty) split by the one-byte delimiter `d0`, from `pos` (a row start), storing
 * them at `rows..` of the columns. Stops at the first row it cannot take whole (a quote, text, a
 * wrong field count, a blank line, an unknown user, full columns) and returns that row's start,
 * so the general field loop parses it: both paths accept and reject the same rows. Sets `pRows`
 * (the row count after) and `pLines` (lines consumed).
 * @remarks O(bytes scanned); allocates nothing beyond new ids. On the bench's 1M-row MovieLens-
 * style log the scan took ~12% less time than the general loop (alternating runs, one process).
 * The decimal scan is written out here with locals rather than calling `scanDecimal` (whose
 * results are module state): 1.12× less CPU for the whole CSV load (12 alternating runs, one process).
 */
function scanPlainRows(
  bytes: Uint8Array,
  pos: number,
  d0: number,
  nf: number,
  roles: Int32Array,
  userIn: IdInterner,
  itemIn: IdInterner,
  minRating: number | undefined,
  users: Int32Array,
  items: Int32Array,
  weights: Float32Array | undefined,
  times: Float64Array | undefined,
  rows: number,
  cap: number,
): number {
  const n = bytes.length
  const filter = minRating !== undefined
  const minR = filter ? minRating : 0
  let lines = 0
  let uVal = 0
  let iVal = 0
  let rating = 0
  let time = 0
  while (pos < n && rows < cap) {
    let p = pos
    let g = 0
    for (; g < nf; g++) {
      // [digits][.digits], scanned inline (locals, no module state): the hot loop of a CSV load.
      const fs = p
      let m = 0
      let dotAt = -1
      let c = -1
      while (p < n) {
        c = bytes[p]
        const d = c - 48
        if (d >= 0 && d <= 9) m = m * 10 + d
        else if (c === 46 && dotAt < 0) dotAt = p
        else break
        p++
      }
      if (p === n) c = -1
      // Field end: the delimiter, or for the last field the line end (or the end of the file).
      if (g < nf - 1 ? c !== d0 : c >= 0 && c !== LF && c !== CR) break
      const role = roles[g]
      const nd = dotAt < 0 ? p - fs : p - fs - 1
      if (role === ROLE_USER || role === ROLE_ITEM) {
        if (dotAt >= 0 || nd === 0 || nd > 15 || (nd > 1 && bytes[fs] === 48)) break
        if (role === ROLE_USER) uVal = m
        else iVal = m
      } else if (role === ROLE_RATING || role === ROLE_TIME) {
        if (nd === 0 || nd > 15) break
        const v = dotAt < 0 || dotAt === p - 1 ? m : m / POW10[p - dotAt - 1]
        if (role === ROLE_RATING) rating = v
        else time = v
      }
      if (g < nf - 1) p++
    }
    if (g < nf) break
    if (p < n && bytes[p] === CR) p++
    if (p < n && bytes[p] === LF) p++
    if (!(filter && rating < minR)) {
      // An unknown user (shared ids, unknownUsers 'error'): the general loop raises the error.
      const u = userIn.internInt(uVal)
      if (u < 0) break
      users[rows] = u
      items[rows] = itemIn.internInt(iVal)
      if (weights) weights[rows] = rating
      if (times) times[rows] = time
      rows++
    }
    lines++
    pos = p
  }
  pRows = rows
  pLines = lines
  return pos
}

function growI32(a: Int32Array, cap: number): Int32Array {
  const b = new Int32Array(cap)
  b.set(a)
  return b
}

/** Interns the id in `buf[s..e)` (spaces trimmed unless quoted); -1 when unknown and not allowed. */
function internId(
  inn: IdInterner,
  buf: Uint8Array,
  s: number,
  e: number,
  quoted: boolean,
  source: string,
  line: number,
  field: string,
): number {
  if (!quoted) {
    while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++
    while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--
  }
  if (s === e) throw new DataError('empty id', { source, line, field })
  if (inn.mode === 0) {
    // Canonical integer: optional '-', no leading zero, at most 15 digits.
    let p = s
    let neg = false
    if (buf[p] === 45) {
      neg = true
      p++
    }
    const digits = e - p
    if (digits > 0 && digits <= 15 && (digits === 1 || buf[p] !== 48)) {
      let v = 0
      for (; p < e; p++) {
        const d = buf[p] - 48
        if (d < 0 || d > 9) break
        v = v * 10 + d
      }
      if (p === e) return inn.internInt(neg ? -v : v)
    }
    if (!inn.canSwitch) {
      throw new DataError(`${quoteValue(decoder.decode(buf.subarray(s, e)))} is not an integer id, but the shared id map has integer ids`, {
        source,
        line,
        field,
      })
    }
    inn.switchToStrings()
  }
  const id = inn.internBytes(buf, s, e)
  if (id === INVALID_UTF8) {
    // Decoding with replacement characters would merge distinct ids (two users became one).
    throw new DataError(`id ${quoteValue(decoder.decode(buf.subarray(s, e)))} is not valid UTF-8 text`, { source, line, field })
  }
  return id
}

/** Parses a finite number from `buf[s..e)`; throws a DataError naming the field otherwise. */
function parseNumber(buf: Uint8Array, s: number, e: number, source: string, line: number, field: string): number {
  while (s < e && (buf[s] === SPACE || buf[s] === TAB)) s++
  while (e > s && (buf[e - 1] === SPACE || buf[e - 1] === TAB)) e--
  // Fast path: [-+]digits[.digits] with at most 15 significant digits, one correctly rounded division.
  let p = s
  let neg = false
  if (p < e && (buf[p] === 45 || buf[p] === 43)) {
    neg = buf[p] === 45
    p++
  }
  scanDecimal(buf, p, e)
  if (dEnd === e && dDigits > 0 && dDigits <= 15) return neg ? -dValue : dValue
  return parseNumberSlow(buf, s, e, source, line, field)
}

function parseNumberSlow(buf: Uint8Array, s: number, e: number, source: string, line: number, field: string): number {
  const text = decoder.decode(buf.subarray(s, e))
  if (text.length === 0) throw new DataError('empty value, expected a number', { source, line, field })
  const v = Number(text)
  if (Number.isFinite(v)) return v
  if (/^[+-]?nan$/i.test(text)) throw new DataError(`${quoteValue(text)} is NaN, expected a finite number`, { source, line, field })
  if (v === Infinity || v === -Infinity || /^[+-]?inf(inity)?$/i.test(text)) {
    throw new DataError(`${quoteValue(text)} is infinite, expected a finite number`, { source, line, field })
  }
  throw new DataError(`${quoteValue(text)} is not a number`, { source, line, field })
}

/**
 * Scans a quoted field starting at `p` (on the opening quote). Sets fBuf/fStart/fEnd to the
 * unescaped contents (a scratch buffer when `""` escapes occur), fNext to the position after the
 * closing quote and any spaces, fNewlines to the newlines inside the field.
 */
function scanQuoted(
  b: Uint8Array,
  p: number,
  n: number,
  d0: number,
  d1: number,
  slot: number,
  scratch: Uint8Array[],
  source: string,
  line: number,
  field: string,
  final: boolean,
): void {
  const start = p + 1
  let q = start
  let escapes = 0
  let newlines = 0
  for (;;) {
    if (q >= n) {
      if (!final) {
        fNext = -1
        return
      }
      throw new DataError('unterminated quoted field', { source, line, field })
    }
    const c = b[q]
    if (c === QUOTE) {
      if (q + 1 < n && b[q + 1] === QUOTE) {
        escapes++
        q += 2
        continue
      }
      break
    }
    if (c === LF) newlines++
    q++
  }
  const end = q
  let next = q + 1
  while (next < n && (b[next] === SPACE || b[next] === TAB) && b[next] !== d0) next++
  if (next < n) {
    const c = b[next]
    if (!(c === LF || c === CR || (c === d0 && (d1 < 0 || (next + 1 < n && b[next + 1] === d1))))) {
      throw new DataError(`unexpected character ${quoteValue(String.fromCharCode(c))} after a closing quote`, {
        source,
        line: line + newlines,
        field,
      })
    }
  }
  fNext = next
  fNewlines = newlines
  if (escapes === 0) {
    fBuf = b
    fStart = start
    fEnd = end
    return
  }
  let out = scratch[slot]
  if (out.length < end - start) {
    out = new Uint8Array(2 * (end - start))
    scratch[slot] = out
  }
  let o = 0
  for (let r = start; r < end; r++) {
    out[o++] = b[r]
    if (b[r] === QUOTE) r++
  }
  fBuf = out
  fStart = 0
  fEnd = o
}

function resolveDelimiter(d: Delimiter | 'auto', firstLine: string): Delimiter {
  if (d !== 'auto') {
    if (d !== ',' && d !== '\t' && d !== '::' && d !== ';') throw new Error(`parseInteractions: unsupported delimiter ${JSON.stringify(d)}`)
    return d
  }
  if (firstLine.includes('::')) return '::'
  let inQ = false
  let tabs = 0
  let commas = 0
  let semis = 0
  for (let i = 0; i < firstLine.length; i++) {
    const ch = firstLine[i]
    if (ch === '"') inQ = !inQ
    else if (!inQ) {
      if (ch === '\t') tabs++
      else if (ch === ',') commas++
      else if (ch === ';') semis++
    }
  }
  if (tabs >= commas && tabs >= semis && tabs > 0) return '\t'
  if (commas >= semis && commas > 0) return ','
  if (semis > 0) return ';'
  return ','
}

/** Splits one (header) line on `delim`, honouring quotes; returns unquoted fields. */
function splitSimple(lineText: string, delim: string): string[] {
  return parseCsvRecords(lineText, { delimiter: delim as Delimiter })[0] ?? ['']
}

/** Options of {@link parseCsvRecords}. */
export interface CsvRecordOptions {
  /** Field delimiter (default `','`). */
  delimiter?: Delimiter | '|'
  /** File name for error messages. */
  source?: string
}

/**
 * Splits CSV/TSV text into records of string fields, for metadata files (titles with commas in
 * quotes, `""` escapes, embedded newlines). Blank lines are skipped; `\r\n` is accepted.
 *
 * @param text - the file contents as a string.
 * @param opts - delimiter and source name.
 * @returns one array of fields per record, the header included.
 * @throws {@link DataError} naming source and line for an unterminated quote.
 * @example
 * ```ts
 * parseCsvRecords('movieId,title\n1,"Toy Story, The (1995)"\n')
 * // [['movieId', 'title'], ['1', 'Toy Story, The (1995)']]
 * ```
 * @remarks O(text length); allocates one string per field.
 */
export function parseCsvRecords(text: string, opts: CsvRecordOptions = {}): string[][] {
  const delim = opts.delimiter ?? ','
  const source = opts.source ?? '<input>'
  const out: string[][] = []
  const n = text.length
  let pos = text.charCodeAt(0) === 0xfeff ? 1 : 0
  let line = 1
  const dl = delim.length
  while (pos < n) {
    const c0 = text.charCodeAt(pos)
    if (c0 === LF || c0 === CR) {
      if (c0 === CR) pos++
      if (pos < n && text.charCodeAt(pos) === LF) pos++
      line++
      continue
    }
    const rec: string[] = []
    const recLine = line
    for (;;) {
      if (pos < n && text.charCodeAt(pos) === QUOTE) {
        let q = pos + 1
        let val = ''
        let segStart = q
        for (;;) {
          if (q >= n) throw new DataError('unterminated quoted field', { source, line: recLine, field: `column ${rec.length}` })
          const c = text.charCodeAt(q)
          if (c === QUOTE) {
            if (q + 1 < n && text.charCodeAt(q + 1) === QUOTE) {
              val += text.slice(segStart, q + 1)
              q += 2
              segStart = q
              continue
            }
            break
          }
          if (c === LF) line++
          q++
        }
        val += text.slice(segStart, q)
        pos = q + 1
        // Tolerate text between the closing quote and the delimiter (kept, as spreadsheets do).
        let e = pos
        while (e < n && !text.startsWith(delim, e) && text.charCodeAt(e) !== LF && text.charCodeAt(e) !== CR) e++
        if (e > pos) val += text.slice(pos, e)
        pos = e
        rec.push(val)
      } else {
        let e = pos
        while (e < n) {
          const c = text.charCodeAt(e)
          if (c === LF || c === CR) break
          if (c === delim.charCodeAt(0) && (dl === 1 || text.startsWith(delim, e))) break
          e++
        }
        rec.push(text.slice(pos, e))
        pos = e
      }
      if (pos < n && text.startsWith(delim, pos)) {
        pos += dl
        if (pos === n) rec.push('')
        continue
      }
      if (pos < n && text.charCodeAt(pos) === CR) pos++
      if (pos < n && text.charCodeAt(pos) === LF) pos++
      line++
      break
    }
    out.push(rec)
  }
  return out
}
