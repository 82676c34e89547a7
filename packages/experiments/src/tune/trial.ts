/**
 * Trains one configuration on the train part and scores it on the validation part, with early
 * stopping on the tuned metric (the best epoch's parameters are kept). Used by `tune` in process
 * and by its worker threads.
 */
import { identityIds, type Interactions } from '@decoy/core'
import { evaluate } from '@decoy/eval'
import { createModel, modelFamily, validateOptions, type Model } from '@decoy/models'
import { createSampler } from '@decoy/samplers'
import type { TrialOutcome } from './halving.js'

/** What a trial needs besides its configuration. */
export interface TrialContext {
  /** Model kind. */
  kind: string
  /** The part trained on. */
  train: Interactions
  /** The carved validation part. */
  validation: Interactions
  /** Metric maximised, e.g. `ndcg@10`. */
  metric: string
  /** Cut-offs evaluated (include the metric's). */
  k: number[]
  /** Epochs without improvement before stopping. */
  patience: number
  /** Model seed (the same for every trial: configurations are compared on equal footing). */
  seed: string
}

/** Splits a tuned configuration into model options (validated) and the sampler config. */
export function splitConfig(
  kind: string,
  config: Record<string, unknown>,
): { options: Record<string, unknown>; sampler: Record<string, unknown> | null } {
  const { sampler, kind: _k, ...rest } = config
  void _k
  const options = validateOptions(modelFamily(kind).options, rest, kind, { aliases: true })
  return { options, sampler: (sampler as Record<string, unknown> | undefined) ?? null }
}

/** Fits `kind` with `config` for at most `epochs` epochs; `validation` drives early stopping when given. */
export async function fitConfig(
  kind: string,
  config: Record<string, unknown>,
  train: Interactions,
  epochs: number,
  seed: string,
  early?: { validation: Interactions; metric: string; k: number[]; patience: number },
): Promise<{ model: Model; bestEpoch: number; epochsRun: number; validation?: Record<string, number> }> {
  const family = modelFamily(kind)
  const { options, sampler } = splitConfig(kind, config)
  const model = createModel({ kind, ...options })
  const usesSampler = family.usesSampler(options)
  const samplerConfig =
    sampler ?? (family.defaultSampler ? { kind: family.defaultSampler, ...family.defaultSamplerConfig } : { kind: 'uniform' })
  const r = await model.fit(train, {
    ...(usesSampler ? { sampler: createSampler(samplerConfig as never) } : {}),
    seed,
    epochs,
    workers: 1,
    ...(early
      ? {
          validation: early.validation,
          evaluateFn: ({ model: m, train: t, validation: v }) => evaluate(m as never, t, v, { k: early.k }).metrics,
          earlyStopping: { metric: early.metric, patience: early.patience },
        }
      : {}),
  })
  const best = r.epochs.find((e) => e.epoch === r.bestEpoch) ?? r.epochs[r.epochs.length - 1]
  return { model, bestEpoch: r.bestEpoch + 1, epochsRun: r.epochs.length, ...(best?.validation ? { validation: best.validation } : {}) }
}

/** Rounds to 6 significant digits (stable JSON, CSV). */
export function round6(x: number): number {
  return Number.isFinite(x) ? Number(x.toPrecision(6)) : x
}

/** Runs one trial: fit with early stopping on the validation metric, report the best epoch. */
export async function runTrial(ctx: TrialContext, config: Record<string, unknown>, epochs: number): Promise<TrialOutcome> {
  const r = await fitConfig(ctx.kind, config, ctx.train, epochs, ctx.seed, ctx)
  const validation: Record<string, number> = {}
  for (const [key, v] of Object.entries(r.validation ?? {})) validation[key] = round6(v)
  const score = validation[ctx.metric]
  if (score === undefined)
    throw new Error(`metric: ${JSON.stringify(ctx.metric)} is not among the validation metrics (${Object.keys(validation).join(', ')})`)
  return { score, bestEpoch: r.bestEpoch, epochsRun: r.epochsRun, validation }
}

/** The CSR part of interactions, to post to a worker thread. */
export interface PlainInteractions {
  numUsers: number
  numItems: number
  indptr: Int32Array
  items: Int32Array
  weights?: Float32Array
  times?: Float64Array
}

/** Strips the id maps (they do not cross threads; training works on internal ids). */
export function plain(x: Interactions): PlainInteractions {
  return {
    numUsers: x.numUsers,
    numItems: x.numItems,
    indptr: x.indptr,
    items: x.items,
    ...(x.weights ? { weights: x.weights } : {}),
    ...(x.times ? { times: x.times } : {}),
  }
}

/** Rebuilds interactions from {@link plain} with identity id maps. */
export function fromPlain(p: PlainInteractions): Interactions {
  return { ...p, userIds: identityIds(p.numUsers), itemIds: identityIds(p.numItems) }
}
