import { gzipSync } from 'node:zlib'
import { describe, expect, it } from 'vitest'
import { DataError, parseInteractions, readInteractionsStream, type Interactions } from '@decoy/core'

const enc = new TextEncoder()

/** A web stream of `bytes` in chunks of `size` bytes (1-byte chunks included). */
function streamOf(bytes: Uint8Array, size: number): ReadableStream<Uint8Array> {
  let at = 0
  return new ReadableStream<Uint8Array>({
    pull(c) {
      if (at >= bytes.length) c.close()
      else {
        c.enqueue(bytes.slice(at, at + size))
        at += size
      }
    },
  })
}

function pairs(x: Interactions): string[] {
  const out: string[] = []
  for (let u = 0; u < x.numUsers; u++) {
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++)
      out.push(`${x.userIds.external(u)} ${x.itemIds.external(x.items[j])} ${x.weights?.[j]}`)
  }
  return out
}

describe('readInteractionsStream (web streams, DecompressionStream)', () => {
  let csv = 'user,item,rating\n'
  for (let r = 0; r < 300; r++) csv += `u${r % 13},"i,${r % 7}",${1 + (r % 5)}\n`
  const ref = pairs(parseInteractions(enc.encode(csv), { source: 'log.csv' }))

  it('reads plain and gzip-compressed text in any chunking like parseInteractions', async () => {
    for (const size of [1, 3, 64, 1 << 16]) {
      expect(pairs(await readInteractionsStream(streamOf(enc.encode(csv), size), { source: 'log.csv' }))).toEqual(ref)
      expect(pairs(await readInteractionsStream(streamOf(gzipSync(csv), size), { source: 'log.csv.gz' }))).toEqual(ref)
    }
  })

  it('corrupt gzip, Arrow bytes and empty streams are DataErrors naming the source', async () => {
    const z = gzipSync(csv)
    const bad = [z.subarray(0, z.length >> 1), enc.encode('ARROW1\0\0xxxx'), new Uint8Array(0)]
    for (const b of bad) {
      const e = await readInteractionsStream(streamOf(b, 7), { source: 'x' }).then(
        () => null,
        (err: unknown) => err,
      )
      expect(e).toBeInstanceOf(DataError)
      expect((e as DataError).source).toBe('x')
    }
  })
})
