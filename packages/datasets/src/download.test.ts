import { createHash } from 'node:crypto'
import { existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, rmSync, utimesSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { zipSync } from 'fflate'
import { loadDataset, resolveDataset, writeSyntheticMovieLens } from '@decoy/datasets'
import type { FetchLike, FetchResponseLike } from '@decoy/datasets'

const root = mkdtempSync(join(tmpdir(), 'decoy-dl-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

// A synthetic dataset in the ml-latest-small layout, zipped under ml-latest-small/ like GroupLens does.
const src = join(root, 'src')
const synth = writeSyntheticMovieLens(src, { users: 30, items: 40, clusters: 3, interactionsPerUser: [2, 10], tagRate: 0.1, seed: 21 })
const zip = zipSync({
  'ml-latest-small/': {},
  'ml-latest-small/ratings.csv': readFileSync(join(src, 'ratings.csv')),
  'ml-latest-small/movies.csv': readFileSync(join(src, 'movies.csv')),
  'ml-latest-small/tags.csv': readFileSync(join(src, 'tags.csv')),
  'ml-latest-small/README.txt': new TextEncoder().encode('synthetic fixture'),
})
const zipSha = createHash('sha256').update(zip).digest('hex')
const counts = {
  interactions: synth.interactions.indptr[synth.interactions.numUsers],
  users: synth.interactions.numUsers,
  items: (() => {
    let n = 0
    const c = new Int32Array(synth.interactions.numItems)
    for (const i of synth.interactions.items) if (c[i]++ === 0) n++
    return n
  })(),
}
// The fixture's identity replaces the real release's (URL kept, so messages name the real one).
const manifest = { sha256: zipSha, md5: null, fileSha256: undefined, counts }

function streamOf(bytes: Uint8Array, chunk: number, failAfter = Infinity): ReadableStream<Uint8Array> {
  let off = 0
  return new ReadableStream<Uint8Array>({
    pull(ctl) {
      if (off >= failAfter) {
        ctl.error(new Error('connection reset'))
        return
      }
      if (off >= bytes.length) {
        ctl.close()
        return
      }
      ctl.enqueue(bytes.slice(off, off + chunk))
      off += chunk
    },
  })
}

function fakeFetch(
  bytes: Uint8Array,
  opts: { status?: number; failAfter?: number; length?: number } = {},
): FetchLike & { calls: string[] } {
  const calls: string[] = []
  const f = (async (url: string): Promise<FetchResponseLike> => {
    calls.push(url)
    const status = opts.status ?? 200
    return {
      ok: status >= 200 && status < 300,
      status,
      statusText: status === 404 ? 'Not Found' : 'OK',
      headers: { get: (h: string) => (h.toLowerCase() === 'content-length' ? String(opts.length ?? bytes.length) : null) },
      body: streamOf(bytes, 1000, opts.failAfter),
      arrayBuffer: async () => bytes.slice().buffer,
    }
  }) as FetchLike & { calls: string[] }
  f.calls = calls
  return f
}

/** The cache root must hold nothing but (possibly) the published dataset. */
function leftovers(cache: string): string[] {
  return existsSync(cache) ? readdirSync(cache) : []
}

const noEnv = {}

describe('loadDataset download', () => {
  it('downloads, verifies and publishes into the cache, then reads from the cache', async () => {
    const cache = join(root, 'cache-ok')
    const fetch = fakeFetch(zip)
    const progress: number[] = []
    const r = await resolveDataset('ml-latest-small', { cacheDir: cache, fetch, manifest, env: noEnv, onProgress: (b) => progress.push(b) })
    expect(r.origin).toBe('download')
    expect(r.dir).toBe(join(cache, 'ml-latest-small'))
    expect(fetch.calls).toEqual(['https://files.grouplens.org/datasets/movielens/ml-latest-small.zip'])
    expect(progress[progress.length - 1]).toBe(zip.length)
    expect(leftovers(cache)).toEqual(['ml-latest-small'])
    expect(readdirSync(r.dir).sort()).toEqual(['README.txt', 'movies.csv', 'ratings.csv', 'tags.csv'])

    const ml = await loadDataset('ml-latest-small', { cacheDir: cache, fetch, manifest, env: noEnv })
    expect(fetch.calls.length).toBe(1) // second call served from the cache
    expect(ml.interactions.indptr[ml.interactions.numUsers]).toBe(counts.interactions)
    const first = Number(ml.interactions.itemIds.external(0))
    expect(ml.items!.titles[0]).toBe(synth.titles[first - 1])
  })

  it('cleans partial folders a killed process left more than a day ago, keeps recent ones', async () => {
    const cache = join(root, 'cache-stale')
    const old = join(cache, '.ml-latest-small.partial-old')
    const recent = join(cache, '.ml-latest-small.partial-recent')
    mkdirSync(old, { recursive: true })
    mkdirSync(recent, { recursive: true })
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000)
    utimesSync(old, twoDaysAgo, twoDaysAgo)
    await resolveDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest, env: noEnv })
    expect(leftovers(cache).sort()).toEqual(['.ml-latest-small.partial-recent', 'ml-latest-small'])
  })

  it('uses $DECOY_CACHE when no cacheDir is given', async () => {
    const cache = join(root, 'cache-env')
    const r = await resolveDataset('ml-latest-small', { fetch: fakeFetch(zip), manifest, env: { DECOY_CACHE: cache } })
    expect(r.dir).toBe(join(cache, 'ml-latest-small'))
  })

  it('rejects a checksum mismatch and leaves no dataset in the cache', async () => {
    const cache = join(root, 'cache-sha')
    const bad = { ...manifest, sha256: '0'.repeat(64) }
    await expect(loadDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest: bad, env: noEnv })).rejects.toThrow(
      /checksum mismatch: sha256 of the zip is [0-9a-f]{64}, expected 0{64}/,
    )
    expect(leftovers(cache)).toEqual([])
  })

  it('rejects a count mismatch and leaves no dataset in the cache', async () => {
    const cache = join(root, 'cache-count')
    const bad = { ...manifest, counts: { ...counts, users: counts.users + 1 } }
    await expect(loadDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest: bad, env: noEnv })).rejects.toThrow(
      new RegExp(`count mismatch: the download has ${counts.users} users, the release has ${counts.users + 1}`),
    )
    expect(leftovers(cache)).toEqual([])
  })

  it('checks the sha256 of extracted files when the manifest has them', async () => {
    const cache = join(root, 'cache-filesha')
    const bad = { ...manifest, fileSha256: { 'ratings.csv': 'f'.repeat(64) } }
    await expect(loadDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest: bad, env: noEnv })).rejects.toThrow(
      /sha256 of ratings\.csv is/,
    )
    expect(leftovers(cache)).toEqual([])
    const good = {
      ...manifest,
      fileSha256: {
        'ratings.csv': createHash('sha256')
          .update(readFileSync(join(src, 'ratings.csv')))
          .digest('hex'),
      },
    }
    const r = await resolveDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest: good, env: noEnv })
    expect(r.origin).toBe('download')
  })

  it('leaves no cache dir after an interrupted download', async () => {
    const cache = join(root, 'cache-interrupted')
    const p = loadDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip, { failAfter: 3000 }), manifest, env: noEnv })
    await expect(p).rejects.toThrow(/interrupted after 3000 bytes \(connection reset\)/)
    await expect(p).rejects.toThrow(/ml-latest-small\.zip/)
    expect(leftovers(cache)).toEqual([])
    // A later, successful attempt works.
    const r = await resolveDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(zip), manifest, env: noEnv })
    expect(r.origin).toBe('download')
  })

  it('rejects a truncated body (fewer bytes than content-length) and a corrupt zip', async () => {
    const cache = join(root, 'cache-trunc')
    const half = zip.slice(0, Math.floor(zip.length / 2))
    await expect(
      loadDataset('ml-latest-small', {
        cacheDir: cache,
        fetch: fakeFetch(half, { length: zip.length }),
        manifest: { ...manifest, sha256: null },
        env: noEnv,
      }),
    ).rejects.toThrow(/truncated/)
    expect(leftovers(cache)).toEqual([])
    const garbage = new TextEncoder().encode('<html>captive portal</html>')
    await expect(
      loadDataset('ml-latest-small', { cacheDir: cache, fetch: fakeFetch(garbage), manifest: { ...manifest, sha256: null }, env: noEnv }),
    ).rejects.toThrow(/zip/)
    expect(leftovers(cache)).toEqual([])
  })

  it('explains how to supply a local copy when offline', async () => {
    const cache = join(root, 'cache-offline')
    const offline: FetchLike = async () => {
      throw new TypeError('fetch failed', { cause: new Error('getaddrinfo ENOTFOUND files.grouplens.org') })
    }
    const p = loadDataset('ml-latest-small', { cacheDir: cache, fetch: offline, env: noEnv })
    await expect(p).rejects.toThrow(/https:\/\/files\.grouplens\.org\/datasets\/movielens\/ml-latest-small\.zip/)
    await expect(p).rejects.toThrow(/ENOTFOUND/)
    await expect(p).rejects.toThrow(/--data-dir/)
    await expect(p).rejects.toThrow(/DECOY_DATA_DIR/)
    await expect(p).rejects.toThrow(/--data synthetic/)
    expect(leftovers(cache)).toEqual([])
  })

  it('reports an HTTP error status with the URL', async () => {
    const cache = join(root, 'cache-404')
    await expect(loadDataset('ml-1m', { cacheDir: cache, fetch: fakeFetch(zip, { status: 404 }), env: noEnv })).rejects.toThrow(
      /server answered 404 Not Found[\s\S]*ml-1m\.zip/,
    )
    expect(leftovers(cache)).toEqual([])
  })

  it('does not download when download is false', async () => {
    const fetch = fakeFetch(zip)
    await expect(loadDataset('ml-100k', { cacheDir: join(root, 'none'), download: false, fetch, env: noEnv })).rejects.toThrow(
      /no local copy[\s\S]*downloads are off[\s\S]*ml-100k\.zip/,
    )
    expect(fetch.calls).toEqual([])
  })
})

describe('resolveDataset order', () => {
  it('prefers an explicit dir, then $DECOY_DATA_DIR/<name>, then the cache', async () => {
    const fetch = fakeFetch(zip)
    const cache = join(root, 'cache-order')
    await resolveDataset('ml-latest-small', { cacheDir: cache, fetch, manifest, env: noEnv })
    // src holds the files directly; root holds neither ml-latest-small/ nor the files.
    expect((await resolveDataset('ml-latest-small', { dir: src, cacheDir: cache, fetch, env: noEnv })).origin).toBe('dir')
    expect((await resolveDataset('ml-latest-small', { dir: cache, cacheDir: cache, fetch, env: noEnv })).dir).toBe(
      join(cache, 'ml-latest-small'),
    )
    expect((await resolveDataset('ml-latest-small', { cacheDir: cache, fetch, env: { DECOY_DATA_DIR: cache } })).origin).toBe('env')
    expect(
      (await resolveDataset('ml-latest-small', { cacheDir: cache, fetch, env: { DECOY_DATA_DIR: join(root, 'nowhere') } })).origin,
    ).toBe('cache')
    await expect(resolveDataset('ml-latest-small', { dir: join(root, 'nowhere'), fetch, env: noEnv })).rejects.toThrow(
      /No ml-latest-small files in/,
    )
    expect(fetch.calls.length).toBe(1)
  })
  it('rejects unknown names', async () => {
    await expect(loadDataset('ml-5m')).rejects.toThrow(/Unknown dataset "ml-5m"; known datasets: ml-latest-small, ml-100k/)
  })
})
