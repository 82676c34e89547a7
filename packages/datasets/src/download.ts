import { createHash } from 'node:crypto'
import {
  closeSync,
  existsSync,
  mkdirSync,
  mkdtempSync,
  openSync,
  readdirSync,
  readFileSync,
  renameSync,
  rmSync,
  statSync,
  writeSync,
} from 'node:fs'
import { join } from 'node:path'
import { OutputError, outputError } from '@decoy/core/node'
import type { ManifestEntry } from './manifest.js'
import { detectLayout, readMovieLens } from './movielens-dir.js'
import { extractZip } from './unzip.js'

/** The part of a WHATWG `Response` the downloader reads. */
export interface FetchResponseLike {
  /** True for a 2xx status. */
  ok: boolean
  /** HTTP status. */
  status: number
  /** HTTP status text. */
  statusText?: string
  /** Response headers (for `content-length`). */
  headers?: { get(name: string): string | null }
  /** The body as a stream of byte chunks (preferred: the zip is never held whole in memory). */
  body?: ReadableStream<Uint8Array> | AsyncIterable<Uint8Array> | null
  /** Fallback when there is no body stream. */
  arrayBuffer(): Promise<ArrayBuffer>
}

/** A `fetch`-compatible function; the global `fetch` by default, injectable for tests and proxies. */
export type FetchLike = (url: string) => Promise<FetchResponseLike>

/** Options of {@link downloadDataset}. */
export interface DownloadOptions {
  /** The fetch to use (default: `globalThis.fetch`). */
  fetch?: FetchLike
  /** Called as bytes arrive; `total` is NaN when the server sends no length. */
  onProgress?: (bytes: number, total: number) => void
}

/**
 * The error thrown when a dataset cannot be obtained: names the URL and says how to supply a local
 * copy or use the offline synthetic data.
 * @internal
 */
export function unavailableMessage(entry: ManifestEntry, why: string): string {
  return (
    `Could not obtain ${entry.name}: ${why}\n` +
    `  Download URL: ${entry.url} (~${Math.round(entry.approxBytes / 1e6)} MB)\n` +
    `  To use a local copy, download and unzip it yourself, then pass --data-dir <folder that contains ${entry.name}/> ` +
    `(or set DECOY_DATA_DIR to that folder, or call loadDataset('${entry.name}', { dir })).\n` +
    `  For an offline demo, use --data synthetic (a generated dataset with planted clusters).`
  )
}

async function* chunksOf(res: FetchResponseLike): AsyncGenerator<Uint8Array> {
  const body = res.body
  if (body && typeof (body as ReadableStream<Uint8Array>).getReader === 'function') {
    const reader = (body as ReadableStream<Uint8Array>).getReader()
    try {
      for (;;) {
        const r = await reader.read()
        if (r.done) return
        yield r.value
      }
    } finally {
      reader.releaseLock()
    }
  } else if (body && Symbol.asyncIterator in (body as object)) {
    for await (const c of body as AsyncIterable<Uint8Array>) yield c
  } else {
    yield new Uint8Array(await res.arrayBuffer())
  }
}

/**
 * Downloads a release zip, verifies it, unzips it and moves it into `<cacheRoot>/<name>`.
 *
 * Steps: stream the body into a fresh temp folder `<cacheRoot>/.<name>.partial-XXXX/` while
 * hashing it (sha256 and md5); compare with the manifest's checksums when known; unzip (fflate,
 * streaming); compare extracted files with `fileSha256` when known; read the ratings and compare
 * interactions, users and items with the manifest's counts; then a single `rename` publishes the
 * folder. Any failure removes the temp folder, so an interrupted or corrupt download never leaves
 * a dataset-shaped folder in the cache; a process killed mid-way leaves only a `.partial` folder,
 * which resolution never reads.
 *
 * @param entry - the manifest entry (URL, checksums, expected counts).
 * @param cacheRoot - the cache folder (created when missing).
 * @param opts - injected `fetch`, progress callback.
 * @returns the published folder, `<cacheRoot>/<name>`.
 * @throws Error naming the URL and how to supply a local copy, on a network failure, a non-2xx
 * status, a checksum or count mismatch or a bad archive.
 * @remarks Memory: one network chunk plus one 1 MiB zip read buffer plus the ratings parse for the
 * count check.
 */
export async function downloadDataset(entry: ManifestEntry, cacheRoot: string, opts: DownloadOptions = {}): Promise<string> {
  const doFetch: FetchLike | undefined = opts.fetch ?? (globalThis.fetch as unknown as FetchLike | undefined)
  if (!doFetch) throw new Error(unavailableMessage(entry, 'this runtime has no fetch()'))
  const finalDir = join(cacheRoot, entry.name)
  let tmp: string
  try {
    mkdirSync(cacheRoot, { recursive: true })
    removeStalePartials(cacheRoot, entry.name)
    tmp = mkdtempSync(join(cacheRoot, `.${entry.name}.partial-`))
  } catch (e) {
    throw cacheWriteError(e, cacheRoot)
  }
  try {
    // 1. Stream to disk, hashing as we go.
    const zipPath = join(tmp, `${entry.name}.zip`)
    const sha256 = createHash('sha256')
    const md5 = createHash('md5')
    let bytes = 0
    let res: FetchResponseLike
    try {
      res = await doFetch(entry.url)
    } catch (e) {
      throw new Error(unavailableMessage(entry, `the download failed (${describe(e)}); are you offline?`))
    }
    if (!res.ok)
      throw new Error(unavailableMessage(entry, `the server answered ${res.status}${res.statusText ? ' ' + res.statusText : ''}`))
    const lengthHeader = res.headers?.get('content-length')
    const total = lengthHeader ? Number(lengthHeader) : NaN
    let fd: number
    try {
      fd = openSync(zipPath, 'w')
    } catch (e) {
      throw cacheWriteError(e, cacheRoot)
    }
    try {
      for await (const chunk of chunksOf(res)) {
        sha256.update(chunk)
        md5.update(chunk)
        let off = 0
        try {
          while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off)
        } catch (e) {
          throw cacheWriteError(e, cacheRoot) // a full disk is not an interrupted download
        }
        bytes += chunk.length
        opts.onProgress?.(bytes, total)
      }
    } catch (e) {
      if (e instanceof OutputError) throw e
      throw new Error(unavailableMessage(entry, `the download was interrupted after ${bytes} bytes (${describe(e)})`))
    } finally {
      closeSync(fd)
    }
    if (Number.isFinite(total) && bytes !== total) {
      throw new Error(unavailableMessage(entry, `the download was truncated: ${bytes} of ${total} bytes`))
    }

    // 2. Checksums of the zip.
    const gotSha = sha256.digest('hex')
    const gotMd5 = md5.digest('hex')
    if (entry.sha256 && gotSha !== entry.sha256.toLowerCase()) {
      throw new Error(unavailableMessage(entry, `checksum mismatch: sha256 of the zip is ${gotSha}, expected ${entry.sha256}`))
    }
    if (entry.md5 && gotMd5 !== entry.md5.toLowerCase()) {
      throw new Error(unavailableMessage(entry, `checksum mismatch: md5 of the zip is ${gotMd5}, expected ${entry.md5}`))
    }

    // 3. Unzip beside it, then drop the zip.
    const dataDir = join(tmp, entry.name)
    try {
      mkdirSync(dataDir)
      extractZip(zipPath, dataDir)
    } catch (e) {
      if (typeof (e as NodeJS.ErrnoException).code === 'string') throw cacheWriteError(e, cacheRoot)
      throw new Error(unavailableMessage(entry, describe(e)))
    }
    rmSync(zipPath, { force: true })

    // 4. Verify the extracted files and counts before anything is published.
    verifyExtracted(entry, dataDir)

    // 5. Publish atomically. A concurrent process may have won the race: keep its (verified) copy.
    try {
      renameSync(dataDir, finalDir)
    } catch (e) {
      if (!existsSync(finalDir)) throw cacheWriteError(e, cacheRoot)
    }
    return finalDir
  } finally {
    rmSync(tmp, { recursive: true, force: true })
  }
}

/**
 * Checks an extracted release against its manifest entry: the layout is the expected one, the
 * files with a known sha256 match it, and the rating, user and item counts are the release's.
 * @throws Error naming the URL, the file and both values on the first mismatch.
 * @internal
 */
export function verifyExtracted(entry: ManifestEntry, dataDir: string): void {
  const layout = detectLayout(dataDir)
  const family = (l: string | null): string | null => (l === 'ml-20m' || l === 'ml-25m' ? 'ml-latest-small' : l)
  if (family(layout) !== family(entry.layout)) {
    throw new Error(unavailableMessage(entry, `the zip does not hold a ${entry.layout} layout (found ${layout ?? 'no MovieLens files'})`))
  }
  if (entry.fileSha256) {
    for (const [file, want] of Object.entries(entry.fileSha256)) {
      const p = join(dataDir, file)
      if (!existsSync(p)) throw new Error(unavailableMessage(entry, `the zip has no ${file}`))
      const got = createHash('sha256').update(readFileSync(p)).digest('hex')
      if (got !== want.toLowerCase())
        throw new Error(unavailableMessage(entry, `checksum mismatch: sha256 of ${file} is ${got}, expected ${want}`))
    }
  }
  const x = readMovieLens(dataDir, entry.layout, { interactionsOnly: true }).interactions
  const got = { interactions: x.indptr[x.numUsers], users: x.numUsers, items: x.numItems }
  const want = entry.counts
  for (const k of ['interactions', 'users', 'items'] as const) {
    if (got[k] !== want[k]) {
      throw new Error(unavailableMessage(entry, `count mismatch: the download has ${got[k]} ${k}, the release has ${want[k]}`))
    }
  }
}

/**
 * Removes `.<name>.partial-*` folders older than a day: what a killed process left behind. Younger
 * ones may belong to a download still running in another process, so they stay.
 */
function removeStalePartials(cacheRoot: string, name: string): void {
  const prefix = `.${name}.partial-`
  const cutoff = Date.now() - 86_400_000
  for (const f of readdirSync(cacheRoot)) {
    if (!f.startsWith(prefix)) continue
    const p = join(cacheRoot, f)
    try {
      if (statSync(p).mtimeMs < cutoff) rmSync(p, { recursive: true, force: true })
    } catch {
      // Raced with its owner finishing; nothing to clean.
    }
  }
}

/** A failed write into the cache, in words, with where the cache can be moved to. */
function cacheWriteError(e: unknown, cacheRoot: string): Error {
  const err = outputError(e, cacheRoot)
  if (!(err instanceof OutputError)) return err
  return new OutputError(`${err.message} (the dataset cache; set DECOY_CACHE to use another folder)`, cacheRoot, err.code)
}

function describe(e: unknown): string {
  if (e instanceof Error) {
    const cause = (e as Error & { cause?: unknown }).cause
    return cause instanceof Error ? `${e.message}: ${cause.message}` : e.message
  }
  return String(e)
}
