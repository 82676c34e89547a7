/**
 * Search spaces of `tune`: which options vary and how, validated against the model family's
 * option schema (the registry's table) and the sampler registry, and sampled from a seeded stream.
 *
 * A space is a JSON object keyed by model option (`learningRate`, `dim`, …), `batchSize` or
 * `sampler`. A value is either a constant, `{"values": [...]}` (uniform choice) or
 * `{"min": a, "max": b, "log"?: true, "int"?: true}` (uniform, log-uniform, integer). Object
 * choices (sampler configs) may hold dimensions themselves: `{"kind": "popularity", "alpha":
 * {"min": 0, "max": 1}}` draws α whenever that sampler is chosen.
 */
import { createRng, type Rng } from '@decoy/core'
import { modelFamily, validateOptions } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

/** A choice among listed values. */
export interface ChoiceDimension {
  values: unknown[]
}

/** A numeric range: uniform, log-uniform (`log`), integer (`int`). */
export interface RangeDimension {
  min: number
  max: number
  log?: boolean
  int?: boolean
}

/** One dimension of a space, or a constant. */
export type Dimension = ChoiceDimension | RangeDimension | string | number | boolean | Record<string, unknown>

/** A search space: option key → dimension. */
export type SearchSpace = Record<string, Dimension>

/** A bad space: `path` names the offending field (`space.learningRate.min`). */
export class SpaceError extends Error {
  override readonly name = 'SpaceError'
  /** JSON path of the bad field. */
  readonly field: string
  /** Where the space came from (file) or `''`. */
  readonly source: string
  constructor(field: string, message: string, source = '') {
    super(`${source ? source + ': ' : ''}${field}: ${message}`)
    this.field = field
    this.source = source
  }
}

/** Keys the search itself owns: epochs come from the rungs and early stopping. */
const OWNED: Record<string, string> = {
  epochs: 'epochs come from the successive-halving rungs and early stopping; set rungs instead',
  iterations: 'ALS iterations are its epochs: they come from the rungs and early stopping',
  seed: "the seed is tune's --seed",
}

/** Default spaces per model kind (documented in the README and `decoy tune --help`). */
export const defaultSpaces: Readonly<Record<string, SearchSpace>> = {
  mf: {
    loss: { values: ['softmax', 'bpr', 'logistic'] },
    sampler: { values: [{ kind: 'uniform' }, { kind: 'popularity', alpha: { min: 0, max: 1 } }] },
    learningRate: { min: 0.02, max: 0.3, log: true },
    l2: { min: 0.005, max: 0.2, log: true },
    negatives: { values: [8, 16, 32, 64] },
    dim: { values: [32, 64, 128] },
  },
  als: {
    reg: { min: 1, max: 200, log: true },
    alpha: { min: 0.3, max: 30, log: true },
    dim: { values: [32, 64, 128] },
  },
  fm: {
    loss: { values: ['softmax', 'bpr'] },
    learningRate: { min: 0.02, max: 0.3, log: true },
    l2: { min: 0.005, max: 0.2, log: true },
    negatives: { values: [16, 32] },
    dim: { values: [32, 64] },
  },
  item2vec: {
    window: { values: [5, 10, 'all'] },
    negatives: { values: [5, 10, 20] },
    alpha: { min: 0.005, max: 0.05, log: true },
    dim: { values: [32, 64] },
  },
}

/** The default space of `kind`; `{}` (defaults only) for a kind without one. */
export function defaultSpace(kind: string): SearchSpace {
  return structuredClone((defaultSpaces[kind] ?? {}) as SearchSpace)
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v)
}

/** Whether `v` is a dimension object (`values` or `min`/`max`) rather than a constant. */
export function isDimension(v: unknown): v is ChoiceDimension | RangeDimension {
  if (!isObject(v)) return false
  return 'values' in v || 'min' in v || 'max' in v
}

function checkDimension(v: ChoiceDimension | RangeDimension, path: string, source: string): void {
  const keys = Object.keys(v)
  if ('values' in v) {
    const extra = keys.filter((k) => k !== 'values')
    if (extra.length) throw new SpaceError(`${path}.${extra[0]}`, 'unknown field beside "values"', source)
    if (!Array.isArray(v.values) || v.values.length === 0) throw new SpaceError(`${path}.values`, 'must be a non-empty array', source)
    return
  }
  const extra = keys.filter((k) => !['min', 'max', 'log', 'int'].includes(k))
  if (extra.length) throw new SpaceError(`${path}.${extra[0]}`, 'unknown field (known: values, or min, max, log, int)', source)
  const r = v as RangeDimension
  for (const k of ['min', 'max'] as const) {
    if (typeof r[k] !== 'number' || !Number.isFinite(r[k]))
      throw new SpaceError(`${path}.${k}`, `must be a finite number, got ${JSON.stringify(r[k])}`, source)
  }
  if (r.min > r.max) throw new SpaceError(`${path}.min`, `must be <= max (${r.max}), got ${r.min}`, source)
  if (r.log !== undefined && typeof r.log !== 'boolean') throw new SpaceError(`${path}.log`, 'must be true or false', source)
  if (r.int !== undefined && typeof r.int !== 'boolean') throw new SpaceError(`${path}.int`, 'must be true or false', source)
  if (r.log && !(r.min > 0)) throw new SpaceError(`${path}.min`, `a log range needs min > 0, got ${r.min}`, source)
  if (r.int && (!Number.isInteger(r.min) || !Number.isInteger(r.max)))
    throw new SpaceError(`${path}.min`, 'an int range needs integer min and max', source)
}

/** Every concrete value a dimension can produce at its edges (for schema checks). */
function edgeValues(d: unknown): unknown[] {
  if (!isDimension(d)) return [d]
  if ('values' in d) return d.values
  return [d.min, d.max]
}

/**
 * Checks a space against `kind`'s option schema: every key known, every dimension well formed,
 * every listed value and range edge accepted by the schema (samplers by the sampler registry).
 * @throws {@link SpaceError} naming the field, e.g. `space.learningRate.min: must be > 0`.
 */
export function validateSpace(space: unknown, kind: string, source = ''): SearchSpace {
  if (!isObject(space))
    throw new SpaceError(
      'space',
      `must be a JSON object keyed by option, got ${Array.isArray(space) ? 'an array' : JSON.stringify(space)}`,
      source,
    )
  const family = modelFamily(kind)
  const schema = family.options
  for (const key of Object.keys(space)) {
    const path = `space.${key}`
    const d = space[key]
    if (Object.hasOwn(OWNED, key)) throw new SpaceError(path, OWNED[key], source)
    if (isDimension(d)) checkDimension(d, path, source)
    if (key === 'sampler') {
      if (family.samplerless) throw new SpaceError(path, `--model ${kind} takes no sampler: ${family.samplerless}`, source)
      edgeValues(d).forEach((s, i) => {
        const p = isDimension(d) ? `${path}.values[${i}]` : path
        if (!isObject(s) || typeof s.kind !== 'string')
          throw new SpaceError(p, `must be a sampler config {"kind": …}, got ${JSON.stringify(s)}`, source)
        for (const [f, v] of Object.entries(s)) {
          if (isDimension(v)) checkDimension(v, `${p}.${f}`, source)
          for (const e of edgeValues(v)) {
            try {
              createSampler({ ...concrete(s), [f]: e } as never)
            } catch (err) {
              throw new SpaceError(`${p}.${f}`, (err as Error).message.replace(/^createSampler: /, ''), source)
            }
          }
        }
      })
      continue
    }
    if (!Object.hasOwn(schema, key))
      throw new SpaceError(
        path,
        `unknown option for ${kind} (known: sampler, ${Object.keys(schema)
          .filter((k) => !OWNED[k])
          .join(', ')})`,
        source,
      )
    edgeValues(d).forEach((v, i) => {
      try {
        validateOptions(schema, { [key]: v }, kind)
      } catch (err) {
        const p = isDimension(d) ? ('values' in d ? `${path}.values[${i}]` : `${path}.${i === 0 ? 'min' : 'max'}`) : path
        throw new SpaceError(p, (err as Error).message.replace(/^[^:]*: /, ''), source)
      }
    })
  }
  return space as SearchSpace
}

/** A sampler choice with its dimensions replaced by their lower edge (validation only). */
function concrete(s: Record<string, unknown>): Record<string, unknown> {
  const out: Record<string, unknown> = {}
  for (const [k, v] of Object.entries(s)) out[k] = edgeValues(v)[0]
  return out
}

/** Rounds a drawn number to 4 significant digits: configs stay readable and JSON-stable. */
function tidy(x: number): number {
  return Number(x.toPrecision(4))
}

function draw(d: unknown, rng: Rng): unknown {
  if (!isDimension(d)) {
    // A constant object (a sampler config) may hold dimensions of its own.
    if (isObject(d)) {
      const out: Record<string, unknown> = {}
      for (const k of Object.keys(d)) out[k] = draw(d[k], rng)
      return out
    }
    return d
  }
  if ('values' in d) return draw(d.values[rng.below(d.values.length)], rng)
  const { min, max } = d
  if (d.int) {
    if (d.log) return Math.min(max, Math.max(min, Math.round(Math.exp(Math.log(min) + rng.float() * (Math.log(max) - Math.log(min))))))
    return min + rng.below(max - min + 1)
  }
  if (d.log) return tidy(Math.exp(Math.log(min) + rng.float() * (Math.log(max) - Math.log(min))))
  return tidy(min + rng.float() * (max - min))
}

/**
 * Draws configuration number `trial` of a space: keys in sorted order from the stream
 * `<seed>/tune/trial/<trial>`, so a trial's configuration depends on the seed and its number only.
 */
export function sampleConfig(space: SearchSpace, seed: string | number, trial: number): Record<string, unknown> {
  const rng = createRng(seed).fork('tune').fork(`trial/${trial}`)
  const out: Record<string, unknown> = {}
  for (const key of Object.keys(space).sort()) out[key] = draw(space[key], rng)
  return out
}
