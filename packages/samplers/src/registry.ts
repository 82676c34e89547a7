/**
 * Builds a sampler from its JSON config. A plain object keyed by `kind` (no global mutable map):
 * a user's own strategy plugs in through `createSampler(config, { custom })`.
 */
import type { NegativeSampler, SamplerConfig } from '@decoy/core'
import { popularitySampler, type PopularityOptions } from './popularity.js'
import { randomSampler, type RandomOptions } from './random.js'
import { uniformSampler, type UniformOptions } from './uniform.js'
import { hardSampler, type HardOptions } from './hard.js'
import { dynamicSampler, type DynamicOptions } from './dynamic.js'
import { adaptiveSampler, type AdaptiveOptions } from './adaptive.js'
import { inBatchSampler, type InBatchOptions } from './in-batch.js'
import { mixedSampler, type MixedOptions } from './mixed.js'
import { allItemsSampler, sharedSampler, type AllItemsOptions, type SharedOptions } from './shared.js'

/** The built-in strategies. */
export type SamplerKind = 'uniform' | 'random' | 'popularity' | 'hard' | 'dynamic' | 'adaptive' | 'in-batch' | 'mixed' | 'shared' | 'all'

/** Builds a sampler from a config; `create` builds nested samplers (hard's base, mixed's parts). */
export type SamplerBuilder = (config: SamplerConfig, create: (config: SamplerConfig) => NegativeSampler) => NegativeSampler

/** A user-defined strategy: config in, unprepared sampler out. */
export type CustomSamplerFactory = (config: SamplerConfig) => NegativeSampler

/** Options of {@link createSampler}. */
export interface CreateSamplerOptions {
  /** Extra strategies keyed by `kind`; they may not reuse a built-in kind. */
  custom?: Record<string, CustomSamplerFactory>
}

function withoutKind(config: SamplerConfig): Record<string, unknown> {
  const rest: Record<string, unknown> = { ...config }
  delete rest.kind
  return rest
}

const builders = {
  uniform: (c) => uniformSampler(withoutKind(c) as UniformOptions),
  random: (c) => randomSampler(withoutKind(c) as RandomOptions),
  popularity: (c) => popularitySampler(withoutKind(c) as PopularityOptions),
  hard: (c, create) => hardSampler(withoutKind(c) as HardOptions, create),
  dynamic: (c) => dynamicSampler(withoutKind(c) as DynamicOptions),
  adaptive: (c) => adaptiveSampler(withoutKind(c) as AdaptiveOptions),
  'in-batch': (c) => inBatchSampler(withoutKind(c) as InBatchOptions),
  mixed: (c, create) => mixedSampler(withoutKind(c) as MixedOptions, create),
  shared: (c) => sharedSampler(withoutKind(c) as SharedOptions),
  all: (c) => allItemsSampler(withoutKind(c) as AllItemsOptions),
} satisfies Record<SamplerKind, SamplerBuilder>

/** Every built-in kind, in registry order. */
export const samplerKinds: readonly SamplerKind[] = Object.freeze(Object.keys(builders) as SamplerKind[])

/**
 * Builds an unprepared sampler from its JSON config.
 *
 * `createSampler(s.config)` rebuilds a sampler equivalent to `s` (same draws for the same seed and
 * data). Nested configs (hard's `base`, mixed's `parts`) are resolved through the same registry,
 * custom kinds included.
 *
 * @param config - `{ kind, ...options }`; unknown fields are rejected by each strategy.
 * @param options - `custom`: extra kinds.
 * @returns the sampler; call `prepare` before `sample`.
 * @throws on an unknown kind (the message lists the known ones) or a custom kind shadowing a built-in.
 * @example
 * ```ts
 * const s = createSampler({ kind: 'popularity', alpha: 0.75 })
 * const mine = createSampler({ kind: 'mine' }, { custom: { mine: (c) => mySampler(c) } })
 * ```
 */
export function createSampler(config: SamplerConfig, options: CreateSamplerOptions = {}): NegativeSampler {
  const custom = options.custom ?? {}
  for (const name of Object.keys(custom)) {
    if (Object.hasOwn(builders, name)) throw new Error(`createSampler: custom sampler "${name}" shadows the built-in kind "${name}"`)
    if (typeof custom[name] !== 'function')
      throw new Error(`createSampler: custom sampler "${name}" must be a function (config) => NegativeSampler`)
  }
  const create = (c: SamplerConfig): NegativeSampler => {
    if (c === null || typeof c !== 'object' || Array.isArray(c))
      throw new Error(`createSampler: config must be an object with a "kind", got ${JSON.stringify(c)}`)
    const kind = c.kind
    if (typeof kind !== 'string') throw new Error(`createSampler: config.kind must be a string, got ${JSON.stringify(kind)}`)
    if (Object.hasOwn(builders, kind)) return (builders as Record<string, SamplerBuilder>)[kind](c, create)
    if (Object.hasOwn(custom, kind)) return custom[kind](c)
    const known = [...samplerKinds, ...Object.keys(custom)].map((x) => JSON.stringify(x)).join(', ')
    throw new Error(`createSampler: unknown sampler kind ${JSON.stringify(kind)} (known: ${known})`)
  }
  return create(config)
}
