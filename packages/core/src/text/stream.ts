import type { Interactions } from '../contracts.js'
import { DataError } from '../errors.js'
import { TextLogReader, type ParseOptions } from './parse.js'

/**
 * Reads a text interaction log from a web `ReadableStream` of bytes (a `fetch` body, a `File` or
 * `Blob` stream in a browser or a Web Worker), gzip-compressed or not: the first bytes are sniffed
 * for gzip's magic `1f 8b`, and compressed data is piped through `DecompressionStream('gzip')`.
 * Chunks are parsed as they arrive, so the whole text is never in memory.
 *
 * @param stream - the bytes.
 * @param opts - as for `parseInteractions`.
 * @returns the interactions.
 * @throws {@link DataError} naming `opts.source`, the line and the field; for corrupt gzip data;
 * for Arrow or Parquet bytes (read those with `@decoy/core/arrow`, or `readInteractions` in Node).
 * @example
 * ```ts
 * const res = await fetch('/logs/ratings.csv.gz')
 * const log = await readInteractionsStream(res.body!, { source: 'ratings.csv.gz' })
 * ```
 * @remarks Uses only web APIs (no `node:` import); Node ≥ 18 has them too.
 */
export async function readInteractionsStream(stream: ReadableStream<Uint8Array>, opts: ParseOptions = {}): Promise<Interactions> {
  const source = opts.source ?? '<stream>'
  let reader = stream.getReader()
  let first: ReadableStreamReadResult<Uint8Array>
  // Gather at least 2 bytes (a stream may deliver 1-byte chunks) to sniff the format.
  let head = new Uint8Array(0)
  for (;;) {
    first = await reader.read()
    if (first.done) break
    const h = new Uint8Array(head.length + first.value.length)
    h.set(head)
    h.set(first.value, head.length)
    head = h
    if (head.length >= 4) break
  }
  const isGzip = head.length >= 2 && head[0] === 0x1f && head[1] === 0x8b
  if (!isGzip) checkText(head, source)
  // Put the sniffed bytes back in front of the rest.
  const rest = reader
  let given = false
  let body: ReadableStream<Uint8Array> = new ReadableStream<Uint8Array>({
    async pull(controller) {
      if (!given) {
        given = true
        if (head.length > 0) {
          controller.enqueue(head)
          return
        }
      }
      const r = await rest.read()
      if (r.done) controller.close()
      else controller.enqueue(r.value)
    },
    cancel(reason) {
      return rest.cancel(reason)
    },
  })
  if (isGzip) body = body.pipeThrough(new DecompressionStream('gzip') as unknown as ReadableWritablePair<Uint8Array, Uint8Array>)
  const text = new TextLogReader({ ...opts, source })
  reader = body.getReader()
  let sniffed = !isGzip
  try {
    for (;;) {
      const r = await reader.read()
      if (r.done) break
      if (!sniffed) {
        checkText(r.value, source)
        sniffed = true
      }
      text.push(r.value)
    }
  } catch (e) {
    if (e instanceof DataError) throw e
    throw new DataError(`the ${isGzip ? 'gzip ' : ''}data is truncated or corrupt (${e instanceof Error ? e.message : String(e)})`, {
      source,
    })
  }
  return text.finish()
}

/** Arrow and Parquet bytes are not text: say so instead of failing on their first "line". */
function checkText(head: Uint8Array, source: string): void {
  const ascii = String.fromCharCode(...head.subarray(0, 6))
  if (ascii === 'ARROW1' || (head.length >= 4 && head[0] === 0xff && head[1] === 0xff && head[2] === 0xff && head[3] === 0xff)) {
    throw new DataError('Arrow IPC data: read it with readArrowIpc from @decoy/core/arrow', { source })
  }
  if (ascii.startsWith('PAR1')) throw new DataError('Parquet data: read it with readInteractions from @decoy/core/node', { source })
}
