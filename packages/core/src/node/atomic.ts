import { closeSync, fsyncSync, openSync, renameSync, rmSync, writeSync, mkdirSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'

/**
 * Writes `data` to `path` atomically: a temp file beside it, fsync, then rename. A crash or an
 * error midway leaves the previous file (or none) in place, never a half-written one.
 */
export function writeFileAtomic(path: string, data: string | Uint8Array): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  let fd = -1
  try {
    fd = openSync(tmp, 'w')
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    let off = 0
    while (off < buf.length) off += writeSync(fd, buf, off, buf.length - off)
    fsyncSync(fd)
    closeSync(fd)
    fd = -1
    renameSync(tmp, path)
  } catch (e) {
    if (fd >= 0) closeSync(fd)
    rmSync(tmp, { force: true })
    throw e
  }
}
