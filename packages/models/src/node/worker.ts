/**
 * Hogwild training worker thread (Node): carries the messages of the shard worker body
 * (`train/shard-worker.ts`). Spawned by `runParallel`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { ShardRequest, WorkerInit } from '../train/parallel.js'
import { shardWorker } from '../train/shard-worker.js'

const port = parentPort
if (!port) throw new Error('models worker: must run inside a worker thread')

const handle = shardWorker(workerData as WorkerInit, (specifier) => import(specifier))
port.on('message', (m: ShardRequest) => {
  void handle(m).then((reply) => port.postMessage(reply))
})
