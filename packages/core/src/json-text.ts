/**
 * JSON parsing whose errors say where: line and column, not the parser's character offset
 * ("at position 412"), so a config file can be fixed without counting characters.
 */

/** Where a JSON text is malformed, and why. */
export interface JsonSyntaxProblem {
  /** The parser's reason, without its position (`Expected ',' or '}' after property value`). */
  reason: string
  /** 1-based line. */
  line: number
  /** 1-based column (in UTF-16 code units, as editors count). */
  column: number
}

/** Line and column (1-based) of a character offset in `text`. */
export function lineColumnOf(text: string, offset: number): { line: number; column: number } {
  const at = Math.max(0, Math.min(offset, text.length))
  let line = 1
  let lineStart = 0
  for (let i = 0; i < at; i++) {
    if (text.charCodeAt(i) === 10) {
      line++
      lineStart = i + 1
    }
  }
  return { line, column: at - lineStart + 1 }
}

/**
 * Parses `text` as JSON.
 *
 * @returns `{ ok: true, value }`, or `{ ok: false, problem }` with the line and column of the
 * error (an empty or truncated text points just past its end).
 * @example
 * ```ts
 * const r = parseJsonText('{"alpha": 0.75,}')
 * if (!r.ok) console.error(`line ${r.problem.line}, column ${r.problem.column}: ${r.problem.reason}`)
 * ```
 */
export function parseJsonText(text: string): { ok: true; value: unknown } | { ok: false; problem: JsonSyntaxProblem } {
  try {
    return { ok: true, value: JSON.parse(text) }
  } catch (e) {
    const msg = e instanceof Error ? e.message : String(e)
    // V8 gives a character offset only for some errors ("at position 14"); the scanner finds it
    // for all of them.
    const pos = /at position (\d+)/.exec(msg)
    const found = errorOffset(text)
    const where = lineColumnOf(text, found >= 0 ? found : pos ? Number(pos[1]) : text.length)
    let reason = msg
      .replace(/,\s*(?:\.\.\.)?".*is not valid JSON$/s, '')
      .replace(/\s*in JSON at position \d+.*$/s, '')
      .replace(/\s*at position \d+/g, '')
      .replace(/\s*\(line \d+ column \d+\)\s*$/, '')
      .trim()
    if (reason === '' || /^Unexpected end of JSON input/.test(msg))
      reason = text.trim() === '' ? 'the text is empty' : 'the text ends before the JSON value is complete'
    return { ok: false, problem: { reason: reason.charAt(0).toLowerCase() + reason.slice(1), ...where } }
  }
}

const WS = new Set([' ', '\t', '\n', '\r'])
const NUMBER = /-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?/y
const ESCAPES = new Set(['"', '\\', '/', 'b', 'f', 'n', 'r', 't'])

/**
 * Offset of the first character where `text` stops being JSON (RFC 8259), or -1 when it is JSON
 * or too deeply nested to scan.
 * @internal
 */
export function errorOffset(text: string): number {
  let i = 0
  const n = text.length
  const ws = () => {
    while (i < n && WS.has(text[i])) i++
  }
  const str = (): void => {
    i++
    while (i < n) {
      const c = text.charCodeAt(i)
      if (c === 34) {
        i++
        return
      }
      if (c === 92) {
        i++
        if (i < n && ESCAPES.has(text[i])) i++
        else if (text[i] === 'u' && /^[0-9a-fA-F]{4}$/.test(text.slice(i + 1, i + 5))) i += 5
        else throw i
      } else if (c < 0x20) throw i
      else i++
    }
    throw i
  }
  const literal = (word: string): void => {
    for (let k = 0; k < word.length; k++, i++) if (text[i] !== word[k]) throw i
  }
  const value = (): void => {
    ws()
    const c = text[i]
    if (c === '{') {
      i++
      ws()
      if (text[i] === '}') {
        i++
        return
      }
      for (;;) {
        ws()
        if (text[i] !== '"') throw i
        str()
        ws()
        if (text[i] !== ':') throw i
        i++
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === '}') {
          i++
          return
        }
        throw i
      }
    } else if (c === '[') {
      i++
      ws()
      if (text[i] === ']') {
        i++
        return
      }
      for (;;) {
        value()
        ws()
        if (text[i] === ',') {
          i++
          continue
        }
        if (text[i] === ']') {
          i++
          return
        }
        throw i
      }
    } else if (c === '"') str()
    else if (c === 't') literal('true')
    else if (c === 'f') literal('false')
    else if (c === 'n') literal('null')
    else {
      NUMBER.lastIndex = i
      const m = NUMBER.exec(text)
      if (!m || m[0].length === 0) throw i
      i += m[0].length
    }
  }
  try {
    value()
    ws()
    return i < n ? i : -1
  } catch (e) {
    if (typeof e === 'number') return Math.min(e, n)
    return -1 // too deep for the stack: the caller falls back on the parser's own position
  }
}
