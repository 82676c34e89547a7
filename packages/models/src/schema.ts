/**
 * Option schemas: one typed table per model family, read by the factory (validation), by
 * `createModel`, by the CLI (flags and `--help`) and by experiment configs alike.
 */

/**
 * JSON type of an option. `'int|all'` is a positive integer or the string `'all'`; `'object'` is
 * library-only (no flag); `'string|object'` is a string at the edges (CLI, JSON) and may be a
 * prebuilt object in the library (FM's `features`).
 */
export type OptionType = 'int' | 'number' | 'boolean' | 'string' | 'int|all' | 'object' | 'string|object'

/** One option of a model family. */
export interface OptionSpec {
  /** JSON type (`'object'`: library-only, e.g. FM's prebuilt feature rows; no CLI flag). */
  readonly type: OptionType
  /** One line for `--help` and docs. */
  readonly doc: string
  /** Allowed values of a `'string'` option. */
  readonly values?: readonly string[]
  /** Smallest allowed value of a number (inclusive unless `exclusiveMin`). */
  readonly min?: number
  /** `min` itself is not allowed. */
  readonly exclusiveMin?: boolean
  /** Largest allowed value (inclusive). */
  readonly max?: number
  /** Default shown in `--help` (the factory applies the real default). */
  readonly defaultText?: string
  /** CLI flag when not the kebab-case key (item2vec's `alpha` and MF's `learningRate` are `--lr`). */
  readonly flag?: string
  /**
   * Older names the edges still accept (CLI flags, experiment configs), e.g. `factors` for `dim`.
   * The library itself takes only the key: `matrixFactorization({ factors: 32 })` throws.
   */
  readonly aliases?: readonly string[]
  /** The CLI hands this option the contents of the file named by the flag (`{ path, text }`). */
  readonly file?: boolean
}

/** A model family's options by key. */
export type OptionSchema = Readonly<Record<string, OptionSpec>>

/** Throws `Error('<where>: <message>')`; kept in one place so every message has one shape. */
function fail(where: string, message: string): never {
  throw new Error(`${where}: ${message}`)
}

/**
 * Checks one value against its spec.
 * @throws Error naming `where` and the key when the value has the wrong type or range.
 */
export function checkOption(where: string, key: string, spec: OptionSpec, v: unknown): void {
  const range = (): void => {
    const x = v as number
    if (spec.min !== undefined && (x < spec.min || (spec.exclusiveMin && x === spec.min))) {
      fail(where, `${key} must be ${spec.exclusiveMin ? '>' : '>='} ${spec.min}, got ${x}`)
    }
    if (spec.max !== undefined && x > spec.max) fail(where, `${key} must be <= ${spec.max}, got ${x}`)
  }
  switch (spec.type) {
    case 'int':
      if (!(typeof v === 'number' && Number.isInteger(v))) fail(where, `${key} must be an integer, got ${JSON.stringify(v)}`)
      range()
      return
    case 'number':
      if (!(typeof v === 'number' && Number.isFinite(v))) fail(where, `${key} must be a finite number, got ${JSON.stringify(v)}`)
      range()
      return
    case 'int|all':
      if (v === 'all') return
      if (!(typeof v === 'number' && Number.isInteger(v)))
        fail(where, `${key} must be a positive integer or 'all', got ${JSON.stringify(v)}`)
      range()
      return
    case 'boolean':
      if (typeof v !== 'boolean') fail(where, `${key} must be a boolean, got ${JSON.stringify(v)}`)
      return
    case 'string':
      if (typeof v !== 'string') fail(where, `${key} must be a string, got ${JSON.stringify(v)}`)
      if (spec.values && !spec.values.includes(v)) fail(where, `${key} must be one of ${spec.values.join(', ')}, got ${JSON.stringify(v)}`)
      return
    case 'object':
      if (v === null || typeof v !== 'object') fail(where, `${key} must be an object, got ${JSON.stringify(v)}`)
      return
    case 'string|object':
      if (typeof v !== 'string' && (v === null || typeof v !== 'object'))
        fail(where, `${key} must be a string or an object, got ${JSON.stringify(v)}`)
      return
  }
}

/**
 * Validates options against a schema: unknown keys are rejected (the message names the key and
 * lists the known ones), aliases are renamed to their key, `undefined` values are dropped.
 *
 * @param where - the factory's name for messages (`matrixFactorization`).
 * @param opts - `extra`: keys skipped besides the schema's (`kind`, `name` in a config);
 *   `aliases`: accept the schema's aliases (edges only).
 * @returns a fresh object holding only schema keys.
 * @throws Error naming the first bad key.
 * @example
 * ```ts
 * validateOptions(mfOptions, { factors: 32 }, 'matrixFactorization') // throws: unknown option "factors"
 * validateOptions(mfOptions, { factors: 32 }, 'models[0]', { aliases: true }) // { dim: 32 }
 * ```
 */
export function validateOptions(
  schema: OptionSchema,
  options: Readonly<Record<string, unknown>> | null | undefined,
  where: string,
  opts: { extra?: readonly string[]; aliases?: boolean } = {},
): Record<string, unknown> {
  const extra = opts.extra ?? []
  const out: Record<string, unknown> = {}
  if (options === null || options === undefined) return out
  if (typeof options !== 'object' || Array.isArray(options)) fail(where, `options must be an object, got ${JSON.stringify(options)}`)
  for (const given of Object.keys(options)) {
    if (extra.includes(given)) continue
    const v = options[given]
    let key = given
    if (!Object.hasOwn(schema, key)) {
      const canonical = opts.aliases ? Object.keys(schema).find((k) => schema[k].aliases?.includes(given)) : undefined
      if (canonical === undefined) {
        const hint = given === 'seed' ? ' (the seed is a fit option: fit(train, { sampler, seed }))' : ''
        fail(where, `unknown option "${given}"${hint} (known: ${Object.keys(schema).join(', ')})`)
      }
      key = canonical
      if (options[key] !== undefined && v !== undefined) fail(where, `give ${key} or ${given}, not both`)
    }
    if (v === undefined) continue
    checkOption(where, key, schema[key], v)
    out[key] = v
  }
  return out
}

/** The kebab-case CLI flag of an option (`batchSize` → `batch-size`, or its `flag`). */
export function optionFlag(key: string, spec: OptionSpec): string {
  return spec.flag ?? key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}
