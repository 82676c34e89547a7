/**
 * Temporary files and folders that writes in progress own: removed when the write fails, when the
 * process gets SIGINT / SIGTERM / SIGHUP, and (for ones a killed process left) by the next write
 * into the same folder. Also the fault hooks the crash tests use.
 */
import { readdirSync, rmSync, statSync } from 'node:fs'
import { join } from 'node:path'

const live = new Set<string>()
const SIGNALS = ['SIGINT', 'SIGTERM', 'SIGHUP'] as const
let installed = false

function onSignal(signal: NodeJS.Signals): void {
  for (const p of live) rmSync(p, { recursive: true, force: true })
  live.clear()
  uninstall()
  // Listening to a signal replaces Node's default exit; when nobody else listens, restore it and
  // die of the same signal, so the exit status still says what happened.
  if (process.listenerCount(signal) === 0) process.kill(process.pid, signal)
}

function install(): void {
  if (installed) return
  installed = true
  for (const s of SIGNALS) process.on(s, onSignal)
}

function uninstall(): void {
  if (!installed) return
  installed = false
  for (const s of SIGNALS) process.off(s, onSignal)
}

/**
 * Registers a temporary path (file or folder) to remove if the process is interrupted before
 * {@link releaseTemporary}. Signal handlers are installed with the first temporary; they re-raise
 * the signal when no one else listens, so the process still ends as it would have.
 * @internal
 */
export function holdTemporary(path: string): void {
  live.add(path)
  install()
}

let idleTimer: ReturnType<typeof setTimeout> | null = null

/**
 * Forgets a temporary (it was renamed into place or removed). The handlers outlive the last
 * temporary by a moment: a signal that arrived during a synchronous write is dispatched only
 * after it (and may reach the event loop late, from another thread), and must still end the
 * process. Then Node's default (immediate exit) is back, so Ctrl-C during a long computation is
 * not delayed.
 * @internal
 */
export function releaseTemporary(path: string): void {
  live.delete(path)
  if (live.size > 0 || !installed || idleTimer !== null) return
  idleTimer = setTimeout(() => {
    idleTimer = null
    if (live.size === 0) uninstall()
  }, 200)
  idleTimer.unref()
}

/** Whether a process with this id is running (a temporary it named may still be in use). */
export function processAlive(pid: number): boolean {
  if (!Number.isInteger(pid) || pid <= 0) return false
  if (pid === process.pid) return true
  try {
    process.kill(pid, 0)
    return true
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM'
  }
}

const DAY_MS = 86_400_000

/**
 * Removes the entries of `dir` that `parse` recognises as temporaries whose owner process is gone
 * (or that are over a day old, in case the id was reused). Best effort: a folder that cannot be
 * listed is left alone.
 * @internal
 */
export function removeStaleTemporaries(dir: string, parse: (name: string) => number | null): void {
  let names: string[]
  try {
    names = readdirSync(dir)
  } catch {
    return
  }
  const now = Date.now()
  for (const name of names) {
    const pid = parse(name)
    if (pid === null) continue
    const p = join(dir, name)
    if (live.has(p)) continue
    let old = false
    try {
      old = now - statSync(p).mtimeMs > DAY_MS
    } catch {
      continue
    }
    if (pid !== process.pid && processAlive(pid) && !old) continue
    if (pid === process.pid && !old) continue
    try {
      rmSync(p, { recursive: true, force: true })
    } catch {
      // Raced with its owner or not ours to remove: it stays, and readers ignore it.
    }
  }
}

/**
 * Test hook: when `DECOY_TEST_KILL_AT` names `point` (as `point` or `point:SIGNAL`), the process
 * sends itself that signal (SIGKILL by default) here. Lets the crash tests stop a child process at
 * an exact step of a write; unset, it costs one environment lookup.
 * @internal
 */
export function testKillPoint(point: string): void {
  const want = process.env.DECOY_TEST_KILL_AT
  if (want === undefined || want === '') return
  const [at, signal] = want.split(':')
  if (at !== point) return
  process.kill(process.pid, (signal ?? 'SIGKILL') as NodeJS.Signals)
}

/**
 * Test hook: when `DECOY_TEST_WRITE_FAULT` is a system error code (`ENOSPC`, `EROFS`, `EACCES`,
 * …), writes fail with it after the temporary is written, as a full or read-only disk would make
 * them fail. Lets tests reach those paths without filling a disk or dropping root.
 * @internal
 */
export function testWriteFault(path: string): void {
  const code = process.env.DECOY_TEST_WRITE_FAULT
  if (code === undefined || code === '') return
  const e = new Error(`${code}: injected fault, write '${path}'`) as NodeJS.ErrnoException
  e.code = code
  throw e
}
