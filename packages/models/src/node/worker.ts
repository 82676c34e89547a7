/**
 * Hogwild training worker: rebuilds the stepper over the shared parameter arrays and the sampler
 * from its config, then trains the shards the main thread assigns, epoch by epoch. Spawned by
 * `runParallel`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import {
  createBatch,
  createNegativeBuffer,
  createRng,
  identityIds,
  type Interactions,
  type NegativeSampler,
  type SamplerConfig,
} from '@decoy/core'
import { stepperFactory } from '../registry.js'
import { runShard, type ShardContext } from '../train/shard.js'
import type { WorkerInit } from './parallel.js'

const port = parentPort
if (!port) throw new Error('models worker: must run inside a worker thread')

async function setup(d: WorkerInit): Promise<{ ctx: ShardContext; sampler: NegativeSampler }> {
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
  let mod: { createSampler(config: SamplerConfig): NegativeSampler }
  try {
    mod = (await import(d.samplerModule)) as typeof mod
  } catch (e) {
    throw new Error(`cannot import the sampler registry ${JSON.stringify(d.samplerModule)}: ${(e as Error).message}`)
  }
  let sampler: NegativeSampler
  try {
    sampler = mod.createSampler(d.samplerConfig as SamplerConfig)
  } catch (e) {
    throw new Error(
      `cannot rebuild the sampler from its config ${JSON.stringify(d.samplerConfig)} (custom samplers need workers: 1): ${(e as Error).message}`,
    )
  }
  sampler.prepare({ train, rng: createRng(d.samplerSeed), scorer: stepper.scorer() })
  const ctx: ShardContext = {
    stepper,
    sampler,
    batch: createBatch(d.plan.batchSize),
    negs: createNegativeBuffer(d.plan.batchSize, d.plan.k),
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

const data = workerData as WorkerInit
const ready = setup(data)
// Setup errors are reported on the first request, so the main thread sees them as a rejection.
ready.catch(() => undefined)

port.on('message', (m: { type: string; epoch?: number; start?: number; end?: number }) => {
  ready
    .then(({ ctx, sampler }) => {
      if (m.type === 'ready') {
        port.postMessage({ type: 'ready' })
      } else if (m.type === 'epoch') {
        const r = runShard(ctx, data.order, m.start!, m.end!, m.epoch!)
        if (sampler.onEpochEnd) sampler.onEpochEnd(m.epoch!)
        port.postMessage({ type: 'done', ...r })
      } else if (m.type === 'stats') {
        port.postMessage({ type: 'stats', stats: { ...sampler.stats() } })
      }
    })
    .catch((e: Error) => port.postMessage({ type: 'error', error: e.message }))
})
