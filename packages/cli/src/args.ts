import { parseArgs } from 'node:util'
import { parseJsonText } from '@decoy/core'
import { UsageError } from './errors.js'

/** One flag of a subcommand. */
export interface OptionSpec {
  /** Long name without dashes, e.g. `test-fraction`. */
  readonly name: string
  /** `boolean` flags take no value. */
  readonly type: 'string' | 'boolean'
  /** Placeholder shown in help, e.g. `<file>`. */
  readonly value?: string
  /** One-line description for `--help`. */
  readonly description: string
  /** Default shown in help (the command applies it). */
  readonly defaultText?: string
  /** One-letter alias. */
  readonly short?: string
}

/** Parsed flags of one invocation, with typed accessors that raise {@link UsageError}. */
export class Args {
  /**
   * @param command - command name for messages, e.g. `data stats`.
   * @param values - raw values from `parseArgs`.
   * @param positionals - positional arguments.
   */
  constructor(
    readonly command: string,
    private readonly values: Record<string, string | boolean | undefined>,
    readonly positionals: string[],
  ) {}

  /** A copy where `defaults` fill the flags not given (a `--config` file under the command line). */
  withDefaults(defaults: Readonly<Record<string, string | boolean>>): Args {
    const merged: Record<string, string | boolean | undefined> = { ...defaults }
    for (const [k, v] of Object.entries(this.values)) if (v !== undefined) merged[k] = v
    return new Args(this.command, merged, this.positionals)
  }

  /** True when the flag was given. */
  has(name: string): boolean {
    return this.values[name] !== undefined
  }

  /** A string flag, or `undefined`. */
  str(name: string): string | undefined {
    const v = this.values[name]
    return typeof v === 'string' ? v : undefined
  }

  /** A string flag that must be present. */
  required(name: string): string {
    const v = this.str(name)
    if (v === undefined || v.length === 0) throw new UsageError(`${this.command}: --${name} is required (see decoy ${this.command} --help)`)
    return v
  }

  /** A boolean flag. */
  bool(name: string): boolean {
    return this.values[name] === true
  }

  /** One of `choices`, or `fallback`. */
  choice<T extends string>(name: string, choices: readonly T[], fallback?: T): T | undefined {
    const v = this.str(name)
    if (v === undefined) return fallback
    if (!(choices as readonly string[]).includes(v)) {
      throw new UsageError(`${this.command}: --${name} must be one of ${choices.join('|')}, got ${JSON.stringify(v)}`)
    }
    return v as T
  }

  /** An integer flag within `[min, max]`, or `fallback`. */
  int(name: string, fallback?: number, min = -Infinity, max = Infinity): number | undefined {
    const v = this.str(name)
    if (v === undefined) return fallback
    const n = decimal(v)
    if (n === null || !Number.isSafeInteger(n) || n < min || n > max) {
      throw new UsageError(`${this.command}: --${name} must be ${describeRange(min, max, true)}, got ${JSON.stringify(v)}`)
    }
    return n
  }

  /**
   * A finite number flag within `[min, max]`, or `fallback`. `Number.MIN_VALUE` as `min` reads
   * "greater than 0", `1 - Number.EPSILON` as `max` "less than 1".
   */
  num(name: string, fallback?: number, min = -Infinity, max = Infinity): number | undefined {
    const v = this.str(name)
    if (v === undefined) return fallback
    const n = decimal(v)
    if (n === null || !Number.isFinite(n) || n < min || n > max) {
      throw new UsageError(`${this.command}: --${name} must be ${describeRange(min, max, false)}, got ${JSON.stringify(v)}`)
    }
    return n
  }

  /**
   * A comma-separated list of positive integers up to `max` (e.g. `--k 10,20`), or `fallback`.
   * The default `max`, 100000, bounds ranking cut-offs: the evaluator keeps a top-`k` buffer and
   * walks it for every user, so `--k 1e9` would exhaust memory rather than measure anything.
   */
  intList(name: string, fallback: number[], max = MAX_CUTOFF): number[] {
    const v = this.str(name)
    if (v === undefined) return fallback
    const parts = v.split(',').map((s) => s.trim())
    const out: number[] = []
    for (const p of parts) {
      const n = decimal(p)
      if (n === null || !Number.isSafeInteger(n) || n < 1)
        throw new UsageError(`${this.command}: --${name} must be a comma-separated list of positive integers, got ${JSON.stringify(v)}`)
      if (n > max) throw new UsageError(`${this.command}: --${name} values must be at most ${max}, got ${p}`)
      if (!out.includes(n)) out.push(n)
    }
    return out.sort((a, b) => a - b)
  }

  /** A JSON object flag (e.g. `--sampler-config '{"alpha":0.75}'`), or `{}`. */
  jsonObject(name: string): Record<string, unknown> {
    const v = this.str(name)
    if (v === undefined) return {}
    const r = parseJsonText(v)
    if (!r.ok) {
      const { reason, line, column } = r.problem
      const at = v.includes('\n') ? `line ${line}, column ${column}` : `column ${column}`
      const shown = v.length > 80 ? v.slice(0, 77) + '...' : v
      throw new UsageError(`${this.command}: --${name} is not valid JSON at ${at} (${reason}): ${shown}`)
    }
    const parsed = r.value
    if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
      throw new UsageError(`${this.command}: --${name} must be a JSON object, got ${v}`)
    }
    return parsed as Record<string, unknown>
  }
}

/**
 * Parses `argv` against `options` strictly: unknown flags and missing values are usage errors.
 *
 * @param command - command name for messages.
 * @param argv - arguments after the command name.
 * @param options - the command's flags (`--help` is added).
 * @param allowPositionals - whether bare arguments are accepted.
 */
export function parseCommandArgs(command: string, argv: string[], options: readonly OptionSpec[], allowPositionals = false): Args {
  const spec: Record<string, { type: 'string' | 'boolean'; short?: string }> = { help: { type: 'boolean', short: 'h' } }
  for (const o of options) spec[o.name] = o.short ? { type: o.type, short: o.short } : { type: o.type }
  let parsed: { values: Record<string, string | boolean | undefined>; positionals: string[] }
  try {
    parsed = parseArgs({ args: argv, options: spec, strict: true, allowPositionals }) as typeof parsed
  } catch (e) {
    const m = (e as Error).message.replace(/\. To specify a positional argument.*$/s, '').replace(/\s*\n.*$/s, '')
    throw new UsageError(`${command}: ${m} (see decoy ${command} --help)`)
  }
  for (const o of options) {
    // `--seed ''` or `--out=`: an empty value is never meant (it would silently mean "unset").
    if (o.type === 'string' && parsed.values[o.name] === '') {
      throw new UsageError(`${command}: --${o.name} needs a value, got an empty string (see decoy ${command} --help)`)
    }
  }
  return new Args(command, parsed.values, parsed.positionals)
}

/** Largest ranking cut-off the CLI accepts (see {@link Args.intList}). */
export const MAX_CUTOFF = 100_000

const DECIMAL = /^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/

/** A decimal number (`12`, `-0.5`, `1e-3`), or null: no hex, binary, `Infinity` or blanks. */
function decimal(text: string): number | null {
  const t = text.trim()
  return DECIMAL.test(t) ? Number(t) : null
}

function plain(x: number): string {
  return Math.abs(x) >= 1e21 || (x !== 0 && Math.abs(x) < 1e-6) ? x.toExponential() : String(x)
}

/**
 * A range in words: "a positive integer", "an integer from 1 to 64", "a number greater than 0
 * and less than 1". The sentinels `Number.MIN_VALUE` (min) and `1 - Number.EPSILON` (max) stand for
 * the open bounds "greater than 0" and "less than 1".
 */
export function describeRange(min: number, max: number, integer: boolean): string {
  if (integer) {
    const lo = Math.ceil(min)
    const hi = Math.floor(max)
    if (lo === 1 && hi === Infinity) return 'a positive integer'
    if (lo === 0 && hi === Infinity) return 'a non-negative integer'
    if (lo === -Infinity && hi === Infinity) return 'an integer'
    if (hi === Infinity) return `an integer of at least ${plain(lo)}`
    if (lo === -Infinity) return `an integer of at most ${plain(hi)}`
    return `an integer from ${plain(lo)} to ${plain(hi)}`
  }
  const low = min === -Infinity ? null : min === Number.MIN_VALUE ? 'greater than 0' : `at least ${plain(min)}`
  const high = max === Infinity ? null : max === 1 - Number.EPSILON ? 'less than 1' : `at most ${plain(max)}`
  if (low && high) return `a number ${low} and ${high}`
  if (low) return `a number ${low}`
  if (high) return `a number ${high}`
  return 'a finite number'
}

/** Help text for a command: usage line, summary, and one line per flag. */
export function formatHelp(command: string, summary: string, usage: string, options: readonly OptionSpec[], notes?: string): string {
  const rows = options.map((o) => {
    const left = `  ${o.short ? `-${o.short}, ` : ''}--${o.name}${o.value ? ' ' + o.value : ''}`
    const right = o.description + (o.defaultText !== undefined ? ` (default: ${o.defaultText})` : '')
    return [left, right] as const
  })
  rows.push(['  -h, --help', 'show this help'])
  const width = Math.max(...rows.map((r) => r[0].length)) + 2
  const lines = [`Usage: decoy ${command} ${usage}`, '', summary, '', 'Options:', ...rows.map(([l, r]) => l.padEnd(width) + r)]
  if (notes) lines.push('', notes.trimEnd())
  return lines.join('\n') + '\n'
}
