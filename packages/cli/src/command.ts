import type { Args, OptionSpec } from './args.js'
import type { CliIo } from './io.js'
import { createProgress, type Progress } from './progress.js'

/** What a running command may use besides its flags. */
export interface CommandContext {
  /** The streams and environment. */
  readonly io: CliIo
  /** A log line on stderr. */
  log(message: string): void
  /** Prints the one JSON object of a `--json` run on stdout. */
  json(value: object): void
  /** A progress bar on stderr (a no-op unless stderr is a terminal). */
  progress(label: string, total: number): Progress
}

/** A subcommand: its flags, help text and body. */
export interface Command {
  /** Name as typed, e.g. `split` or `data stats`. */
  readonly name: string
  /** One-line summary for `decoy --help`. */
  readonly summary: string
  /** Usage after `decoy <name>`. */
  readonly usage: string
  /** Flags. */
  readonly options: readonly OptionSpec[]
  /** Extra help text (JSON keys, examples). */
  readonly notes?: string
  /** Accepts positional arguments (e.g. `decoy experiment <config.json>`); default false. */
  readonly positionals?: boolean
  /** Runs the command; throws `UsageError`/`DataError`/`InputError` on bad usage or input. */
  run(args: Args, ctx: CommandContext): Promise<void> | void
}

/** @internal Builds the context of one invocation. */
export function createContext(io: CliIo): CommandContext {
  return {
    io,
    log: (m) => io.stderr(m.endsWith('\n') ? m : m + '\n'),
    json: (v) => io.stdout(JSON.stringify(v, jsonReplacer, 2) + '\n'),
    progress: (label, total) => createProgress(io, label, total),
  }
}

/** Typed arrays print as arrays; non-finite numbers as null (JSON has no NaN). */
function jsonReplacer(_key: string, value: unknown): unknown {
  if (ArrayBuffer.isView(value) && !(value instanceof DataView)) return Array.from(value as unknown as ArrayLike<number>)
  return value
}
