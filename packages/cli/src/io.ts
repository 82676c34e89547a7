import type { Writable } from 'node:stream'

/**
 * Where a command writes and what it may read from its environment. `main()` takes one, so tests
 * run commands in-process and capture both streams.
 */
export interface CliIo {
  /** Writes to standard output (results only: a table, TSV, or the single `--json` object). */
  stdout(text: string): void
  /** Writes to standard error (logs, progress, errors). */
  stderr(text: string): void
  /** True when stderr is a terminal: the progress bar is drawn only then. */
  readonly stderrIsTTY: boolean
  /** Environment variables (`DECOY_DATA_DIR`, `DECOY_CACHE`, `DECOY_DEBUG`). */
  readonly env: Readonly<Record<string, string | undefined>>
}

/** The process's own streams and environment. */
export function processIo(): CliIo {
  const write = (s: Writable) => (text: string) => {
    s.write(text)
  }
  return {
    stdout: write(process.stdout),
    stderr: write(process.stderr),
    stderrIsTTY: process.stderr.isTTY === true,
    env: process.env,
  }
}

/** An in-memory {@link CliIo} for tests: everything written is kept in `out` and `err`. */
export interface CapturedIo extends CliIo {
  /** Everything written to stdout. */
  readonly out: string
  /** Everything written to stderr. */
  readonly err: string
}

/**
 * Creates a capturing {@link CliIo}.
 *
 * @param env - environment seen by the command (default: empty, so tests are hermetic).
 * @returns an io whose `out`/`err` accumulate the written text.
 */
export function captureIo(env: Record<string, string | undefined> = {}): CapturedIo {
  let out = ''
  let err = ''
  return {
    stdout: (t) => {
      out += t
    },
    stderr: (t) => {
      err += t
    },
    stderrIsTTY: false,
    env,
    get out() {
      return out
    },
    get err() {
      return err
    },
  }
}
