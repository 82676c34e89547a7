/**
 * The experiment config: its JSON shape, validation (every error names the JSON path of the bad
 * field) and normalisation into the form the runner uses.
 */
import type { SamplerConfig } from '@decoy/core'
import { checkOption, lossNames, modelFamily, modelKinds, type LossName } from '@decoy/models'
import { createSampler, recommendedPairing, samplerKinds, type SamplerPairing } from '@decoy/samplers'

/** How the interactions are split into train and test. */
export type SplitConfig =
  | { strategy: 'random'; testFraction: number; seed: number | string; minInteractions?: number }
  | { strategy: 'leave-last'; k?: number; minInteractions?: number }
  | { strategy: 'temporal'; cutTime?: number; testFraction?: number; minInteractions?: number }

/**
 * One model of the grid: `kind` plus the model's options, any key of its family's option schema
 * (`modelFamilies[kind].options`, the table the library and the CLI read; `factors` is an alias of
 * `dim`; `loss` pins the model to one loss; FM's `features` lists metadata fields of the dataset,
 * `"genres,year,tags,demographics"`, any subset). `name` labels the model in reports (default: the
 * kind). `sampler` (a sampler config, as in `decoy tune`'s best.json) pairs the model with that
 * sampler alone instead of the grid's samplers.
 */
export interface ModelSpec {
  /** A registered model kind: `mf`, `fm`, `item2vec`, … */
  kind: string
  /** Label in reports and cell names (default `kind`). */
  name?: string
  /** Model options, passed through after validation. */
  [option: string]: unknown
}

/**
 * A sampler of the grid: any registry config, plus an optional report label `name`, and
 * `pairing: true` to train it at its recommended pairing (`@decoy/samplers`' `samplerPairings`, as
 * `decoy train --sampler X` does): the pairing's candidate settings fill the fields the spec leaves
 * out, and its cells use the pairing's loss (instead of the grid's `losses`) and negatives (instead
 * of the model's). For `hard`, `dynamic` and `adaptive`; a model that pins another loss is an error.
 */
export type SamplerSpec = SamplerConfig & { name?: string; pairing?: boolean }

/** The training budget every cell gets. */
export interface BudgetConfig {
  /** Epochs per cell (with `scoreEvaluations`: the most epochs a cell may use). */
  epochs?: number
  /**
   * Equal number of score evaluations per cell: a cell stops before the epoch that would exceed it.
   * Counted as the loss's scores (the positive and each unmasked negative per slot) plus every
   * score a model-aware sampler asks of the model. Samplers that score extra candidates therefore
   * get fewer epochs; both numbers are reported.
   */
  scoreEvaluations?: number
}

/** The JSON an experiment is described by (`decoy experiment <config.json>`). */
export interface ExperimentConfig {
  /** Title of the report (default: the config file's name). */
  name?: string
  /** A dataset name (`ml-latest-small`), `synthetic[:k=v,…]`, a MovieLens folder or a file. */
  dataset?: string
  /** Ready-made split: training file (instead of `dataset` + `split`), relative to the config. */
  train?: string
  /** Ready-made split: test file, read in the training file's id space. */
  test?: string
  /** Implicit feedback threshold: keep ratings ≥ minRating (default: every rating). */
  minRating?: number
  /** Split rule applied to `dataset`. */
  split?: SplitConfig
  /** Models of the grid. */
  models: ModelSpec[]
  /** Samplers of the grid. */
  samplers: SamplerSpec[]
  /** Losses of the grid (mf only; default: the model's). */
  losses?: LossName[]
  /** Training seeds; each cell runs once per seed. */
  seeds: (number | string)[]
  /** Training budget. */
  budget: BudgetConfig
  /** Metric cut-offs (default [10, 20]). */
  k?: number[]
  /** Headline metric of tables and plots (default `ndcg@10`). */
  metric?: string
  /** Cell name every other cell is compared with (paired, per user). Default: the first cell. */
  baseline?: string
  /** Evaluate on the test split every this many epochs (default 1); the last epoch always. */
  evalEvery?: number
  /** Cells run at once in worker threads (default 1: in this thread). */
  parallel?: number
}

/** A config error, with the JSON path of the offending field (`samplers[1].alpah`). */
export class ConfigError extends Error {
  /** JSON path of the bad field, e.g. `samplers[1].alpah`; `''` for the whole document. */
  readonly path: string
  /** The file the config came from (`''` when unknown). */
  readonly source: string
  /** Same as `path`: the shape of core's `DataError`, so CLIs report it as bad input. */
  readonly field: string
  constructor(path: string, message: string, source?: string) {
    super(`${source ? source + ': ' : ''}${path ? path + ': ' : ''}${message}`)
    this.name = 'ConfigError'
    this.path = path
    this.field = path
    this.source = source ?? ''
  }
}

/** Largest ranking cut-off a config may ask for (the CLI's `--k` has the same bound). */
const MAX_CUTOFF = 100_000

const TOP_KEYS = [
  'name',
  'dataset',
  'train',
  'test',
  'minRating',
  'split',
  'models',
  'samplers',
  'losses',
  'seeds',
  'budget',
  'k',
  'metric',
  'baseline',
  'evalEvery',
  'parallel',
  '$schema',
  'description',
]

const SPLIT_KEYS: Record<string, string[]> = {
  random: ['strategy', 'testFraction', 'seed', 'minInteractions'],
  'leave-last': ['strategy', 'k', 'minInteractions'],
  temporal: ['strategy', 'cutTime', 'testFraction', 'minInteractions'],
}

/** Model kinds an experiment can train: every family of the model registry. */
export const experimentModelKinds: readonly string[] = modelKinds

/**
 * Validates one model of the grid against its family's option schema (the same table the library
 * and the CLI read; `factors` is accepted for `dim`), then builds it once so the family's own rules
 * apply (FM's feature fields). Every error names the field's JSON path.
 * @returns the options with aliases resolved.
 */
function validateModelSpec(m: Record<string, unknown>, p: string, fail: (path: string, message: string) => never): Record<string, unknown> {
  const family = modelFamily(m.kind as string)
  const schema = family.options
  const known = `kind, name, sampler, ${Object.keys(schema).join(', ')}`
  const options: Record<string, unknown> = {}
  for (const key of Object.keys(m)) {
    if (key === 'kind' || key === 'name' || key === 'sampler') continue
    const canonical = Object.hasOwn(schema, key) ? key : Object.keys(schema).find((k) => schema[k].aliases?.includes(key))
    if (canonical === undefined || schema[canonical].type === 'object')
      fail(`${p}.${key}`, `unknown field (known for ${family.kind}: ${known})`)
    if (canonical !== key && m[canonical] !== undefined) fail(`${p}.${key}`, `give ${canonical} or ${key}, not both`)
    try {
      checkOption('', key, schema[canonical!], m[key])
    } catch (e) {
      fail(`${p}.${key}`, (e as Error).message.replace(/^: \S+ /, ''))
    }
    options[canonical!] = m[key]
  }
  try {
    family.create(options)
  } catch (e) {
    let msg = (e as Error).message
    // Drop the factory's prefix (`factorizationMachine: `) unless it is the field itself.
    const first = /^([\w ]+): /.exec(msg)
    if (first && !Object.hasOwn(schema, first[1])) msg = msg.slice(first[0].length)
    const key = /^(\w+)[: ]/.exec(msg)?.[1]
    if (key && Object.hasOwn(schema, key)) fail(`${p}.${key}`, msg.slice(key.length).replace(/^:? /, ''))
    fail(p, msg)
  }
  return options
}

function typeName(v: unknown): string {
  return v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v
}

function isObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v)
}

/**
 * Validates an experiment config and fills its defaults, before anything runs.
 *
 * Every problem is a {@link ConfigError} whose message starts with the JSON path of the bad field:
 * `samplers[1].alpah: unknown field`, `models[0].kind: unknown model kind "svd" (known: mf, item2vec)`,
 * `budget: give epochs or scoreEvaluations`. Sampler configs are checked by building them through
 * the samplers registry, so their own field rules apply.
 *
 * @param json - the parsed JSON.
 * @param source - file name for messages.
 * @returns the config with defaults filled (`k`, `metric`, `evalEvery`, `parallel`, `losses`).
 * @throws ConfigError naming the path of the first bad field.
 * @example
 * ```ts
 * validateConfig({ dataset: 'ml-latest-small', split: { strategy: 'random', testFraction: 0.2, seed: 42 },
 *   models: [{ kind: 'mf', factors: 32 }], samplers: [{ kind: 'uniform' }], seeds: [1], budget: { epochs: 3 } })
 * ```
 */
export function validateConfig(
  json: unknown,
  source?: string,
): Required<Pick<ExperimentConfig, 'k' | 'metric' | 'evalEvery' | 'parallel'>> & ExperimentConfig {
  const fail = (path: string, message: string): never => {
    throw new ConfigError(path, message, source)
  }
  if (!isObject(json)) fail('', `an experiment config must be a JSON object, got ${typeName(json)}`)
  const c = json as Record<string, unknown>
  for (const key of Object.keys(c))
    if (!TOP_KEYS.includes(key)) fail(key, `unknown field (known: ${TOP_KEYS.filter((k) => k[0] !== '$').join(', ')})`)

  const str = (path: string, v: unknown): string =>
    typeof v === 'string' && v.length > 0 ? v : fail(path, `must be a non-empty string, got ${JSON.stringify(v)}`)
  const num = (path: string, v: unknown, min = -Infinity, max = Infinity, open = false): number => {
    if (typeof v !== 'number' || !Number.isFinite(v)) return fail(path, `must be a finite number, got ${JSON.stringify(v)}`)
    if (v < min || v > max || (open && (v === min || v === max)))
      return fail(path, `must be in ${open ? '(' : '['}${min}, ${max}${open ? ')' : ']'}, got ${v}`)
    return v
  }
  const int = (path: string, v: unknown, min = 1): number => {
    if (typeof v !== 'number' || !Number.isInteger(v) || v < min)
      return fail(path, `must be an integer >= ${min}, got ${JSON.stringify(v)}`)
    return v
  }
  const arr = (path: string, v: unknown, nonEmpty = true): unknown[] => {
    if (!Array.isArray(v)) return fail(path, `must be an array, got ${typeName(v)}`)
    if (nonEmpty && v.length === 0) fail(path, 'must not be empty')
    return v
  }

  if (c.name !== undefined) str('name', c.name)
  const hasFiles = c.train !== undefined || c.test !== undefined
  if (hasFiles) {
    if (c.dataset !== undefined) fail('dataset', 'give either dataset (+ split) or train and test files, not both')
    if (c.train === undefined) fail('train', 'missing (test is given)')
    if (c.test === undefined) fail('test', 'missing (train is given)')
    str('train', c.train)
    str('test', c.test)
    if (c.split !== undefined) fail('split', 'does not apply to ready-made train/test files')
  } else {
    if (c.dataset === undefined)
      fail('dataset', 'missing: name a dataset (e.g. "ml-latest-small" or "synthetic:seed=1") or give train and test files')
    str('dataset', c.dataset)
    if (c.split === undefined) fail('split', 'missing, e.g. {"strategy": "random", "testFraction": 0.2, "seed": 42}')
  }
  if (c.minRating !== undefined) num('minRating', c.minRating)
  if (c.split !== undefined) {
    const s = c.split
    if (!isObject(s)) fail('split', `must be an object, got ${typeName(s)}`)
    const sp = s as Record<string, unknown>
    const strategy = sp.strategy
    if (typeof strategy !== 'string' || !SPLIT_KEYS[strategy])
      fail('split.strategy', `must be one of ${Object.keys(SPLIT_KEYS).join(', ')}, got ${JSON.stringify(strategy)}`)
    for (const key of Object.keys(sp))
      if (!SPLIT_KEYS[strategy as string].includes(key))
        fail(`split.${key}`, `unknown field for strategy ${strategy} (known: ${SPLIT_KEYS[strategy as string].join(', ')})`)
    if (strategy === 'random') {
      if (sp.testFraction === undefined) fail('split.testFraction', 'missing')
      num('split.testFraction', sp.testFraction, 0, 1, true)
      if (typeof sp.seed !== 'number' && typeof sp.seed !== 'string')
        fail('split.seed', `missing or not a number/string: the split needs a seed, got ${JSON.stringify(sp.seed)}`)
    }
    if (strategy === 'leave-last' && sp.k !== undefined) int('split.k', sp.k)
    if (strategy === 'temporal') {
      if (sp.cutTime === undefined && sp.testFraction === undefined) fail('split', 'temporal needs cutTime or testFraction')
      if (sp.cutTime !== undefined) num('split.cutTime', sp.cutTime)
      if (sp.testFraction !== undefined) num('split.testFraction', sp.testFraction, 0, 1, true)
    }
    if (sp.minInteractions !== undefined) int('split.minInteractions', sp.minInteractions)
  }

  // Models
  const models = arr('models', c.models)
  const modelNames = new Set<string>()
  models.forEach((m, i) => {
    const p = `models[${i}]`
    if (!isObject(m)) return fail(p, `must be an object with a "kind", got ${typeName(m)}`)
    const kind = m.kind
    if (typeof kind !== 'string' || !modelKinds.includes(kind))
      return fail(`${p}.kind`, `unknown model kind ${JSON.stringify(kind)} (known: ${experimentModelKinds.join(', ')})`)
    if (m.name !== undefined) str(`${p}.name`, m.name)
    validateModelSpec(m, p, fail)
    if (m.sampler !== undefined) {
      if (modelFamily(kind).samplerless) fail(`${p}.sampler`, `does not apply to ${kind}: ${modelFamily(kind).samplerless}`)
      checkSampler(m.sampler, `${p}.sampler`)
    }
    const label = modelLabel(m as ModelSpec)
    if (modelNames.has(label)) fail(`${p}.name`, `two models are labelled ${JSON.stringify(label)}; give each a distinct "name"`)
    modelNames.add(label)
  })

  // Samplers: the registry's own validation, reported at the sampler's path.
  function checkSampler(s: unknown, p: string): void {
    if (!isObject(s)) {
      fail(p, `must be an object with a "kind", got ${typeName(s)}`)
      return
    }
    if (typeof s.kind !== 'string' || !(samplerKinds as readonly string[]).includes(s.kind)) {
      fail(`${p}.kind`, `unknown sampler kind ${JSON.stringify(s.kind)} (known: ${samplerKinds.join(', ')})`)
    }
    if (s.name !== undefined) str(`${p}.name`, s.name)
    if (s.pairing !== undefined && typeof s.pairing !== 'boolean')
      fail(`${p}.pairing`, `must be true or false, got ${JSON.stringify(s.pairing)}`)
    if (s.pairing === true && !recommendedPairing(s.kind as string))
      fail(
        `${p}.pairing`,
        `sampler kind ${JSON.stringify(s.kind)} has no recommended pairing (kinds with one: ${pairedKinds().join(', ')})`,
      )
    const { name: _name, pairing: _pairing, ...config } = pairedSpec(s as SamplerSpec)
    try {
      createSampler(config as SamplerConfig)
    } catch (e) {
      const msg = (e as Error).message
      const unknown = /unknown config field "([^"]+)"(.*)$/.exec(msg)
      if (unknown) fail(`${p}.${unknown[1]}`, `unknown field${unknown[2]}`)
      const field = /field "([^"]+)" (.*)$/.exec(msg)
      if (field) fail(`${p}.${field[1]}`, field[2])
      fail(p, msg)
    }
  }
  // A pairing brings its own loss: a model pinned to another one cannot train it.
  function checkPinnedLoss(m: Record<string, unknown>, s: unknown, mp: string, sp: string): void {
    const pairing = isObject(s) ? samplerPairing(s as SamplerSpec) : null
    if (!pairing || m.loss === undefined || m.loss === pairing.loss || !Object.hasOwn(modelFamily(m.kind as string).options, 'loss')) return
    fail(
      `${sp}.pairing`,
      `${mp} pins loss ${JSON.stringify(m.loss)}, but the pairing trains with ${JSON.stringify(pairing.loss)}: drop one`,
    )
  }
  models.forEach((m, i) => {
    if (isObject(m) && m.sampler !== undefined) checkPinnedLoss(m, m.sampler, `models[${i}]`, `models[${i}].sampler`)
  })
  // The grid's samplers may be left out when every model brings its own (or samples none).
  const everyOwn = models.every((m) => isObject(m) && (m.sampler !== undefined || modelFamily(m.kind as string).samplerless))
  const samplers = c.samplers === undefined && everyOwn ? [] : arr('samplers', c.samplers, !everyOwn)
  const samplerNames = new Set<string>()
  samplers.forEach((s, i) => {
    const p = `samplers[${i}]`
    checkSampler(s, p)
    models.forEach((m, mi) => {
      if (isObject(m) && m.sampler === undefined && !modelFamily(m.kind as string).samplerless) checkPinnedLoss(m, s, `models[${mi}]`, p)
    })
    const label = samplerLabel(s as SamplerSpec)
    if (samplerNames.has(label)) fail(`${p}.name`, `two samplers are labelled ${JSON.stringify(label)}; give each a distinct "name"`)
    samplerNames.add(label)
  })

  let losses: LossName[] | undefined
  if (c.losses !== undefined) {
    losses = arr('losses', c.losses).map((l, i) => {
      if (typeof l !== 'string' || !(lossNames as readonly string[]).includes(l))
        return fail(`losses[${i}]`, `unknown loss ${JSON.stringify(l)} (known: ${lossNames.join(', ')})`)
      return l as LossName
    })
    if (new Set(losses).size !== losses.length) fail('losses', 'lists a loss twice')
  }

  const seeds = arr('seeds', c.seeds).map((s, i) =>
    (typeof s === 'number' && Number.isFinite(s)) || (typeof s === 'string' && s.length > 0)
      ? s
      : fail(`seeds[${i}]`, `must be a number or a non-empty string, got ${JSON.stringify(s)}`),
  )
  if (new Set(seeds.map(String)).size !== seeds.length) fail('seeds', 'lists a seed twice')

  if (!isObject(c.budget)) fail('budget', `missing or not an object: give {"epochs": n} or {"scoreEvaluations": n}`)
  const b = c.budget as Record<string, unknown>
  for (const key of Object.keys(b))
    if (key !== 'epochs' && key !== 'scoreEvaluations') fail(`budget.${key}`, 'unknown field (known: epochs, scoreEvaluations)')
  if (b.epochs === undefined && b.scoreEvaluations === undefined) fail('budget', 'give epochs or scoreEvaluations')
  if (b.epochs !== undefined) int('budget.epochs', b.epochs)
  if (b.scoreEvaluations !== undefined) num('budget.scoreEvaluations', b.scoreEvaluations, 1)

  const k = c.k === undefined ? [10, 20] : arr('k', c.k).map((x, i) => int(`k[${i}]`, x))
  // The evaluator keeps a top-k buffer per run and walks it per user: a cut-off of 1e9 is a typo.
  k.forEach((x, i) => x > MAX_CUTOFF && fail(`k[${i}]`, `must be at most ${MAX_CUTOFF}, got ${x}`))
  const metric = c.metric === undefined ? 'ndcg@10' : str('metric', c.metric)
  const m = /^(precision|recall|ndcg|hr|mrr|map|coverage|meanPopularity)@(\d+)$/.exec(metric)
  if (!m) fail('metric', `must be <precision|recall|ndcg|hr|mrr|map>@K, got ${JSON.stringify(metric)}`)
  else if (!k.includes(Number(m[2]))) fail('metric', `cut-off ${m[2]} is not in k (${k.join(', ')})`)
  const evalEvery = c.evalEvery === undefined ? 1 : int('evalEvery', c.evalEvery)
  const parallel = c.parallel === undefined ? 1 : int('parallel', c.parallel)

  const out = {
    ...(c as unknown as ExperimentConfig),
    samplers: samplers as SamplerSpec[],
    k: [...new Set(k)].sort((a, b2) => a - b2),
    metric,
    evalEvery,
    parallel,
    ...(losses ? { losses } : {}),
  }
  if (c.baseline !== undefined) {
    const name = str('baseline', c.baseline)
    const names = expandCellNames(out)
    if (!names.includes(name)) fail('baseline', `no cell is named ${JSON.stringify(name)} (cells: ${names.join(', ')})`)
  }
  return out
}

/** Report label of a model: its `name`, else its kind. */
export function modelLabel(m: ModelSpec): string {
  return m.name ?? m.kind
}

/** Report label of a sampler: its `name`, else its kind. */
export function samplerLabel(s: SamplerSpec): string {
  return s.name ?? s.kind
}

/** One cell of the grid (model × sampler × loss), before seeds. */
export interface CellSpec {
  /** `model/sampler/loss`, e.g. `mf/popularity/softmax`. */
  name: string
  /** Index into `models`. */
  model: number
  /** Index into `samplers`. */
  sampler: number
  /** Loss (mf), or the model's own objective (`sgns`/`hs` for item2vec). */
  loss: string
  /** The model's own `sampler` is used (then `sampler` is -1). */
  own?: boolean
}

/** The kinds with a recommended pairing. */
function pairedKinds(): string[] {
  return samplerKinds.filter((k) => recommendedPairing(k) !== null)
}

/** The recommended pairing a spec asks for (`pairing: true`), else null. */
export function samplerPairing(s: SamplerSpec): SamplerPairing | null {
  return s.pairing === true ? recommendedPairing(s.kind) : null
}

/** A spec with its pairing's candidate settings under its own fields (`pairing` kept, for fingerprints). */
export function pairedSpec(s: SamplerSpec): SamplerSpec {
  const p = samplerPairing(s)
  return p ? ({ ...p.sampler, ...s } as SamplerSpec) : s
}

/**
 * The sampler of a cell: the model's own, the grid's, or uniform for a model that samples none;
 * with `pairing: true`, its pairing's candidate settings filled in under the spec's own fields.
 */
export function cellSampler(c: Pick<ExperimentConfig, 'models' | 'samplers'>, cell: CellSpec): SamplerSpec {
  if (cell.own) return pairedSpec(c.models[cell.model].sampler as SamplerSpec)
  return pairedSpec(c.samplers[cell.sampler] ?? { kind: 'uniform' })
}

/**
 * Expands the grid into cells in a fixed order: models, then samplers, then losses. A model
 * without losses (item2vec) gets one cell per sampler; a model that never samples (ALS), one cell
 * (sampler `none`).
 */
export function expandCells(c: Pick<ExperimentConfig, 'models' | 'samplers' | 'losses'>): CellSpec[] {
  const cells: CellSpec[] = []
  c.models.forEach((m, mi) => {
    // Families with a `loss` option take the grid's losses (or their pinned one); others have one objective.
    const family = modelFamily(m.kind)
    const losses: string[] = Object.hasOwn(family.options, 'loss') && m.loss === undefined && c.losses ? c.losses : [family.objective(m)]
    // A sampler at its pairing trains with the pairing's loss alone.
    const lossesOf = (s: SamplerSpec): string[] => {
      const p = samplerPairing(s)
      return p && Object.hasOwn(family.options, 'loss') ? [p.loss] : losses
    }
    if (isObject(m.sampler)) {
      const label = samplerLabel(m.sampler as SamplerSpec)
      for (const loss of lossesOf(m.sampler as SamplerSpec))
        cells.push({ name: `${modelLabel(m)}/${label}/${loss}`, model: mi, sampler: -1, loss, own: true })
      return
    }
    if (family.samplerless && c.samplers.length === 0) {
      for (const loss of losses) cells.push({ name: `${modelLabel(m)}/none/${loss}`, model: mi, sampler: 0, loss })
      return
    }
    c.samplers.forEach((s, si) => {
      // A family that never samples (ALS) gets one cell, not one per sampler.
      if (family.samplerless && si > 0) return
      const label = family.samplerless ? 'none' : samplerLabel(s)
      for (const loss of family.samplerless ? losses : lossesOf(s))
        cells.push({ name: `${modelLabel(m)}/${label}/${loss}`, model: mi, sampler: si, loss })
    })
  })
  return cells
}

function expandCellNames(c: ExperimentConfig): string[] {
  return expandCells(c).map((x) => x.name)
}
