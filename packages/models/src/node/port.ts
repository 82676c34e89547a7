import type { Worker } from 'node:worker_threads'
import type { WorkerPort } from '../train/threads.js'

/** A Node worker thread behind the platform-neutral {@link WorkerPort}; a non-zero exit is a failure. */
export function nodePort(worker: Worker): WorkerPort {
  return {
    post: (m) => worker.postMessage(m),
    onMessage: (h) => void worker.on('message', h),
    onFailure: (h) => {
      worker.on('error', h)
      worker.on('exit', (code) => {
        if (code !== 0) h(new Error(`exited with code ${code}`))
      })
    },
    terminate: () => worker.terminate(),
  }
}
