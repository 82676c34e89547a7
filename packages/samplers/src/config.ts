/**
 * Validation helpers for JSON sampler configs: every bad field is an Error naming the sampler and
 * the field, and unknown fields are rejected (a typo in an experiment file must not be ignored).
 * @internal
 */
import type { SamplerConfig } from '@decoy/core'

/** Options shared by every strategy. */
export interface CommonOptions {
  /** Exclude the user's training positives exactly (default true). */
  readonly excludePositives?: boolean
  /** Mask draws of users without any admissible negative as -1 instead of failing at prepare (default false). */
  readonly allowMasked?: boolean
  /** Rejection retries before the exact complement fallback (default 32). */
  readonly maxTrials?: number
}

/**
 * Throws when `config` has a field outside `allowed` (plus `kind`, `excludePositives`,
 * `allowMasked`, `maxTrials`), or a `kind` other than `kind`.
 * @internal
 */
export function checkConfig(config: object, kind: string, allowed: readonly string[]): void {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`${kind} sampler: config must be an object, got ${JSON.stringify(config)}`)
  }
  const c = config as Record<string, unknown>
  if (c.kind !== undefined && c.kind !== kind)
    throw new Error(`${kind} sampler: config.kind is ${JSON.stringify(c.kind)}, expected "${kind}"`)
  for (const key of Object.keys(c)) {
    if (key === 'kind' || key === 'excludePositives' || key === 'allowMasked' || key === 'maxTrials') continue
    if (!allowed.includes(key)) {
      const known = ['kind', ...allowed, 'excludePositives', 'allowMasked', 'maxTrials'].join(', ')
      throw new Error(`${kind} sampler: unknown config field "${key}" (known: ${known})`)
    }
  }
}

/**
 * Reads a finite number field with a default and bounds.
 * @internal
 */
export function numberField(
  config: object,
  kind: string,
  key: string,
  fallback: number,
  opts: { min?: number; max?: number; integer?: boolean; exclusiveMin?: boolean } = {},
): number {
  const v = (config as Record<string, unknown>)[key]
  if (v === undefined) return fallback
  if (typeof v !== 'number' || !Number.isFinite(v))
    throw new Error(`${kind} sampler: field "${key}" must be a finite number, got ${JSON.stringify(v)}`)
  const below = opts.min !== undefined && (opts.exclusiveMin ? !(v > opts.min) : !(v >= opts.min))
  const above = opts.max !== undefined && !(v <= opts.max)
  if ((opts.integer && !Number.isInteger(v)) || below || above) {
    // One sentence with the whole range, in words: "an integer from 1 to 1000000".
    const what = opts.integer ? 'an integer' : 'a number'
    const lo = opts.min === undefined ? '' : opts.exclusiveMin ? `greater than ${opts.min}` : `at least ${opts.min}`
    const hi = opts.max === undefined ? '' : `at most ${opts.max}`
    const both = opts.integer && lo.startsWith('at least') && hi
    const range = both
      ? ` from ${opts.min} to ${opts.max}`
      : [lo, hi]
          .filter((x) => x)
          .map((x) => ' ' + x)
          .join(' and')
    throw new Error(`${kind} sampler: field "${key}" must be ${what}${range}, got ${v}`)
  }
  return v
}

/**
 * Reads a boolean field with a default.
 * @internal
 */
export function booleanField(config: object, kind: string, key: string, fallback: boolean): boolean {
  const v = (config as Record<string, unknown>)[key]
  if (v === undefined) return fallback
  if (typeof v !== 'boolean') throw new Error(`${kind} sampler: field "${key}" must be true or false, got ${JSON.stringify(v)}`)
  return v
}

/**
 * Reads one of a fixed set of strings.
 * @internal
 */
export function enumField<T extends string>(config: object, kind: string, key: string, values: readonly T[], fallback: T): T {
  const v = (config as Record<string, unknown>)[key]
  if (v === undefined) return fallback
  if (typeof v !== 'string' || !values.includes(v as T)) {
    throw new Error(
      `${kind} sampler: field "${key}" must be one of ${values.map((x) => JSON.stringify(x)).join(', ')}, got ${JSON.stringify(v)}`,
    )
  }
  return v as T
}

/**
 * Reads the common fields (`excludePositives`, `allowMasked`, `maxTrials`) with their defaults.
 * @internal
 */
export function commonFields(config: object, kind: string): Required<CommonOptions> {
  return {
    excludePositives: booleanField(config, kind, 'excludePositives', true),
    allowMasked: booleanField(config, kind, 'allowMasked', false),
    maxTrials: numberField(config, kind, 'maxTrials', 32, { min: 1, max: 1_000_000, integer: true }),
  }
}

/**
 * Checks that the buffer and batch are compatible before a sampler writes into them.
 * @internal
 */
export function checkSampleArgs(kind: string, prepared: boolean, size: number, capacity: number): void {
  if (!prepared) throw new Error(`${kind} sampler: sample() called before prepare()`)
  if (size > capacity) throw new Error(`${kind} sampler: batch size ${size} exceeds the negative buffer capacity ${capacity}`)
}

/** A config as stored on a sampler: every default filled in, JSON only. */
export type Resolved<C extends SamplerConfig> = C & Required<CommonOptions>
