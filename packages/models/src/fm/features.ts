import { DataError, IdMap, parseCsvRecords, type ExternalId } from '@decoy/core'

/** Name of the user id field (one-hot feature per user). */
export const USER_ID_FIELD = 'user'
/** Name of the item id field (one-hot feature per item). */
export const ITEM_ID_FIELD = 'item'

/** Sparse feature rows (CSR): row r owns `features/values[indptr[r] .. indptr[r+1])`. */
export interface FeatureRows {
  /** Number of rows. */
  numRows: number
  /** `[numRows + 1]` row pointers. */
  indptr: Int32Array
  /** Feature ids. */
  features: Int32Array
  /** Feature values (1/√n per categorical value of a field with n values in the row; numeric as given). */
  values: Float32Array
}

/** One field of a {@link FeatureDictionary}. */
export interface FieldInfo {
  /** Field name, e.g. `'genre'`. */
  name: string
  /** `'user'` or `'item'` side. */
  side: 'user' | 'item'
  /** Categorical (one feature per value) or numeric (one feature, value standardised). */
  type: 'categorical' | 'numeric'
  /** Numeric fields: mean subtracted before scaling. */
  mean?: number
  /** Numeric fields: standard deviation divided by (1 when 0). */
  std?: number
}

/** JSON form of a {@link FeatureDictionary} (stored in saved models). */
export interface FeatureDictionaryJson {
  /** Fields in id order. */
  fields: FieldInfo[]
  /** Field index per feature. */
  featureField: number[]
  /** Value per feature (`''` for numeric fields). */
  featureValue: string[]
}

/**
 * The feature dictionary of a factorization machine: named fields, each on the user or the item
 * side, and `field:value → feature id` for categorical values (numeric fields own one feature).
 * Persisted with the model so that `recommendForFeatures` and reloaded models use the same ids.
 *
 * @remarks Lookups use a `Map`: fine at the edges (building rows), never in a kernel.
 */
export class FeatureDictionary {
  /** Fields in id order. */
  readonly fields: FieldInfo[] = []
  /** Field index per feature. */
  readonly featureField: number[] = []
  /** Value per feature (`''` for numeric fields). */
  readonly featureValue: string[] = []
  private readonly fieldIndex = new Map<string, number>()
  private readonly keys = new Map<string, number>()

  /** Number of features. */
  get size(): number {
    return this.featureField.length
  }

  /** Index of field `name`, or -1. */
  fieldId(name: string): number {
    const f = this.fieldIndex.get(name)
    return f === undefined ? -1 : f
  }

  /**
   * Declares a field (idempotent when side and type agree).
   * @throws Error when the field exists with another side or type.
   */
  addField(name: string, side: 'user' | 'item', type: 'categorical' | 'numeric'): number {
    const have = this.fieldIndex.get(name)
    if (have !== undefined) {
      const f = this.fields[have]
      if (f.side !== side || f.type !== type)
        throw new Error(`feature field "${name}" already exists as a ${f.side} ${f.type} field, not ${side} ${type}`)
      return have
    }
    const id = this.fields.length
    this.fields.push({ name, side, type })
    this.fieldIndex.set(name, id)
    if (type === 'numeric') this.push(id, '')
    return id
  }

  /** Feature id of `value` in categorical field `field`, adding it when new. */
  intern(field: number, value: string): number {
    const key = field + '\u0000' + value
    const have = this.keys.get(key)
    if (have !== undefined) return have
    return this.push(field, value)
  }

  /** Feature id of `value` in field `field` (any value for numeric fields), or -1. */
  get(field: number, value: string): number {
    if (field < 0 || field >= this.fields.length) return -1
    const v = this.keys.get(field + '\u0000' + (this.fields[field].type === 'numeric' ? '' : value))
    return v === undefined ? -1 : v
  }

  /** `field:value` label of a feature (for reports). */
  label(feature: number): string {
    const f = this.fields[this.featureField[feature]]
    return f.type === 'numeric' ? f.name : `${f.name}:${this.featureValue[feature]}`
  }

  /** JSON form (fields and features in id order). */
  toJSON(): FeatureDictionaryJson {
    return { fields: this.fields.map((f) => ({ ...f })), featureField: this.featureField.slice(), featureValue: this.featureValue.slice() }
  }

  /** Rebuilds a dictionary from {@link FeatureDictionary.toJSON}. */
  static fromJSON(j: FeatureDictionaryJson): FeatureDictionary {
    const d = new FeatureDictionary()
    for (const f of j.fields) {
      const id = d.fields.length
      d.fields.push({ ...f })
      d.fieldIndex.set(f.name, id)
    }
    for (let i = 0; i < j.featureField.length; i++) d.push(j.featureField[i], j.featureValue[i])
    return d
  }

  private push(field: number, value: string): number {
    const id = this.featureField.length
    this.featureField.push(field)
    this.featureValue.push(value)
    this.keys.set(field + '\u0000' + value, id)
    return id
  }
}

/** Everything an FM needs about its inputs: the dictionary, id maps and both sides' rows. */
export interface FmFeatures {
  /** Feature dictionary (fields and `field:value → id`). */
  dictionary: FeatureDictionary
  /** Users (the training map, extended with users known only by features). */
  userIds: IdMap
  /** Items (the training map, extended with items known only by features). */
  itemIds: IdMap
  /** One row per user, aligned with `userIds`. */
  users: FeatureRows
  /** One row per item, aligned with `itemIds`. */
  items: FeatureRows
}

/** Item metadata as `@decoy/datasets` returns it (structural, so models need not import datasets). */
export interface ItemMetaLike {
  /** External item id per metadata row. */
  ids: ArrayLike<ExternalId>
  /** Genres per row. */
  genres?: readonly (readonly string[])[]
  /** Release year per row (0 = unknown). */
  year?: ArrayLike<number>
}

/** User demographics as `@decoy/datasets` returns them. */
export interface UserMetaLike {
  /** External user id per row. */
  ids: ArrayLike<ExternalId>
  /** Gender per row (`''` unknown). */
  gender?: readonly string[]
  /** Age per row (0 unknown). */
  age?: ArrayLike<number>
  /** Occupation per row (`''` unknown). */
  occupation?: readonly string[]
}

/** Tag applications as `@decoy/datasets` returns them. */
export interface TagRecordsLike {
  /** External item id per tag row. */
  itemIds: ArrayLike<ExternalId>
  /** Tag text per row. */
  tags: readonly string[]
}

/** What to do with an id a feature source names that the id map does not know. */
export type UnknownIdPolicy = 'error' | 'add' | 'skip'

/** Options of {@link FmFeatureBuilder}. */
export interface FeatureBuilderOptions {
  /** Training users (copied; users added by feature sources extend the copy). */
  userIds: IdMap
  /** Training items (copied; items added by feature sources extend the copy). */
  itemIds: IdMap
  /** One-hot user id field (default true). */
  userIdFeature?: boolean
  /** One-hot item id field (default true). */
  itemIdFeature?: boolean
}

/** Options of {@link FmFeatureBuilder.addFeatureFile}. */
export interface FeatureFileOptions {
  /** File name for errors. */
  source?: string
  /** `','`, `'\t'`, `';'` or `'auto'` (default: tab when the header has one, else comma). */
  delimiter?: ',' | '\t' | ';' | 'auto'
  /** Unknown ids (default `'error'`; `'add'` makes cold-start users/items). */
  unknownIds?: UnknownIdPolicy
  /** Prefix of field names (default: none; names are the header's). */
  prefix?: string
}

const EMPTY: readonly string[] = []

/**
 * Builds {@link FmFeatures}: user and item id fields, dataset metadata (genres, release-year
 * bucket, tags, demographics) and feature files, joined on external ids.
 *
 * @example
 * ```ts
 * const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
 * fb.addItemMeta(ds.items!, { genres: true, year: true })
 * fb.addItemTags(ds.tags!, { minItems: 2 })
 * const features = fb.build()
 * ```
 */
export class FmFeatureBuilder {
  /** The dictionary being filled. */
  readonly dictionary = new FeatureDictionary()
  /** Users (a copy of the training map, possibly extended). */
  readonly userIds: IdMap
  /** Items (a copy of the training map, possibly extended). */
  readonly itemIds: IdMap
  private readonly userRows: Map<number, number>[] = []
  private readonly itemRows: Map<number, number>[] = []
  private readonly userIdFeature: boolean
  private readonly itemIdFeature: boolean

  constructor(opts: FeatureBuilderOptions) {
    this.userIds = IdMap.from(opts.userIds.toArray(), opts.userIds.kind)
    this.itemIds = IdMap.from(opts.itemIds.toArray(), opts.itemIds.kind)
    this.userIdFeature = opts.userIdFeature !== false
    this.itemIdFeature = opts.itemIdFeature !== false
  }

  /**
   * Item genres (field `genre`) and release-year buckets (field `year`, `bucket` years wide,
   * default 5; unknown years get no feature).
   * @param opts.unknownIds - metadata items the map lacks (default `'add'`: cold-start items).
   */
  addItemMeta(
    meta: ItemMetaLike,
    opts: { genres?: boolean; year?: boolean; yearBucket?: number; unknownIds?: UnknownIdPolicy } = {},
  ): this {
    const policy = opts.unknownIds ?? 'add'
    const bucket = opts.yearBucket ?? 5
    const gField = opts.genres !== false && meta.genres ? this.dictionary.addField('genre', 'item', 'categorical') : -1
    const yField = opts.year !== false && meta.year ? this.dictionary.addField('year', 'item', 'categorical') : -1
    for (let r = 0; r < meta.ids.length; r++) {
      const item = this.resolve('item', meta.ids[r], policy, { source: 'item metadata', row: r, field: 'id' })
      if (item < 0) continue
      if (gField >= 0) this.setCategorical('item', item, gField, meta.genres![r] ?? EMPTY)
      if (yField >= 0) {
        const y = meta.year![r]
        if (y > 0) {
          const b = Math.floor(y / bucket) * bucket
          this.setCategorical('item', item, yField, [bucket === 1 ? String(b) : `${b}-${b + bucket - 1}`])
        }
      }
    }
    return this
  }

  /**
   * Item tags (field `tag`): lower-cased, trimmed, kept when applied to at least `minItems`
   * distinct items (default 2). Tag rows of unknown items are skipped.
   */
  addItemTags(tags: TagRecordsLike, opts: { minItems?: number } = {}): this {
    const minItems = opts.minItems ?? 2
    const perItem = new Map<number, Set<string>>()
    const itemsPerTag = new Map<string, Set<number>>()
    for (let r = 0; r < tags.itemIds.length; r++) {
      const item = this.itemIds.get(tags.itemIds[r])
      if (item < 0) continue
      const t = tags.tags[r].trim().toLowerCase()
      if (t === '') continue
      let s = perItem.get(item)
      if (!s) perItem.set(item, (s = new Set()))
      s.add(t)
      let it = itemsPerTag.get(t)
      if (!it) itemsPerTag.set(t, (it = new Set()))
      it.add(item)
    }
    const field = this.dictionary.addField('tag', 'item', 'categorical')
    const items = [...perItem.keys()].sort((a, b) => a - b)
    for (const item of items) {
      const kept = [...perItem.get(item)!].filter((t) => itemsPerTag.get(t)!.size >= minItems).sort()
      if (kept.length > 0) this.setCategorical('item', item, field, kept)
    }
    return this
  }

  /**
   * User demographics: `gender`, `age` (bucketed: <18, 18-24, 25-34, 35-44, 45-49, 50-55, 56+;
   * ml-1m's codes fall in the same buckets), `occupation`.
   * @param opts.unknownIds - demographic rows of users the map lacks (default `'add'`).
   */
  addUserMeta(meta: UserMetaLike, opts: { unknownIds?: UnknownIdPolicy } = {}): this {
    const policy = opts.unknownIds ?? 'add'
    const gF = meta.gender ? this.dictionary.addField('gender', 'user', 'categorical') : -1
    const aF = meta.age ? this.dictionary.addField('age', 'user', 'categorical') : -1
    const oF = meta.occupation ? this.dictionary.addField('occupation', 'user', 'categorical') : -1
    for (let r = 0; r < meta.ids.length; r++) {
      const u = this.resolve('user', meta.ids[r], policy, { source: 'user metadata', row: r, field: 'id' })
      if (u < 0) continue
      if (gF >= 0 && meta.gender![r]) this.setCategorical('user', u, gF, [meta.gender![r]])
      if (aF >= 0 && meta.age![r] > 0) this.setCategorical('user', u, aF, [ageBucket(meta.age![r])])
      if (oF >= 0 && meta.occupation![r]) this.setCategorical('user', u, oF, [meta.occupation![r]])
    }
    return this
  }

  /**
   * Reads a feature file: CSV/TSV with a header; the first column is the external user or item
   * id, every other column a field. A column is numeric when its header says `name:num`, or
   * (without a `:cat`/`:num` suffix) when its first non-empty value is a number; other columns
   * are categorical with several values separated by `|`. Numeric values are standardised
   * (mean 0, std 1; the statistics are stored in the dictionary). Empty cells give no feature.
   *
   * @throws DataError naming the file, line and field for a missing header, a wrong number of
   * fields, an empty or duplicate id, an unknown id (policy `'error'`), a non-numeric value in a
   * numeric column, or a field that already exists on the other side.
   */
  addFeatureFile(side: 'user' | 'item', text: string, opts: FeatureFileOptions = {}): this {
    const source = opts.source ?? `<${side} features>`
    const policy = opts.unknownIds ?? 'error'
    const lines = text.split('\n')
    let first = 0
    while (first < lines.length && lines[first].trim() === '') first++
    if (first >= lines.length)
      throw new DataError('empty feature file: a header line (id column, then one column per field) is required', { source })
    const headLine = lines[first].replace(/\r$/, '').replace(/^\uFEFF/, '')
    const delim =
      opts.delimiter && opts.delimiter !== 'auto'
        ? opts.delimiter
        : headLine.includes('\t')
          ? '\t'
          : headLine.includes(',')
            ? ','
            : headLine.includes(';')
              ? ';'
              : '\t'
    const header = splitLine(headLine, delim, source, first + 1)
    if (header.length < 2)
      throw new DataError(`the header must name the id column and at least one feature column (got ${JSON.stringify(headLine)})`, {
        source,
        line: first + 1,
      })
    const names: string[] = []
    const declared: ('categorical' | 'numeric' | null)[] = []
    for (let c = 1; c < header.length; c++) {
      let h = header[c].trim()
      let type: 'categorical' | 'numeric' | null = null
      const m = /^(.*):(num|numeric|cat|categorical)$/.exec(h)
      if (m) {
        h = m[1]
        type = m[2].startsWith('num') ? 'numeric' : 'categorical'
      }
      if (h === '') throw new DataError(`empty column name in the header`, { source, line: first + 1, field: `column ${c + 1}` })
      if (names.includes(h)) throw new DataError(`duplicate column name "${h}"`, { source, line: first + 1, field: h })
      names.push((opts.prefix ?? '') + h)
      declared.push(type)
    }
    // Pass 1: parse cells, decide column types, collect numeric statistics.
    const rows: { line: number; row: number; cells: string[] }[] = []
    const seen = new Set<number>()
    for (let l = first + 1; l < lines.length; l++) {
      const raw = lines[l].replace(/\r$/, '')
      if (raw.trim() === '') continue
      const cells = splitLine(raw, delim, source, l + 1)
      if (cells.length !== header.length) {
        throw new DataError(`expected ${header.length} fields (as in the header), got ${cells.length}`, { source, line: l + 1 })
      }
      const ext = cells[0].trim()
      if (ext === '') throw new DataError('empty id', { source, line: l + 1, field: header[0] })
      const row = this.resolve(side, ext, policy, { source, line: l + 1, field: header[0] })
      if (row < 0) continue
      if (seen.has(row)) throw new DataError(`duplicate id ${JSON.stringify(ext)}`, { source, line: l + 1, field: header[0] })
      seen.add(row)
      rows.push({ line: l + 1, row, cells })
    }
    for (let c = 0; c < names.length; c++) {
      let type = declared[c]
      if (type === null) {
        type = 'categorical'
        for (const r of rows) {
          const v = r.cells[c + 1].trim()
          if (v === '') continue
          type = isNumber(v) ? 'numeric' : 'categorical'
          break
        }
      }
      let field: number
      try {
        field = this.dictionary.addField(names[c], side, type)
      } catch (e) {
        throw new DataError((e as Error).message, { source, line: first + 1, field: names[c] })
      }
      if (type === 'numeric') {
        const vals = new Float64Array(rows.length)
        const rowIdx = new Int32Array(rows.length)
        let n = 0
        let sum = 0
        for (const r of rows) {
          const v = r.cells[c + 1].trim()
          if (v === '') continue
          if (!isNumber(v)) {
            const why =
              declared[c] === 'numeric'
                ? 'declared numeric'
                : `numeric: its first value is a number; write "${header[c + 1].trim()}:cat" in the header for a categorical column`
            throw new DataError(`${JSON.stringify(v)} is not a finite number (the column is ${why})`, {
              source,
              line: r.line,
              field: names[c],
            })
          }
          vals[n] = Number(v)
          rowIdx[n] = r.row
          sum += vals[n]
          n++
        }
        const mean = n > 0 ? sum / n : 0
        let ss = 0
        for (let i = 0; i < n; i++) ss += (vals[i] - mean) ** 2
        const std = n > 1 && ss > 0 ? Math.sqrt(ss / n) : 1
        const info = this.dictionary.fields[field]
        info.mean = mean
        info.std = std
        for (let i = 0; i < n; i++) this.setNumeric(side, rowIdx[i], field, (vals[i] - mean) / std)
      } else {
        for (const r of rows) {
          const v = r.cells[c + 1].trim()
          if (v === '') continue
          const values = v
            .split('|')
            .map((s) => s.trim())
            .filter((s) => s !== '')
          this.setCategorical(side, r.row, field, values)
        }
      }
    }
    return this
  }

  /**
   * Finishes the rows: the id fields (when on) first, then every field in dictionary order.
   * @returns the features; users/items are every id in the (extended) maps.
   */
  build(): FmFeatures {
    const d = this.dictionary
    if (this.userIdFeature) {
      const f = d.addField(USER_ID_FIELD, 'user', 'categorical')
      for (let u = 0; u < this.userIds.size; u++) this.row('user', u).set(d.intern(f, String(this.userIds.external(u))), 1)
    }
    if (this.itemIdFeature) {
      const f = d.addField(ITEM_ID_FIELD, 'item', 'categorical')
      for (let i = 0; i < this.itemIds.size; i++) this.row('item', i).set(d.intern(f, String(this.itemIds.external(i))), 1)
    }
    if (d.size === 0) throw new Error('FM features: no features at all (id fields are off and no feature source was added)')
    return {
      dictionary: d,
      userIds: this.userIds,
      itemIds: this.itemIds,
      users: toRows(this.userRows, this.userIds.size),
      items: toRows(this.itemRows, this.itemIds.size),
    }
  }

  private resolve(
    side: 'user' | 'item',
    ext: ExternalId,
    policy: UnknownIdPolicy,
    where: { source: string; line?: number; row?: number; field: string },
  ): number {
    const map = side === 'user' ? this.userIds : this.itemIds
    let id: number
    try {
      id = policy === 'add' ? map.intern(ext) : map.get(ext)
    } catch (e) {
      throw new DataError(`${JSON.stringify(String(ext))} is not a valid ${side} id: ${(e as Error).message}`, where)
    }
    if (id < 0 && policy === 'error') {
      throw new DataError(
        `unknown ${side} id ${JSON.stringify(String(ext))} (not in the training data; pass unknownIds: 'add' for cold-start ${side}s)`,
        where,
      )
    }
    return id
  }

  private row(side: 'user' | 'item', r: number): Map<number, number> {
    const rows = side === 'user' ? this.userRows : this.itemRows
    while (rows.length <= r) rows.push(new Map())
    return rows[r]
  }

  private setCategorical(side: 'user' | 'item', r: number, field: number, values: readonly string[]): void {
    const distinct = [...new Set(values)]
    if (distinct.length === 0) return
    const row = this.row(side, r)
    const x = 1 / Math.sqrt(distinct.length)
    for (const v of distinct) row.set(this.dictionary.intern(field, v), x)
  }

  private setNumeric(side: 'user' | 'item', r: number, field: number, value: number): void {
    this.row(side, r).set(this.dictionary.get(field, ''), value)
  }
}

/** Age bucket label of an age in years (or an ml-1m age code). */
export function ageBucket(age: number): string {
  if (age < 18) return '<18'
  if (age < 25) return '18-24'
  if (age < 35) return '25-34'
  if (age < 45) return '35-44'
  if (age < 50) return '45-49'
  if (age < 56) return '50-55'
  return '56+'
}

function isNumber(v: string): boolean {
  if (!/^[+-]?(\d+\.?\d*|\.\d+)([eE][+-]?\d+)?$/.test(v)) return false
  return Number.isFinite(Number(v))
}

function splitLine(line: string, delim: string, source: string, lineNo: number): string[] {
  if (!line.includes('"')) return line.split(delim)
  try {
    return parseCsvRecords(line, { delimiter: delim as ',' })[0] ?? ['']
  } catch (e) {
    throw new DataError(e instanceof DataError ? e.detail : (e as Error).message, { source, line: lineNo })
  }
}

function toRows(rows: Map<number, number>[], numRows: number): FeatureRows {
  let nnz = 0
  for (let r = 0; r < rows.length; r++) nnz += rows[r].size
  const indptr = new Int32Array(numRows + 1)
  const features = new Int32Array(nnz)
  const values = new Float32Array(nnz)
  let o = 0
  for (let r = 0; r < numRows; r++) {
    indptr[r] = o
    const row = rows[r]
    if (row) {
      const ids = [...row.keys()].sort((a, b) => a - b)
      for (const f of ids) {
        features[o] = f
        values[o] = row.get(f)!
        o++
      }
    }
  }
  indptr[numRows] = o
  return { numRows, indptr, features, values }
}

/**
 * A one-off sparse row from named field values, for a user (or item) known only by features.
 * Categorical fields take a string or a string array; numeric fields a number (standardised with
 * the dictionary's statistics). Values the dictionary never saw are skipped (they have no
 * parameters); unknown field names or a field of the wrong side are errors.
 *
 * @returns the row's feature ids and values.
 */
export function featureRow(
  dict: FeatureDictionary,
  side: 'user' | 'item',
  input: Record<string, string | number | readonly string[]>,
): { features: Int32Array; values: Float32Array } {
  const row = new Map<number, number>()
  for (const name of Object.keys(input)) {
    const f = dict.fieldId(name)
    if (f < 0)
      throw new Error(
        `unknown feature field "${name}" (known ${side} fields: ${dict.fields
          .filter((x) => x.side === side)
          .map((x) => x.name)
          .join(', ')})`,
      )
    const info = dict.fields[f]
    if (info.side !== side) throw new Error(`feature field "${name}" is a ${info.side} field, not a ${side} field`)
    const v = input[name]
    if (info.type === 'numeric') {
      const x = typeof v === 'number' ? v : Number(v)
      if (!Number.isFinite(x)) throw new Error(`feature field "${name}" is numeric; got ${JSON.stringify(v)}`)
      row.set(dict.get(f, ''), (x - (info.mean ?? 0)) / (info.std ?? 1))
    } else {
      const vals = [...new Set((Array.isArray(v) ? v : [v]).map(String))]
      const x = 1 / Math.sqrt(Math.max(1, vals.length))
      for (const s of vals) {
        const id = dict.get(f, s)
        if (id >= 0) row.set(id, x)
      }
    }
  }
  const ids = [...row.keys()].sort((a, b) => a - b)
  return { features: Int32Array.from(ids), values: Float32Array.from(ids.map((i) => row.get(i)!)) }
}

/** Metadata fields an FM can take from a dataset (`features: 'genres,year,tags'`). */
export const FM_METADATA_FIELDS = Object.freeze(['genres', 'year', 'tags', 'demographics'] as const)

/** A feature file for one side: its name (for errors) and its CSV/TSV text. */
export interface FeatureFileInput {
  /** File name, for error messages. */
  path: string
  /** The file's text. */
  text: string
}

/** Inputs of {@link fmFeaturesFrom}. */
export interface FmFeatureSources {
  /** Metadata fields, comma-separated or listed: any of {@link FM_METADATA_FIELDS}. */
  fields?: string | readonly string[]
  /** The dataset's metadata (needed when `fields` is not empty). */
  metadata?: { items?: object | null; users?: object | null; tags?: object | null }
  /** A user feature file (keyed by external user id). */
  userFeatures?: FeatureFileInput
  /** An item feature file (keyed by external item id). */
  itemFeatures?: FeatureFileInput
}

/**
 * An FM's feature rows for `train`: the id fields, plus metadata `fields` joined on external ids
 * (metadata of users or items outside `train` is skipped, so the FM ranks the training items), plus
 * feature files. The one place the CLI, experiments and `fit` build them.
 * @param checkOnly - only check the field names (returns null).
 * @throws Error naming the field when it is unknown or the metadata lacks it.
 */
export function fmFeaturesFrom(train: { userIds: IdMap; itemIds: IdMap }, sources: FmFeatureSources, checkOnly = false): FmFeatures | null {
  const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
  const list = typeof sources.fields === 'string' ? sources.fields.split(',') : [...(sources.fields ?? [])]
  const fields = list.map((f) => f.trim()).filter((f) => f.length > 0)
  for (const f of fields) {
    if (!(FM_METADATA_FIELDS as readonly string[]).includes(f))
      throw new Error(`features: unknown field "${f}" (known: ${FM_METADATA_FIELDS.join(', ')})`)
  }
  if (checkOnly) return null
  const meta = sources.metadata ?? {}
  const missing = (what: string): Error =>
    new Error(
      `features: the data has no ${what} (pass fit(train, { metadata }); MovieLens datasets have genres, year and tags; ml-100k and ml-1m demographics)`,
    )
  const genres = fields.includes('genres')
  const year = fields.includes('year')
  if (genres || year) {
    if (!meta?.items) throw missing('item metadata')
    fb.addItemMeta(meta.items as ItemMetaLike, { genres, year, unknownIds: 'skip' })
  }
  if (fields.includes('tags')) {
    if (!meta?.tags) throw missing('tags')
    fb.addItemTags(meta.tags as TagRecordsLike)
  }
  if (fields.includes('demographics')) {
    if (!meta?.users) throw missing('user demographics')
    fb.addUserMeta(meta.users as UserMetaLike, { unknownIds: 'skip' })
  }
  if (sources.userFeatures) fb.addFeatureFile('user', sources.userFeatures.text, { source: sources.userFeatures.path })
  if (sources.itemFeatures) fb.addFeatureFile('item', sources.itemFeatures.text, { source: sources.itemFeatures.path })
  return fb.build()
}
