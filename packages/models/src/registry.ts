/**
 * The model registry: every family by `kind`, mirroring `createSampler`. A plain frozen object (no
 * global mutable map); adding a family is its folder plus one line in `modelFamilies`. The generic
 * layers (training loop, persistence, worker threads) reach models only through here.
 */
import type { Model, ModelConfig, ModelFamily } from './model.js'
import { decodeModel } from './persist/format.js'
import { validateOptions } from './schema.js'
import type { StepperFactory } from './train/types.js'
import { mfFamily } from './mf/family.js'
import { fmFamily } from './fm/family.js'
import { item2vecFamily } from './item2vec/family.js'
import { alsFamily } from './als/family.js'
import { lightGcnFamily } from './lightgcn/family.js'

/** Every registered model family, by kind. */
export const modelFamilies: Readonly<Record<string, ModelFamily>> = Object.freeze({
  mf: mfFamily,
  fm: fmFamily,
  item2vec: item2vecFamily,
  als: alsFamily,
  lightgcn: lightGcnFamily,
})

/** Registered kinds, in registry order. */
export const modelKinds: readonly string[] = Object.freeze(Object.keys(modelFamilies))

/**
 * The family of `kind`.
 * @throws Error listing the known kinds when `kind` is not registered.
 */
export function modelFamily(kind: string): ModelFamily {
  if (typeof kind !== 'string' || !Object.hasOwn(modelFamilies, kind)) {
    throw new Error(`unknown model kind ${JSON.stringify(kind)} (known: ${modelKinds.join(', ')})`)
  }
  return modelFamilies[kind]
}

/** Options of {@link createModel} and {@link deserializeModel}. */
export interface ModelRegistryOptions {
  /** Extra families keyed by kind (a user's own model, as `createSampler`'s `custom`); they may not reuse a built-in kind. */
  custom?: Readonly<Record<string, ModelFamily>>
}

function familyOf(kind: unknown, options: ModelRegistryOptions, where: string): ModelFamily {
  const custom = options.custom ?? {}
  for (const name of Object.keys(custom)) {
    if (Object.hasOwn(modelFamilies, name)) throw new Error(`${where}: custom model "${name}" shadows the built-in kind "${name}"`)
  }
  if (typeof kind === 'string' && Object.hasOwn(modelFamilies, kind)) return modelFamilies[kind]
  if (typeof kind === 'string' && Object.hasOwn(custom, kind)) return custom[kind]
  throw new Error(`${where}: unknown model kind ${JSON.stringify(kind)} (known: ${[...modelKinds, ...Object.keys(custom)].join(', ')})`)
}

/**
 * Builds an unfitted model from its JSON config, validated against the family's option schema:
 * unknown keys are rejected with the key named.
 *
 * @param config - `{ kind, ...options }`.
 * @param options - `custom`: extra families.
 * @returns the model; `fit(train, { sampler, seed })` trains it.
 * @throws Error on an unknown kind (the known ones listed) or a bad option.
 * @example
 * ```ts
 * const model = createModel({ kind: 'mf', dim: 32, loss: 'bpr' })
 * await model.fit(train, { sampler: createSampler({ kind: 'uniform' }), seed: 1 })
 * createModel({ kind: 'mf', factors: 32 }) // throws: createModel mf: unknown option "factors" (known: dim, …)
 * ```
 */
export function createModel(config: ModelConfig, options: ModelRegistryOptions = {}): Model {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`createModel: config must be an object with a "kind", got ${JSON.stringify(config)}`)
  }
  const family = familyOf(config.kind, options, 'createModel')
  const given = validateOptions(family.options, config, `createModel ${family.kind}`, { extra: ['kind'] })
  return family.create(given)
}

/**
 * The stepper factory registered under `kind` by some family (worker threads rebuild their
 * stepper through it).
 * @throws Error when no family registers `kind`.
 */
export function stepperFactory(kind: string): StepperFactory {
  for (const family of Object.values(modelFamilies)) {
    const f = family.steppers?.[kind]
    if (f) return f
  }
  throw new Error(`no stepper registered for kind ${JSON.stringify(kind)}`)
}

/**
 * Rebuilds any saved Decoy model from its bytes, dispatching on the header's `kind`.
 * @param source - file name for errors.
 * @param options - `custom`: extra families (a user's own model's files).
 * @throws Error naming `source` for a truncated or foreign file, or an unknown kind.
 */
export function deserializeModel(bytes: Uint8Array, source = '<bytes>', options: ModelRegistryOptions = {}): Model {
  const { header, arrays } = decodeModel(bytes, source)
  return familyOf(header.kind, options, source).decode(header, arrays, source)
}
