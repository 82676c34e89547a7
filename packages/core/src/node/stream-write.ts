import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, writeSync } from 'node:fs'
import { basename, dirname, join } from 'node:path'

/**
 * Writes a file atomically from chunks: `produce(write)` calls `write(bytes, length)` as often as
 * it likes; the chunks go to a temp file beside `path`, which is fsynced and renamed over `path`
 * once `produce` returns. On any error the temp file is removed and `path` is left as it was. The
 * streaming twin of `writeFileAtomic`: memory stays at one chunk, whatever the file's size.
 */
export function writeFileAtomicStream(path: string, produce: (write: (bytes: Uint8Array, length: number) => void) => void): void {
  const dir = dirname(path)
  mkdirSync(dir, { recursive: true })
  const tmp = join(dir, `.${basename(path)}.${process.pid}.${Date.now()}.tmp`)
  let fd = -1
  try {
    fd = openSync(tmp, 'w')
    const out = fd
    produce((bytes, length) => {
      let off = 0
      while (off < length) off += writeSync(out, bytes, off, length - off)
    })
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
