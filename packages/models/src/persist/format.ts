import type { Table } from 'apache-arrow'
import { arrowNow } from './arrow.js'
import { IdMap, type ExternalId } from '@decoy/core'

/** Version of `@decoy/models` written into saved files. */
export const MODELS_VERSION = '0.1.0'
/** Format tag of a saved Decoy model. */
export const MODEL_FORMAT = 'decoy-model'
/** Version of the file layout; bumped on incompatible changes. */
export const MODEL_FORMAT_VERSION = 1

/** Arrays a model file stores: parameters (`Float32Array`) and integer tables (`Int32Array`). */
export type StoredArray = Float32Array | Int32Array

/** An id map as JSON: its kind and external ids in internal order. */
export interface IdMapJson {
  /** `'int'` or `'string'`. */
  kind: 'int' | 'string'
  /** External ids, internal id i at position i. */
  ids: ExternalId[]
}

/**
 * The JSON header of a saved model, stored in the Arrow schema metadata under `decoy`. The
 * parameters themselves are rows of the table (`name`, `data: List<Float32>`).
 */
export interface ModelHeader {
  /** Always {@link MODEL_FORMAT}. */
  format: string
  /** Always {@link MODEL_FORMAT_VERSION} for files this code writes. */
  formatVersion: number
  /** Model kind (`'mf'`, `'fm'`, `'item2vec'`): decides who can load the file. */
  kind: string
  /** The model's resolved configuration. */
  config: Record<string, unknown>
  /** Seed the model was trained with (null when never fitted). */
  seed: string | null
  /** Package versions that wrote the file. */
  versions: Record<string, string>
  /** Name, length and element type of every stored array, in row order (checked on load). */
  arrays: { name: string; length: number; dtype: 'float32' | 'int32' }[]
  /** User id map. */
  userIds?: IdMapJson
  /** Item id map. */
  itemIds?: IdMapJson
  /** Model-specific extras (training summary, feature dictionaries, …). */
  extra?: Record<string, unknown>
}

/** Serialises an {@link IdMap} to JSON. */
export function idMapToJson(m: IdMap): IdMapJson {
  return { kind: m.kind, ids: m.toArray() }
}

/** Rebuilds an {@link IdMap} from JSON. */
export function idMapFromJson(j: IdMapJson): IdMap {
  return IdMap.from(j.ids, j.kind)
}

/**
 * Encodes a model as an Arrow IPC file: one row per named array (`name: Utf8`,
 * `data: List<Float32>`), the JSON header in the schema metadata under `decoy`.
 * Fills `header.arrays` from `arrays`. `Int32Array`s (seen-item CSR, feature ids) are stored
 * bit for bit in the Float32 buffer and flagged `dtype: 'int32'`, so they round-trip exactly.
 *
 * @returns the file bytes (Arrow IPC file format, so a truncated file is detected by its footer).
 * @remarks Copies every array once into the list's value buffer.
 */
export function encodeModel(
  header: Omit<ModelHeader, 'arrays' | 'format' | 'formatVersion'>,
  arrays: Record<string, StoredArray>,
): Uint8Array {
  const names = Object.keys(arrays)
  let total = 0
  for (const name of names) total += arrays[name].length
  const values = new Float32Array(total)
  const offsets = new Int32Array(names.length + 1)
  let o = 0
  names.forEach((name, r) => {
    const a = arrays[name]
    // Same-type typed-array copies are byte copies, so int32 bit patterns survive untouched.
    values.set(a instanceof Int32Array ? new Float32Array(a.buffer, a.byteOffset, a.length) : a, o)
    o += arrays[name].length
    offsets[r + 1] = o
  })
  const full: ModelHeader = {
    format: MODEL_FORMAT,
    formatVersion: MODEL_FORMAT_VERSION,
    ...header,
    arrays: names.map((name) => ({ name, length: arrays[name].length, dtype: arrays[name] instanceof Int32Array ? 'int32' : 'float32' })),
  }
  const { Field, Float32, List, RecordBatch, Schema, Struct, Table, Utf8, makeData, tableToIPC, vectorFromArray } = arrowNow('encodeModel')
  const listType = new List(new Field('item', new Float32(), false))
  const child = makeData({ type: new Float32(), length: total, nullCount: 0, data: values })
  const listData = makeData({ type: listType, length: names.length, nullCount: 0, valueOffsets: offsets, child })
  const nameVector = vectorFromArray(names, new Utf8())
  const fields = [new Field('name', new Utf8(), false), new Field('data', listType, false)]
  const schema = new Schema(fields, new Map([['decoy', JSON.stringify(full)]]))
  const struct = makeData({ type: new Struct(fields), length: names.length, nullCount: 0, children: [nameVector.data[0], listData] })
  const table = new Table([new RecordBatch(schema, struct)])
  return tableToIPC(table, 'file')
}

/**
 * Decodes a file written by {@link encodeModel}, checking the format tag, the layout version, and
 * that every array has the length the header declares.
 *
 * @param source - file name for error messages.
 * @param expectKind - when given, a file of another model kind is an error naming both kinds.
 * @throws Error naming `source` when the bytes are truncated, not a Decoy model, or of another kind.
 */
export function decodeModel(
  bytes: Uint8Array,
  source = '<bytes>',
  expectKind?: string,
): { header: ModelHeader; arrays: Record<string, StoredArray> } {
  const { tableFromIPC } = arrowNow('decodeModel')
  let table: Table
  try {
    table = tableFromIPC(bytes)
  } catch (e) {
    throw new Error(`${source}: not a readable Decoy model file (truncated or not Arrow IPC): ${(e as Error).message}`)
  }
  const raw = table.schema.metadata.get('decoy')
  if (raw === undefined) throw new Error(`${source}: not a Decoy model file (no "decoy" header in the Arrow schema metadata)`)
  let header: ModelHeader
  try {
    header = JSON.parse(raw) as ModelHeader
  } catch (e) {
    throw new Error(`${source}: corrupt Decoy model header: ${(e as Error).message}`)
  }
  if (header.format !== MODEL_FORMAT) throw new Error(`${source}: not a Decoy model file (format ${JSON.stringify(header.format)})`)
  if (header.formatVersion !== MODEL_FORMAT_VERSION) {
    throw new Error(
      `${source}: model file layout version ${header.formatVersion} is not supported (this build reads ${MODEL_FORMAT_VERSION})`,
    )
  }
  if (expectKind !== undefined && header.kind !== expectKind) {
    throw new Error(`${source}: this file holds a ${JSON.stringify(header.kind)} model, not a ${JSON.stringify(expectKind)} model`)
  }
  const nameCol = table.getChild('name')
  const dataCol = table.getChild('data')
  if (!nameCol || !dataCol || table.numRows !== header.arrays.length) {
    throw new Error(`${source}: truncated Decoy model file: expected ${header.arrays.length} arrays, found ${table.numRows}`)
  }
  const arrays: Record<string, StoredArray> = {}
  for (let r = 0; r < header.arrays.length; r++) {
    const want = header.arrays[r]
    const name = nameCol.get(r) as string
    const vec = dataCol.get(r) as { toArray(): Float32Array } | null
    const data = vec ? vec.toArray() : null
    if (name !== want.name || !(data instanceof Float32Array) || data.length !== want.length) {
      throw new Error(
        `${source}: truncated or corrupt Decoy model file: array ${JSON.stringify(want.name)} should hold ${want.length} values, found ${data ? data.length : 0}`,
      )
    }
    const copy = data.slice()
    arrays[name] = want.dtype === 'int32' ? new Int32Array(copy.buffer, copy.byteOffset, copy.length) : copy
  }
  return { header, arrays }
}
