/** Bad usage: an unknown flag, a missing required flag, a value of the wrong type. Exit 2. */
export class UsageError extends Error {
  override readonly name = 'UsageError'
}

/**
 * Bad input the CLI itself detects (e.g. a test user never seen in train). Carries the same
 * fields as core's `DataError` so both print alike. Exit 2.
 */
export class InputError extends Error {
  override readonly name = 'InputError'
  /**
   * @param message - what is wrong.
   * @param source - file name, when known.
   * @param line - 1-based line, when known.
   * @param field - column or field name, when known.
   */
  constructor(
    message: string,
    readonly source?: string,
    readonly line?: number,
    readonly field?: string,
  ) {
    super(message)
  }
}

interface Located {
  message: string
  source?: unknown
  line?: unknown
  field?: unknown
}

/** True for errors that describe bad input or bad usage (exit 2) rather than a bug (exit 1). */
export function isUserError(e: unknown): boolean {
  if (!(e instanceof Error)) return false
  if (e instanceof UsageError || e instanceof InputError) return true
  // core's DataError (and anything shaped like it) names its file/line/field; an OutputError names
  // the path that could not be written, a ResourceError the size that would not fit.
  if (e.name === 'DataError' || e.name === 'OutputError' || e.name === 'ResourceError') return true
  const l = e as Located
  return typeof l.source === 'string' && (typeof l.line === 'number' || typeof l.field === 'string')
}

/**
 * One line describing an error for stderr, naming the file, line and field when the error carries
 * them and its message does not already say so.
 */
export function formatError(e: unknown): string {
  if (!(e instanceof Error)) return String(e)
  const l = e as Located
  let msg = e.message.replace(/\s*\n\s*/g, ' ').trim()
  const parts: string[] = []
  if (typeof l.source === 'string' && l.source.length > 0 && !msg.includes(l.source)) parts.push(l.source)
  if (typeof l.line === 'number' && !new RegExp(`\\bline ${l.line}\\b`).test(msg)) parts.push(`line ${l.line}`)
  if (typeof l.field === 'string' && l.field.length > 0 && !msg.includes(l.field)) parts.push(`field ${JSON.stringify(l.field)}`)
  if (parts.length > 0) msg = `${parts.join(', ')}: ${msg}`
  return msg
}
