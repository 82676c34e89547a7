import { closeSync, mkdirSync, openSync, readSync, writeSync } from 'node:fs'
import { join } from 'node:path'
import { Unzip, UnzipInflate } from 'fflate'

/**
 * Extracts the regular files of a zip into `destDir`, flattening one leading folder (MovieLens
 * zips hold `ml-xxx/<files>`). Streams: the zip is read in 1 MiB chunks and each entry is written
 * as fflate inflates it, so memory stays bounded for the 250 MB ml-25m zip.
 *
 * @param zipPath - the zip on disk.
 * @param destDir - existing directory to write into.
 * @returns the names of the files written (after flattening).
 * @throws Error naming the zip and the entry for a corrupt archive, an unsafe entry name (`..`,
 * absolute) or two entries that flatten to the same name.
 * @remarks Uses fflate's streaming `Unzip` with the synchronous inflater, so callbacks run inside
 * `push` and any error surfaces there.
 * @internal
 */
export function extractZip(zipPath: string, destDir: string): string[] {
  const written: string[] = []
  const seen = new Set<string>()
  let failure: Error | null = null
  const openFds = new Set<number>()
  const uz = new Unzip((entry) => {
    const name = entry.name
    if (name.endsWith('/')) return // directory entry
    const parts = name.split('/').filter((p) => p.length > 0)
    if (name.startsWith('/') || /^[a-zA-Z]:/.test(name) || parts.some((p) => p === '..' || p.includes('\\'))) {
      failure = new Error(`${zipPath}: unsafe entry name ${JSON.stringify(name)} in zip`)
      return
    }
    // macOS resource forks (__MACOSX/…) are not data.
    if (parts[0] === '__MACOSX') return
    const rel = parts.length > 1 ? parts.slice(1).join('/') : parts[0]
    if (seen.has(rel)) {
      failure = new Error(`${zipPath}: two entries extract to ${JSON.stringify(rel)}`)
      return
    }
    seen.add(rel)
    const out = join(destDir, rel)
    if (rel.includes('/')) mkdirSync(join(out, '..'), { recursive: true })
    const fd = openSync(out, 'w')
    openFds.add(fd)
    let open = true
    entry.ondata = (err, chunk, final) => {
      if (err) {
        failure = new Error(`${zipPath}: entry ${JSON.stringify(name)}: ${err.message}`)
      } else if (open) {
        let off = 0
        while (off < chunk.length) off += writeSync(fd, chunk, off, chunk.length - off)
      }
      if ((final || err) && open) {
        open = false
        openFds.delete(fd)
        closeSync(fd)
        if (!err) written.push(rel)
      }
    }
    entry.start()
  })
  uz.register(UnzipInflate)

  const fd = openSync(zipPath, 'r')
  try {
    const buf = new Uint8Array(1 << 20)
    for (;;) {
      const n = readSync(fd, buf, 0, buf.length, null)
      // fflate may keep a reference to an unconsumed tail between pushes: each chunk gets its own buffer.
      uz.push(buf.slice(0, n), n === 0)
      if (failure) throw failure
      if (n === 0) break
    }
  } catch (e) {
    throw e instanceof Error && e.message.startsWith(zipPath)
      ? e
      : new Error(`${zipPath}: not a valid zip archive (${(e as Error).message})`)
  } finally {
    closeSync(fd)
    for (const f of openFds) closeSync(f)
  }
  if (failure) throw failure
  if (openFds.size > 0) throw new Error(`${zipPath}: truncated zip archive (an entry ends before its data does)`)
  if (written.length === 0) throw new Error(`${zipPath}: the zip holds no files`)
  return written
}
