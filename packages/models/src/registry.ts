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

/** Every registered model family, by kind. */
export const modelFamilies: Readonly<Record<string, ModelFamily>> = Object.freeze({
  mf: mfFamily,
  fm: fmFamily,
  item2vec: item2vecFamily,
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

/**
 * Builds an unfitted model from its JSON config, validated against the family's option schema:
 * unknown keys are rejected with the key named.
 *
 * @param config - `{ kind, ...options }`.
 * @returns the model; `fit(train, { sampler, seed })` trains it.
 * @throws Error on an unknown kind (the known ones listed) or a bad option.
 * @example
 * ```ts
 * const model = createModel({ kind: 'mf', dim: 32, loss: 'bpr' })
 * await model.fit(train, { sampler: createSampler({ kind: 'uniform' }), seed: 1 })
 * createModel({ kind: 'mf', factors: 32 }) // throws: createModel mf: unknown option "factors" (known: dim, …)
 * ```
 */
export function createModel(config: ModelConfig): Model {
  if (config === null || typeof config !== 'object' || Array.isArray(config)) {
    throw new Error(`createModel: config must be an object with a "kind", got ${JSON.stringify(config)}`)
  }
  let family: ModelFamily
  try {
    family = modelFamily(config.kind)
  } catch (e) {
    throw new Error(`createModel: ${(e as Error).message}`)
  }
  const options = validateOptions(family.options, config, `createModel ${family.kind}`, { extra: ['kind'] })
  return family.create(options)
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
 * @throws Error naming `source` for a truncated or foreign file, or an unknown kind.
 */
export function deserializeModel(bytes: Uint8Array, source = '<bytes>'): Model {
  const { header, arrays } = decodeModel(bytes, source)
  if (!Object.hasOwn(modelFamilies, header.kind)) {
    throw new Error(`${source}: unknown model kind ${JSON.stringify(header.kind)} (known: ${modelKinds.join(', ')})`)
  }
  return modelFamilies[header.kind].decode(header, arrays, source)
}
