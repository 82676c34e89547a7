import { spawnWorker } from '@decoy/core/node'
import { nodePort } from './port.js'
import type { Interactions, SamplerStats } from '@decoy/core'
import type { EpochHooks, TrainPlan } from '../train/fit.js'
import { runParallelWith, type WorkerInit } from '../train/parallel.js'
import type { WorkerPort } from '../train/threads.js'
import type { Examples, FitOptions, TrainTarget } from '../train/types.js'

export type { WorkerInit } from '../train/parallel.js'

/** A Node worker thread on the shard worker, behind the platform-neutral {@link WorkerPort}. */
function spawn(workerData: WorkerInit): WorkerPort {
  // From source (vitest, tsx) the TypeScript worker; built, the tsup entry dist/worker.js.
  const worker = spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, workerData)
  return nodePort(worker)
}

/**
 * Runs the epochs of a training plan in `plan.workers` Node worker threads, Hogwild (see
 * `runParallelWith`, which the browser runs over module Web Workers): shared parameters, every
 * worker on its contiguous shard of the epoch's shuffled order with its own sampler stream
 * `<seed>/fit/sampler/w<w>`, `hooks.afterEpoch` between epochs.
 *
 * @returns each worker's sampler stats.
 * @throws Error when a worker fails (its message included) or the sampler cannot be rebuilt.
 */
export function runParallel(
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
  hooks: EpochHooks,
): Promise<{ samplerStats: SamplerStats[] }> {
  return runParallelWith(spawn, target, train, examples, plan, opts, hooks)
}
