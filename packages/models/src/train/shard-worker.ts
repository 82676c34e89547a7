/**
 * The body of a shard worker, whatever the platform: rebuilds the stepper over the shared
 * parameter arrays and the sampler from its config, then answers {@link ShardRequest}s, training
 * the shards the main thread assigns batch by batch (`runBatch`, as the single-thread path). Node's
 * `worker.ts` and the browser's `train-worker.ts` only carry its messages.
 */
import { createRng, identityIds, type Interactions, type NegativeSampler, type SamplerConfig } from '@decoy/core'
import { stepperFactory } from '../registry.js'
import type { ShardRequest, WorkerInit } from './parallel.js'
import { runBatch, stepBuffers, type ShardContext, type ShardResult } from './shard.js'
import type { SamplerImporter } from './threads.js'

/** Rebuilds a sampler from its config through a registry module, with errors that say what failed. */
export async function rebuildSampler(importSampler: SamplerImporter, module: string, config: unknown): Promise<NegativeSampler> {
  let mod: { createSampler(config: SamplerConfig): NegativeSampler }
  try {
    mod = (await importSampler(module)) as typeof mod
  } catch (e) {
    throw new Error(`cannot import the sampler registry ${JSON.stringify(module)}: ${(e as Error).message}`)
  }
  try {
    return mod.createSampler(config as SamplerConfig)
  } catch (e) {
    throw new Error(
      `cannot rebuild the sampler from its config ${JSON.stringify(config)} (custom samplers need workers: 1): ${(e as Error).message}`,
    )
  }
}

async function setup(d: WorkerInit, importSampler: SamplerImporter): Promise<{ ctx: ShardContext; sampler: NegativeSampler }> {
  const train: Interactions = {
    numUsers: d.train.numUsers,
    numItems: d.train.numItems,
    indptr: d.train.indptr,
    items: d.train.items,
    ...(d.train.weights ? { weights: d.train.weights } : {}),
    userIds: identityIds(d.train.numUsers),
    itemIds: identityIds(d.train.numItems),
  }
  // The worker is an edge like the CLI: it rebuilds the stepper through the model registry.
  const factory = stepperFactory(d.stepperKind)
  const stepper = factory(d.arrays, d.spec, train, d.plan.k, d.index)
  const sampler = await rebuildSampler(importSampler, d.samplerModule, d.samplerConfig)
  sampler.prepare({ train, rng: createRng(d.samplerSeed), scorer: stepper.scorer() })
  const ctx: ShardContext = {
    stepper,
    sampler,
    ...stepBuffers(stepper, d.plan.batchSize, d.plan.k),
    exUsers: d.exUsers,
    exPositives: d.exPositives,
    batchSize: d.plan.batchSize,
    learningRate: d.plan.learningRate,
    minLearningRate: d.plan.minLearningRate,
    schedule: d.plan.schedule,
    epochs: d.plan.epochs,
  }
  return { ctx, sampler }
}

/**
 * Starts a shard worker's body on `init`; returns the request handler, whose promise resolves with
 * the reply to post (`{ type: 'error', error }` when setup or the request failed).
 */
export function shardWorker(init: WorkerInit, importSampler: SamplerImporter): (m: ShardRequest) => Promise<unknown> {
  const ready = setup(init, importSampler)
  // Setup errors are reported on the first request, so the main thread sees them as a rejection.
  ready.catch(() => undefined)
  return (m) =>
    ready
      .then(({ ctx, sampler }) => {
        if (m.type === 'ready') return { type: 'ready' }
        if (m.type === 'epoch') {
          // runShard one batch at a time, counting batches where the main thread reads them.
          const r: ShardResult = { loss: 0, updates: 0, slots: m.end - m.start, learningRate: ctx.learningRate }
          for (let p = m.start, n = 1; p < m.end; n++) {
            p = runBatch(ctx, init.order, m.start, m.end, m.epoch, p, r)
            Atomics.store(init.batches, init.index, n)
          }
          if (sampler.onEpochEnd) sampler.onEpochEnd(m.epoch)
          return { type: 'done', ...r }
        }
        if (m.type === 'stats') return { type: 'stats', stats: { ...sampler.stats() } }
        return { type: 'error', error: `unknown request ${JSON.stringify((m as { type: unknown }).type)}` }
      })
      .catch((e: Error) => ({ type: 'error', error: e.message }))
}
