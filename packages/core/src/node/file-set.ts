/**
 * Sets of files that appear whole or not at all (`split`'s train.tsv + test.tsv, an experiment's
 * results and plots), in a folder that may hold other things.
 *
 * A set is a small transaction: every file is written into a staging folder beside its target
 * (`<dir>/.decoy-set.<pid>.<n>/`), then a `.commit` marker listing the files is renamed into it,
 * then each file is renamed into place and the staging folder removed. Before the marker the old
 * files are untouched and the staging folder is garbage (removed on failure, on SIGINT / SIGTERM,
 * and by the next write or read of the folder once its process is gone); after it the set is
 * decided, and whoever touches the folder next (a write or a Decoy reader) finishes the renames.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, renameSync, rmdirSync, rmSync, statSync } from 'node:fs'
import { dirname, isAbsolute, join, normalize, sep } from 'node:path'
import { ensureDir, writeNewFile, type FileContents } from './atomic.js'
import { OutputError, describeWriteFailure, outputError } from './output-error.js'
import { holdTemporary, releaseTemporary, removeStaleTemporaries, testKillPoint } from './temporaries.js'

const STAGE_PREFIX = '.decoy-set.'
const STAGE_NAME = /^\.decoy-set\.(\d+)\.\d+$/
const COMMIT = '.commit'
let seq = 0

/** A set of files being written; nothing is visible in the target folder before {@link commit}. */
export interface FileSetWriter {
  /** The target folder. */
  readonly dir: string
  /**
   * Stages one file of the set.
   * @param rel - path inside `dir` (`results.json`, `plots/curves.svg`).
   * @param data - text (UTF-8), bytes, or a producer streaming chunks.
   * @returns the path the file will have once committed.
   */
  add(rel: string, data: FileContents): string
  /** Puts every staged file in place, as one step as far as Decoy's readers can tell. */
  commit(): void
  /** Drops the staged files (the old ones stay). Safe to call twice or after a failure. */
  abort(): void
}

function checkRel(dir: string, rel: string): string {
  const n = normalize(rel)
  if (rel.length === 0 || isAbsolute(rel) || n === '..' || n.startsWith('..' + sep) || n.startsWith(STAGE_PREFIX)) {
    throw new OutputError(`cannot write ${join(dir, rel)}: a file of a set must lie inside ${dir}`, join(dir, rel))
  }
  return n
}

function isDir(p: string): boolean {
  try {
    return statSync(p).isDirectory()
  } catch {
    return false
  }
}

/**
 * Starts a set of files in `dir` (created with its parents when missing). Interrupted sets a
 * killed process left in `dir` are finished or removed first.
 *
 * @param dir - the target folder.
 * @returns a writer: `add` each file, then `commit` (or `abort`).
 * @throws {@link OutputError} naming the path and the cause in words.
 * @example
 * ```ts
 * const set = beginFileSet('split')
 * set.add('train.tsv', trainText)
 * set.add('test.tsv', testText)
 * set.commit() // both files, or (after a crash) the old pair
 * ```
 */
export function beginFileSet(dir: string): FileSetWriter {
  const created = !existsSync(dir)
  ensureDir(dir)
  settleFileSets(dir)
  const stage = join(dir, `${STAGE_PREFIX}${process.pid}.${Date.now()}${seq++ % 1000}`)
  holdTemporary(stage)
  try {
    mkdirSync(stage)
  } catch (e) {
    releaseTemporary(stage)
    throw outputError(e, dir)
  }
  const staged: string[] = []
  let state: 'open' | 'done' = 'open'
  const abort = () => {
    if (state === 'done') return
    state = 'done'
    rmSync(stage, { recursive: true, force: true })
    releaseTemporary(stage)
    if (created) {
      try {
        rmdirSync(dir) // made for this set and still empty: leave no trace of a failed write
      } catch {
        // Not empty (or gone): keep it.
      }
    }
  }
  return {
    dir,
    add(rel, data) {
      if (state !== 'open') throw new Error(`file set ${dir}: add() after commit() or abort()`)
      const r = checkRel(dir, rel)
      const target = join(dir, r)
      try {
        const s = join(stage, r)
        if (r.includes(sep)) mkdirSync(dirname(s), { recursive: true })
        writeNewFile(s, data)
      } catch (e) {
        abort()
        throw outputError(e, target)
      }
      staged.push(r)
      testKillPoint(`set-add-${staged.length}`)
      return target
    },
    commit() {
      if (state !== 'open') throw new Error(`file set ${dir}: commit() twice or after abort()`)
      testKillPoint('set-staged')
      try {
        // Everything that can fail for a reason the user can fix is checked before the set is
        // decided: sub-folders exist (not files), no target is a directory.
        for (const r of staged) {
          const target = join(dir, r)
          ensureDir(dirname(target), target)
          if (isDir(target)) throw new OutputError(`cannot write ${target}: ${describeWriteFailure('EISDIR', target)}`, target, 'EISDIR')
        }
        writeNewFile(join(stage, COMMIT + '.tmp'), JSON.stringify({ files: staged }) + '\n')
        renameSync(join(stage, COMMIT + '.tmp'), join(stage, COMMIT))
      } catch (e) {
        abort()
        throw outputError(e, dir)
      }
      state = 'done'
      releaseTemporary(stage) // decided: from here on the set is finished, never removed
      testKillPoint('set-committed')
      rollForward(dir, stage)
    },
    abort,
  }
}

/** Renames the files of a committed stage into place, then removes it. Idempotent. */
function rollForward(dir: string, stage: string): void {
  const files = (JSON.parse(readFileSync(join(stage, COMMIT), 'utf8')) as { files: string[] }).files
  for (let i = 0; i < files.length; i++) {
    const from = join(stage, files[i])
    const to = join(dir, files[i])
    try {
      renameSync(from, to)
    } catch (e) {
      // Already moved (by an earlier, interrupted roll-forward or a concurrent reader).
      if ((e as NodeJS.ErrnoException).code === 'ENOENT' && !existsSync(from)) continue
      throw outputError(e, to)
    }
    testKillPoint(`set-moved-${i + 1}`)
  }
  rmSync(stage, { recursive: true, force: true })
}

/**
 * Writes `files` into `dir` as one set (see {@link beginFileSet}).
 *
 * @param dir - the target folder (created when missing).
 * @param files - relative path → contents.
 * @returns relative path → the path written.
 * @throws {@link OutputError} naming the path and the cause in words; nothing is changed then.
 */
export function writeFileSet(dir: string, files: Record<string, FileContents>): Record<string, string> {
  const set = beginFileSet(dir)
  const out: Record<string, string> = {}
  try {
    for (const [rel, data] of Object.entries(files)) out[rel] = set.add(rel, data)
    set.commit()
  } finally {
    set.abort()
  }
  return out
}

/**
 * Finishes or removes the sets a killed process left in `dir`: a committed one is moved into
 * place, an uncommitted one of a dead process removed. Decoy's readers call it before reading a
 * file of `dir`, so they never see half of a set.
 *
 * @param dir - a folder that may hold set outputs.
 * @throws {@link OutputError} when a committed set cannot be moved into place (e.g. the folder
 * became read-only); its files then still wait in the staging folder the message names.
 */
export function settleFileSets(dir: string): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  let pending = false
  for (const name of names) {
    if (!name.startsWith(STAGE_PREFIX) || !STAGE_NAME.test(name)) continue
    const stage = join(dir, name)
    if (existsSync(join(stage, COMMIT))) {
      try {
        rollForward(dir, stage)
      } catch (e) {
        const err = outputError(e, dir)
        throw new OutputError(
          `${dir} holds a set of files whose write was interrupted and cannot be finished (${err.message}); ` +
            `the new files are in ${stage}`,
          dir,
          (err as OutputError).code,
        )
      }
    } else pending = true
  }
  if (pending) {
    removeStaleTemporaries(dir, (f) => {
      const m = STAGE_NAME.exec(f)
      return m && !existsSync(join(dir, f, COMMIT)) ? Number(m[1]) : null
    })
  }
}
