/**
 * `workers ≥ 2` in browsers: the platform-neutral parallel runners over module Web Workers.
 * Loaded on demand by `fit` (a dynamic import), so pages that train on one thread do not carry it.
 */
import type { Interactions, SamplerStats } from '@decoy/core'
import type { Item2VecParallelInit } from '../item2vec/model.js'
import { runItem2VecParallelWith } from '../item2vec/threads.js'
import type { EpochHooks, TrainPlan } from '../train/fit.js'
import { runParallelWith } from '../train/parallel.js'
import type { WorkerPort } from '../train/threads.js'
import type { Examples, FitOptions, TrainTarget } from '../train/types.js'
import type { WebWorkerInit } from './protocol.js'

/**
 * Starts the training worker (a module Web Worker bundlers pick up from this literal URL) on a job.
 * @throws Error when the page cannot start module workers.
 */
export function spawnWebWorker(job: WebWorkerInit['job'], data: unknown): WorkerPort {
  const worker = new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module', name: `decoy-${job}` })
  let onFailure: (e: Error) => void = () => undefined
  worker.onerror = (e) => {
    e.preventDefault()
    onFailure(new Error(e.message || 'the training worker failed to start (is train-worker.js served?)'))
  }
  worker.onmessageerror = () => onFailure(new Error('a message could not be deserialised (SharedArrayBuffer not shared?)'))
  worker.postMessage({ type: 'init', job, data } satisfies WebWorkerInit)
  return {
    post: (m) => worker.postMessage(m),
    onMessage: (h) => {
      worker.onmessage = (e) => h(e.data)
    },
    onFailure: (h) => {
      onFailure = h
    },
    terminate: () => worker.terminate(),
  }
}

/** MF/FM Hogwild over module Web Workers (see `runParallelWith`). */
export function runParallel(
  target: TrainTarget,
  train: Interactions,
  examples: Examples,
  plan: TrainPlan,
  opts: FitOptions,
  hooks: EpochHooks,
): Promise<{ samplerStats: SamplerStats[] }> {
  return runParallelWith((init) => spawnWebWorker('shards', init), target, train, examples, plan, opts, hooks)
}

/** item2vec Hogwild over module Web Workers (see `runItem2VecParallelWith`). */
export function runItem2VecParallel(
  init: Item2VecParallelInit,
  afterEpoch: (epoch: number, pairs: number, negatives: number, lr: number, seconds: number, workerSeconds: number[]) => boolean,
  during?: (positions: number) => void,
): Promise<void> {
  return runItem2VecParallelWith((d) => spawnWebWorker('item2vec', d), init, afterEpoch, during)
}
