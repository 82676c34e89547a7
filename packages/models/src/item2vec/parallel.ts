/**
 * Hogwild worker threads for item2vec (Node only; exported from `@decoy/models/node`).
 */
import { spawnWorker } from '@decoy/core/node'
import { nodePort } from '../node/port.js'
import type { WorkerPort } from '../train/threads.js'
import type { Item2VecParallelInit } from './model.js'
import { runItem2VecParallelWith, type Item2VecWorkerData } from './threads.js'

export type { Item2VecWorkerData } from './threads.js'

function spawn(workerData: Item2VecWorkerData): WorkerPort {
  // From source (vitest, tsx) this folder's worker.ts; built, dist/item2vec/worker.js beside this file.
  const worker = spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, workerData)
  return nodePort(worker)
}

/**
 * Runs item2vec's epochs in `init.workers` Node worker threads (see `runItem2VecParallelWith`,
 * which the browser runs over module Web Workers).
 * @throws Error naming the worker when one fails or the sampler cannot be rebuilt.
 */
export function runItem2VecParallel(
  init: Item2VecParallelInit,
  afterEpoch: (epoch: number, pairs: number, negatives: number, lr: number, seconds: number, workerSeconds: number[]) => boolean,
  during?: (positions: number) => void,
): Promise<void> {
  return runItem2VecParallelWith(spawn, init, afterEpoch, during)
}
