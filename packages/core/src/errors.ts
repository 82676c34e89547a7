/** Where in an input a {@link DataError} was found. Every field is optional; give what is known. */
export interface DataErrorLocation {
  /** File name (or a label such as `"<bytes>"`) of the input. */
  source?: string
  /** 1-based physical line of a text input. */
  line?: number
  /** Column name (header name, or the role such as `"rating"` when there is no header). */
  field?: string
  /** 0-based row inside a record batch (Arrow inputs). */
  row?: number
  /** 0-based record batch index (Arrow inputs). */
  batch?: number
  /** 0-based row group index (Parquet inputs); `row` is then the row within the row group. */
  rowGroup?: number
}

/**
 * Bad input data: a malformed row, a missing column, an empty file, an unknown id. The message
 * names the file, the line (or record batch and row) and the field, e.g.
 * `ratings.csv line 17, field "rating": "abc" is not a number`.
 *
 * @remarks The location is also kept as fields, so the CLI can report it without parsing the
 * message, and tests can assert on it.
 * @example
 * ```ts
 * try { parseInteractions(bytes, { source: 'ratings.csv' }) }
 * catch (e) { if (e instanceof DataError) console.error(e.source, e.line, e.field) }
 * ```
 */
export class DataError extends Error {
  /** File name or label of the input. */
  readonly source: string | undefined
  /** 1-based line of a text input. */
  readonly line: number | undefined
  /** Column name. */
  readonly field: string | undefined
  /** 0-based row within the record batch (Arrow). */
  readonly row: number | undefined
  /** 0-based record batch index (Arrow). */
  readonly batch: number | undefined
  /** 0-based row group index (Parquet). */
  readonly rowGroup: number | undefined
  /** The problem alone, without the location prefix. */
  readonly detail: string

  /**
   * @param detail - what is wrong, e.g. `"abc" is not a number`.
   * @param where - where it is; the message is `<source> line <n>, field "<f>": <detail>`.
   */
  constructor(detail: string, where: DataErrorLocation = {}) {
    super(formatDataError(detail, where))
    this.name = 'DataError'
    this.detail = detail
    this.source = where.source
    this.line = where.line
    this.field = where.field
    this.row = where.row
    this.batch = where.batch
    this.rowGroup = where.rowGroup
  }
}

/** @internal Builds the message of a {@link DataError}. */
export function formatDataError(detail: string, where: DataErrorLocation): string {
  const parts: string[] = []
  let head = where.source ?? '<input>'
  if (where.line !== undefined) head += ` line ${where.line}`
  if (where.rowGroup !== undefined) head += ` row group ${where.rowGroup}`
  else if (where.batch !== undefined) head += ` record batch ${where.batch}`
  if (where.row !== undefined) head += (where.batch !== undefined || where.rowGroup !== undefined ? ',' : '') + ` row ${where.row}`
  parts.push(head)
  if (where.field !== undefined) parts.push(` field "${where.field}"`)
  return parts.join(',') + ': ' + detail
}

/** @internal Quotes a raw value for an error message, shortened to 40 characters. */
export function quoteValue(raw: string): string {
  const s = raw.length > 40 ? raw.slice(0, 37) + '...' : raw
  return JSON.stringify(s)
}
