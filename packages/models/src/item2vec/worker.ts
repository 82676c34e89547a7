/**
 * item2vec Hogwild worker thread (Node): carries the messages of the worker body
 * (`thread-worker.ts`). Spawned by `runItem2VecParallel`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import type { Item2VecWorkerData } from './threads.js'
import { item2vecWorker, type Item2VecRequest } from './thread-worker.js'

const port = parentPort
if (!port) throw new Error('item2vec worker: must run inside a worker thread')

const handle = item2vecWorker(workerData as Item2VecWorkerData, (specifier) => import(specifier))
port.on('message', (m: Item2VecRequest) => {
  void handle(m).then((reply) => port.postMessage(reply))
})
