import { closeSync, fsyncSync, mkdirSync, openSync, renameSync, rmSync, statSync, writeSync } from 'node:fs'
import { dirname, basename, join } from 'node:path'
import { outputError } from './output-error.js'
import { holdTemporary, releaseTemporary, removeStaleTemporaries, testKillPoint, testWriteFault } from './temporaries.js'

/** `.<name>.<pid>.<time>.tmp`: the temporary of one write; the pid tells whether its owner lives. */
const TMP_NAME = /^\..+\.(\d+)\.\d+\.tmp$/
let seq = 0

/** Creates `dir` and its missing parents; a failure is an {@link OutputError} naming `target`. */
export function ensureDir(dir: string, target: string = dir): void {
  try {
    mkdirSync(dir, { recursive: true })
  } catch (e) {
    throw outputError(e, target)
  }
}

/**
 * What a written file holds: text (UTF-8), bytes, or a producer that streams chunks through
 * `write(bytes, length)` (memory stays at one chunk, whatever the file's size).
 */
export type FileContents = string | Uint8Array | ((write: (bytes: Uint8Array, length: number) => void) => void)

/** Writes all of `data` to the open file `fd`. */
function writeContents(fd: number, data: FileContents): void {
  const put = (buf: Uint8Array, length: number) => {
    let off = 0
    while (off < length) off += writeSync(fd, buf, off, length - off)
  }
  if (typeof data === 'function') data(put)
  else {
    const buf = typeof data === 'string' ? Buffer.from(data, 'utf8') : data
    put(buf, buf.length)
  }
}

/** True for an existing path that is neither a regular file nor a directory (device, pipe, socket). */
function isSpecialFile(path: string): boolean {
  try {
    const st = statSync(path)
    return !st.isFile() && !st.isDirectory()
  } catch {
    return false
  }
}

/** Writes all of `data` to a new file at `tmp` and fsyncs it. @internal */
export function writeNewFile(tmp: string, data: FileContents): void {
  let fd = -1
  try {
    fd = openSync(tmp, 'w')
    writeContents(fd, data)
    testWriteFault(tmp)
    fsyncSync(fd)
    closeSync(fd)
    fd = -1
  } finally {
    if (fd >= 0) closeSync(fd)
  }
}

/**
 * Writes `data` to `path` atomically: a temp file beside it, fsync, then rename. A crash or an
 * error midway leaves the previous file (or none) in place, never a half-written one. Missing
 * parent folders are created.
 *
 * @param path - destination file.
 * @param data - text (UTF-8), bytes, or a producer streaming chunks (bounded memory).
 * @throws {@link OutputError} naming `path` and the cause in words (a parent that is a file, a
 * directory at `path`, a read-only or full disk); the temp file is removed first.
 * @remarks The temp file is also removed on SIGINT / SIGTERM, and temp files of killed processes
 * (`.<name>.<pid>.*.tmp`) are removed by the next write of the same name.
 */
export function writeFileAtomic(path: string, data: FileContents): void {
  if (isSpecialFile(path)) {
    // /dev/stdout, /dev/null, a named pipe: write into it, as `>` would. Renaming a temp file over
    // it would replace the device node itself (and as root, succeed).
    let fd = -1
    try {
      fd = openSync(path, 'w')
      writeContents(fd, data)
    } catch (e) {
      throw outputError(e, path)
    } finally {
      if (fd >= 0) closeSync(fd)
    }
    return
  }
  const dir = dirname(path)
  const name = basename(path)
  ensureDir(dir, path)
  removeStaleTemporaries(dir, (f) => {
    if (!f.startsWith(`.${name}.`)) return null
    const m = TMP_NAME.exec(f)
    return m ? Number(m[1]) : null
  })
  const tmp = join(dir, `.${name}.${process.pid}.${Date.now()}${seq++ % 1000}.tmp`)
  holdTemporary(tmp)
  try {
    writeNewFile(tmp, data)
    testKillPoint('file-written')
    renameSync(tmp, path)
  } catch (e) {
    rmSync(tmp, { force: true })
    throw outputError(e, path)
  } finally {
    releaseTemporary(tmp)
  }
}
