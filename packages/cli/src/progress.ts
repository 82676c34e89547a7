import type { CliIo } from './io.js'

/** A progress reporter: a bar with ETA on a terminal, silence otherwise. */
export interface Progress {
  /** Sets the amount done (same unit as `total`) and an optional status suffix. */
  update(done: number, status?: string): void
  /** Clears the bar. */
  done(): void
}

/**
 * Creates a progress bar on stderr, drawn only when stderr is a TTY (never in pipes, files or
 * `--json` consumers reading stdout), redrawn at most ten times a second.
 *
 * @param io - where to draw.
 * @param label - what is progressing, e.g. `train`.
 * @param total - the amount that means 100%.
 */
export function createProgress(io: CliIo, label: string, total: number): Progress {
  if (!io.stderrIsTTY || !(total > 0)) return { update() {}, done() {} }
  const start = Date.now()
  let last = 0
  let drawn = false
  const width = 28
  return {
    update(done: number, status?: string) {
      const now = Date.now()
      if (now - last < 100 && done < total) return
      last = now
      const f = Math.min(1, Math.max(0, done / total))
      const filled = Math.round(f * width)
      const elapsed = (now - start) / 1000
      const eta = f > 0 ? (elapsed * (1 - f)) / f : NaN
      const bar = '#'.repeat(filled) + '-'.repeat(width - filled)
      const text = `${label} [${bar}] ${(f * 100).toFixed(0).padStart(3)}% ${formatDuration(elapsed)} ETA ${Number.isFinite(eta) ? formatDuration(eta) : '?'}${status ? '  ' + status : ''}`
      io.stderr('\r\x1b[2K' + text)
      drawn = true
    },
    done() {
      if (drawn) io.stderr('\r\x1b[2K')
      drawn = false
    },
  }
}

/** `73.4s`, `4m05s`, `1h02m`. */
export function formatDuration(seconds: number): string {
  if (seconds < 60) return `${seconds.toFixed(1)}s`
  const m = Math.floor(seconds / 60)
  if (m < 60) return `${m}m${String(Math.floor(seconds % 60)).padStart(2, '0')}s`
  return `${Math.floor(m / 60)}h${String(m % 60).padStart(2, '0')}m`
}
