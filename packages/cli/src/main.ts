import { formatHelp, parseCommandArgs } from './args.js'
import { createContext, type Command } from './command.js'
import { UsageError, formatError, isUserError } from './errors.js'
import { processIo, type CliIo } from './io.js'
import { commands } from './commands/index.js'

/** The CLI's version, printed by `decoy --version`. */
export const VERSION = '0.1.0'

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 4
  return [
    'Usage: decoy <command> [options]',
    '',
    'Decoy: negative sampling for implicit-feedback recommenders.',
    '',
    'Commands:',
    ...commands.map((c) => '  ' + c.name.padEnd(width) + c.summary),
    '',
    'Run `decoy <command> --help` for the options of a command.',
    'Exit status: 0 on success, 2 on bad usage or bad input, 1 on an internal error.',
    'Set DECOY_DEBUG=1 to print stack traces.',
    '',
  ].join('\n')
}

/** Finds the command named by the first one or two arguments; returns it and the rest. */
function route(argv: string[]): { command: Command; rest: string[] } | null {
  if (argv.length >= 2) {
    const two = commands.find((c) => c.name === `${argv[0]} ${argv[1]}`)
    if (two) return { command: two, rest: argv.slice(2) }
  }
  if (argv.length >= 1) {
    const one = commands.find((c) => c.name === argv[0])
    if (one) return { command: one, rest: argv.slice(1) }
  }
  return null
}

/**
 * Runs the `decoy` CLI in-process.
 *
 * Bad usage and bad input print one line `decoy: <message>` on stderr and return 2; other
 * failures return 1; a stack trace is printed only when `DECOY_DEBUG=1`.
 *
 * @param argv - arguments after the program name, e.g. `['data', 'stats', '--data', 'x.csv']`.
 * @param io - streams and environment (default: the process's).
 * @returns the exit code.
 * @example
 * ```ts
 * const io = captureIo()
 * const code = await main(['data', 'stats', '--data', 'ratings.csv', '--json'], io)
 * JSON.parse(io.out).interactions
 * ```
 */
export async function main(argv: readonly string[], io: CliIo = processIo()): Promise<number> {
  const args = argv.slice()
  try {
    if (args.length === 0 || args[0] === '--help' || args[0] === '-h' || args[0] === 'help') {
      if (args[0] === 'help' && args.length > 1) {
        const r = route(args.slice(1))
        if (r) {
          io.stdout(helpOf(r.command))
          return 0
        }
      }
      ;(args.length === 0 ? io.stderr : io.stdout)(topHelp())
      return args.length === 0 ? 2 : 0
    }
    if (args[0] === '--version' || args[0] === '-v') {
      io.stdout(VERSION + '\n')
      return 0
    }
    const r = route(args)
    if (!r) {
      const known = args[0] === 'data' ? 'data stats, data convert' : commands.map((c) => c.name).join(', ')
      throw new UsageError(
        `unknown command ${JSON.stringify(args.slice(0, args[0] === 'data' ? 2 : 1).join(' '))} (commands: ${known}; see decoy --help)`,
      )
    }
    const parsed = parseCommandArgs(r.command.name, r.rest, r.command.options, r.command.positionals === true)
    if (parsed.bool('help')) {
      io.stdout(helpOf(r.command))
      return 0
    }
    await r.command.run(parsed, createContext(io))
    return 0
  } catch (e) {
    const user = isUserError(e)
    io.stderr(`decoy: ${formatError(e)}\n`)
    if (io.env.DECOY_DEBUG === '1' && e instanceof Error && e.stack) io.stderr(e.stack + '\n')
    else if (!user) io.stderr('decoy: internal error; set DECOY_DEBUG=1 for the stack trace\n')
    return user ? 2 : 1
  }
}

function helpOf(c: Command): string {
  return formatHelp(c.name, c.summary, c.usage, c.options, c.notes)
}
