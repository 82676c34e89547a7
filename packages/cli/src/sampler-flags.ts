import type { NegativeSampler, SamplerConfig } from '@decoy/core'
import { createSampler, recommendedPairing, samplerKinds, type SamplerPairing } from '@decoy/samplers'
import type { Args, OptionSpec } from './args.js'
import { UsageError } from './errors.js'

/** `--sampler` and `--sampler-config`. */
export function samplerOptions(defaultKind?: string): OptionSpec[] {
  return [
    {
      name: 'sampler',
      type: 'string',
      value: '<kind>',
      description: `negative sampler: ${samplerKinds.join('|')}`,
      ...(defaultKind ? { defaultText: defaultKind } : {}),
    },
    {
      name: 'sampler-config',
      type: 'string',
      value: '<json>',
      description: 'sampler options as a JSON object, e.g. \'{"alpha":0.75}\' (a "kind" here must match --sampler)',
    },
  ]
}

/**
 * Builds the sampler named by `--sampler` with `--sampler-config` through the registry. A bad kind
 * or option is a usage error naming the flag.
 */
export function samplerFromArgs(args: Args, defaultKind?: string, defaults: Readonly<Record<string, unknown>> = {}): NegativeSampler {
  const kind = args.str('sampler') ?? defaultKind
  const extra = { ...defaults, ...args.jsonObject('sampler-config') }
  const fromJson = extra.kind
  if (kind === undefined && typeof fromJson !== 'string')
    throw new UsageError(`${args.command}: --sampler is required (one of ${samplerKinds.join('|')})`)
  if (kind !== undefined && fromJson !== undefined && fromJson !== kind) {
    throw new UsageError(`${args.command}: --sampler-config has kind ${JSON.stringify(fromJson)} but --sampler is ${JSON.stringify(kind)}`)
  }
  const config = { ...extra, kind: kind ?? (fromJson as string) } as SamplerConfig
  if (!(samplerKinds as readonly string[]).includes(config.kind)) {
    throw new UsageError(`${args.command}: unknown --sampler ${JSON.stringify(config.kind)} (known: ${samplerKinds.join(', ')})`)
  }
  try {
    return createSampler(config)
  } catch (e) {
    throw new UsageError(`${args.command}: --sampler-config: ${(e as Error).message}`)
  }
}

/**
 * The recommended pairing (loss, negatives, candidate settings; `@decoy/samplers`' `samplerPairings`)
 * of the sampler named by `--sampler` / `--sampler-config`, when neither `--loss` nor `--negatives`
 * is given; null otherwise or when the kind has none.
 */
export function samplerPairingFromArgs(args: Args): (SamplerPairing & { kind: string }) | null {
  if (args.has('loss') || args.has('negatives')) return null
  const fromJson = args.jsonObject('sampler-config').kind
  const kind = args.str('sampler') ?? (typeof fromJson === 'string' ? fromJson : undefined)
  const p = kind === undefined ? null : recommendedPairing(kind)
  // A pairing is for one variant (adaptive: WARP); another variant keeps the model's defaults.
  const variant = args.jsonObject('sampler-config').variant
  if (p && variant !== undefined && p.sampler.variant !== undefined && variant !== p.sampler.variant) return null
  return p && kind !== undefined ? { kind, ...p } : null
}
