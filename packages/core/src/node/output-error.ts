/**
 * One place that turns a failed file-system write into a sentence: which path, and what is wrong
 * with it in words ("… is a file, not a directory", "no space left on the device"), never a raw
 * errno such as ENOTDIR or ENOSPC.
 */
import { statSync } from 'node:fs'
import { dirname, resolve } from 'node:path'

/**
 * A file or directory could not be written: a parent that is a file, a read-only or full disk, a
 * directory where a file is needed. The CLI reports it with exit 2, as bad usage.
 *
 * @example
 * ```ts
 * try { writeFileAtomic('out/model.arrow', bytes) }
 * catch (e) { if (e instanceof OutputError) console.error(e.message) } // cannot write out/model.arrow: out is a file, not a directory
 * ```
 */
export class OutputError extends Error {
  override readonly name = 'OutputError'
  /**
   * @param message - the whole sentence, naming the path.
   * @param path - the output that could not be written.
   * @param code - the system error code behind it (`ENOSPC`, …), when there is one.
   */
  constructor(
    message: string,
    readonly path: string,
    readonly code?: string,
  ) {
    super(message)
  }
}

function kindOf(p: string): 'dir' | 'file' | 'none' {
  try {
    return statSync(p).isDirectory() ? 'dir' : 'file'
  } catch {
    return 'none'
  }
}

/** The nearest ancestor of `p` (or `p` itself) that exists, and what it is. */
function nearestExisting(p: string): { path: string; kind: 'dir' | 'file' } | null {
  let cur = resolve(p)
  for (;;) {
    const k = kindOf(cur)
    if (k !== 'none') return { path: cur, kind: k }
    const up = dirname(cur)
    if (up === cur) return null
    cur = up
  }
}

/** Shows `abs` the way the user wrote it when it is `target` or one of its ancestors. */
function shown(abs: string, target: string): string {
  let t = target
  for (let i = 0; i < 64; i++) {
    if (resolve(t) === abs) return t
    const up = dirname(t)
    if (up === t) break
    t = up
  }
  return abs
}

/**
 * The cause of a failed write of `target`, in words, from the error's code and a look at the disk.
 * @internal
 */
export function describeWriteFailure(code: string | undefined, target: string, failedPath?: string): string {
  const parent = dirname(target)
  switch (code) {
    case 'ENOTDIR':
    case 'EEXIST':
    case 'ENOENT': {
      // Walk up to the part of the path that exists: a file there means a directory was expected.
      const near = nearestExisting(failedPath ?? (code === 'ENOENT' ? parent : target))
      if (near && near.kind === 'file') return `${shown(near.path, target)} is a file, not a directory`
      if (code === 'EEXIST') return `${target} already exists`
      if (!near) return `no part of the path ${target} exists`
      return `${parent} does not exist`
    }
    case 'EISDIR':
      return `${target} is a directory; give a file name`
    case 'EACCES':
    case 'EPERM': {
      const near = nearestExisting(parent)
      return `permission denied: ${near ? shown(near.path, target) : parent} is not writable by this user`
    }
    case 'EROFS':
      return `${parent} is on a read-only file system`
    case 'ENOSPC':
      return `no space left on the device holding ${parent}`
    case 'EDQUOT':
      return `the disk quota for ${parent} is exhausted`
    case 'ENAMETOOLONG':
      return 'the path is too long for the file system'
    case 'ELOOP':
      return 'the path has a loop of symbolic links'
    case 'EMFILE':
    case 'ENFILE':
      return 'too many files are open'
    case 'EIO':
      return `an input/output error on the device holding ${parent}`
    case 'EFBIG':
      return 'the file is larger than the file system allows'
    case 'ENOTEMPTY':
      return `${target} is a directory that is not empty`
    case 'EBUSY':
    case 'ETXTBSY':
      return `${target} is in use by another program`
    case 'EXDEV':
      return `${target} is on another device than its temporary file`
    default:
      return code ? `the system refused the write (${code})` : 'the write failed'
  }
}

/**
 * Turns an error thrown while writing `target` into an {@link OutputError} (one line naming the
 * path and the cause in words). Errors that are not system errors pass through unchanged.
 *
 * @param e - what was thrown.
 * @param target - the file or directory being written (as the user gave it).
 * @returns the error to throw.
 */
export function outputError(e: unknown, target: string): Error {
  if (e instanceof OutputError) return e
  const code = (e as NodeJS.ErrnoException | null)?.code
  if (!(e instanceof Error) || typeof code !== 'string') return e as Error
  const failed = (e as NodeJS.ErrnoException).path
  const out = new OutputError(`cannot write ${target}: ${describeWriteFailure(code, target, failed)}`, target, code)
  out.stack = e.stack
  return out
}
