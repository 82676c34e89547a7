/**
 * ALS worker thread: instantiates the WebAssembly kernels over the shared layout and solves the
 * row ranges the main thread posts. Spawned by `createAlsPool`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { AlsWasmKernel } from './cg-wasm.js'
import type { AlsWorkerData, AlsWorkerTask } from './parallel.js'

const port = parentPort
if (!port) throw new Error('als worker: must run inside a worker thread')
const d = workerData as AlsWorkerData
let kernel: AlsWasmKernel | null = null
let setupError: string | null = null
try {
  kernel = new AlsWasmKernel(d.layout, d.slot)
} catch (e) {
  setupError = (e as Error).message
}
port.on('message', (m: AlsWorkerTask | { type: 'ready' }) => {
  if (setupError !== null || kernel === null) {
    port.postMessage({ type: 'error', error: setupError ?? 'no kernel' })
    return
  }
  if ('type' in m) {
    port.postMessage({ type: 'ready' })
    return
  }
  try {
    kernel.solve(m.side, m.start, m.end, m.steps)
    port.postMessage({ type: 'done' })
  } catch (e) {
    port.postMessage({ type: 'error', error: (e as Error).message })
  }
})
