import { ByteBuffer } from 'flatbuffers'
import { Message } from 'apache-arrow/fb/message'
import { MessageHeader } from 'apache-arrow/fb/message-header'
import { Schema } from 'apache-arrow/fb/schema'
import { Field } from 'apache-arrow/fb/field'
import { RecordBatch } from 'apache-arrow/fb/record-batch'
import { DictionaryBatch } from 'apache-arrow/fb/dictionary-batch'
import { Footer } from 'apache-arrow/fb/footer'
import { DataError } from '../errors.js'

/**
 * @internal Walks the messages of an Arrow IPC stream and checks that every count and length in
 * their metadata fits in the bytes that hold them, before the Arrow library reads them: the
 * library trusts these numbers (flatbuffers are read unchecked), so a corrupt count made it loop
 * for minutes or run out of memory instead of failing.
 *
 * @param body - IPC stream bytes (a file's embedded stream, between the magic and the footer).
 * @param source - name of the input in errors.
 * @throws {@link @decoy/core!index.DataError | DataError} naming the message for a truncated stream or an impossible count.
 * @remarks O(messages + fields + nodes); reads metadata only, never bodies.
 */
export function checkIpcStream(body: Uint8Array, source: string): void {
  let pos = 0
  let batch = 0
  while (pos + 4 <= body.length) {
    pos = checkMessageAt(body, pos, source, batch)
    if (lastKind === END) return
    if (lastKind === MessageHeader.RecordBatch) batch++
  }
}

/**
 * @internal The same checks for an IPC file: its footer (schema, block counts) and the message at
 * every block, which must be the kind the footer says (the library's file reader loops forever on
 * a record batch block that holds another kind of message).
 *
 * @param bytes - the whole file, `ARROW1` magic at both ends.
 * @param source - name of the input in errors.
 * @throws {@link @decoy/core!index.DataError | DataError} for a truncated or corrupt file.
 */
export function checkIpcFile(bytes: Uint8Array, source: string): void {
  const n = bytes.length
  let closed = n >= 18
  for (let i = 0; i < 6 && closed; i++) if (bytes[n - 6 + i] !== MAGIC[i]) closed = false
  if (!closed) throw new DataError('the Arrow IPC file is truncated: its closing ARROW1 magic is missing', { source })
  const footerLen = new DataView(bytes.buffer, bytes.byteOffset + n - 10, 4).getInt32(0, true)
  if (footerLen <= 0 || footerLen > n - 18)
    throw new DataError(`the Arrow IPC file is corrupt: its footer length ${footerLen} does not fit in ${n} bytes`, { source })
  const footerStart = n - 10 - footerLen
  let footer: Footer
  let schema: Schema | null
  try {
    footer = Footer.getRootAsFooter(new ByteBuffer(bytes.subarray(footerStart, n - 10)))
    schema = footer.schema()
  } catch {
    throw new DataError('the Arrow IPC file is corrupt: unreadable footer', { source })
  }
  if (!schema) throw new DataError('the Arrow IPC file is corrupt: its footer has no schema', { source })
  checkSchema(schema, footerLen, source, 0)
  const blocks = [
    { count: footer.recordBatchesLength(), at: (k: number) => footer.recordBatches(k), kind: MessageHeader.RecordBatch },
    { count: footer.dictionariesLength(), at: (k: number) => footer.dictionaries(k), kind: MessageHeader.DictionaryBatch },
  ]
  for (const { count, at, kind } of blocks) {
    checkCount(count, footerLen, source, 0, 'blocks in the footer')
    for (let k = 0; k < count; k++) {
      const b = at(k)
      const off = b ? Number(b.offset()) : -1
      const batch = kind === MessageHeader.RecordBatch ? k : 0
      if (!(off >= 8 && off < footerStart)) throw corrupt(source, batch, `a footer block at offset ${off}, outside the file's messages`)
      checkMessageAt(bytes.subarray(0, footerStart), off, source, batch)
      if (lastKind !== kind) throw corrupt(source, batch, 'a footer block that points at another kind of message')
    }
  }
}

const MAGIC = [0x41, 0x52, 0x52, 0x4f, 0x57, 0x31] // "ARROW1"
const END = -1
/** Header type of the message checked last (END for an end-of-stream marker). */
let lastKind = END

/** Checks the message framed at `body[pos..]`; returns the position after its body and sets `lastKind`. */
function checkMessageAt(body: Uint8Array, pos: number, source: string, batch: number): number {
  const n = body.length
  const view = new DataView(body.buffer, body.byteOffset, n)
  if (pos + 4 > n) throw truncated(source, batch)
  let len = view.getInt32(pos, true)
  pos += 4
  if (len === -1) {
    if (pos + 4 > n) throw truncated(source, batch)
    len = view.getInt32(pos, true)
    pos += 4
  }
  lastKind = END
  if (len === 0) return pos // end-of-stream marker
  if (len < 0 || pos + len > n) throw truncated(source, batch)
  const meta = body.subarray(pos, pos + len)
  pos += len
  let bodyLength: number
  let kind: number
  let msg: Message
  try {
    msg = Message.getRootAsMessage(new ByteBuffer(meta))
    bodyLength = Number(msg.bodyLength())
    kind = msg.headerType()
  } catch {
    throw corrupt(source, batch, 'unreadable message header')
  }
  if (!(bodyLength >= 0) || pos + bodyLength > n) throw truncated(source, batch)
  const limit = len // no vector in the metadata can have more entries than it has bytes
  if (kind === MessageHeader.Schema) {
    const s = msg.header(new Schema()) as Schema | null
    if (!s) throw corrupt(source, batch, 'a schema message without a schema')
    checkSchema(s, limit, source, batch)
  } else if (kind === MessageHeader.RecordBatch) {
    checkBatch(msg.header(new RecordBatch()) as RecordBatch | null, limit, bodyLength, source, batch)
  } else if (kind === MessageHeader.DictionaryBatch) {
    const d = msg.header(new DictionaryBatch()) as DictionaryBatch | null
    checkBatch(d ? d.data() : null, limit, bodyLength, source, batch)
  }
  lastKind = kind
  return pos + bodyLength
}

function checkSchema(s: Schema, limit: number, source: string, batch: number): void {
  checkCount(s.fieldsLength(), limit, source, batch, 'schema fields')
  checkCount(s.customMetadataLength(), limit, source, batch, 'schema metadata entries')
  for (let f = 0; f < s.fieldsLength(); f++) checkField(s.fields(f), limit, source, batch, 0)
}

function checkField(f: Field | null, limit: number, source: string, batch: number, depth: number): void {
  if (!f) throw corrupt(source, batch, 'a missing schema field')
  if (depth > 64) throw corrupt(source, batch, 'schema fields nested more than 64 deep')
  const c = f.childrenLength()
  checkCount(c, limit, source, batch, 'child fields')
  checkCount(f.customMetadataLength(), limit, source, batch, 'field metadata entries')
  for (let k = 0; k < c; k++) checkField(f.children(k), limit, source, batch, depth + 1)
}

function checkBatch(b: RecordBatch | null, limit: number, bodyLength: number, source: string, batch: number): void {
  if (!b) throw corrupt(source, batch, 'a record batch message without its header')
  const nodes = b.nodesLength()
  checkCount(nodes, limit, source, batch, 'field nodes')
  checkCount(b.buffersLength(), limit, source, batch, 'buffers')
  checkCount(b.variadicBufferCountsLength(), limit, source, batch, 'variadic buffer counts')
  // Every column other than Null takes at least one bit per row in the body.
  const rowLimit = 8 * bodyLength + 64
  const rows = Number(b.length())
  if (!(rows >= 0) || (nodes > 0 && rows > rowLimit))
    throw corrupt(source, batch, `a record batch of ${rows} rows in a body of ${bodyLength} bytes`)
  for (let k = 0; k < nodes; k++) {
    const node = b.nodes(k)
    const len = node ? Number(node.length()) : -1
    const nulls = node ? Number(node.nullCount()) : -1
    if (!(len >= 0) || len > rowLimit || !(nulls >= 0) || nulls > len)
      throw corrupt(source, batch, `field node ${k} claims ${len} values (${nulls} null)`)
  }
  for (let k = 0; k < b.buffersLength(); k++) {
    const buf = b.buffers(k)
    const off = buf ? Number(buf.offset()) : -1
    const len = buf ? Number(buf.length()) : -1
    if (!(off >= 0) || !(len >= 0) || off + len > bodyLength)
      throw corrupt(source, batch, `buffer ${k} (${len} bytes at ${off}) lies outside the ${bodyLength}-byte body`)
  }
}

function checkCount(count: number, limit: number, source: string, batch: number, what: string): void {
  if (!(count >= 0) || count > limit) throw corrupt(source, batch, `${count} ${what} in ${limit} bytes of metadata`)
}

function truncated(source: string, batch: number): DataError {
  return new DataError('the Arrow IPC data is truncated: a message runs past the end of the bytes', { source, batch })
}

function corrupt(source: string, batch: number, what: string): DataError {
  return new DataError(`the Arrow IPC data is corrupt: ${what}`, { source, batch })
}
