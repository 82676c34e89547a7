/**
 * LightGCN propagation worker: instantiates the WebAssembly kernel over the fit's shared memory
 * and runs the `spmm` calls posted in its control block (see `threads.ts`) until told to exit.
 * Spawned by `createPropagationPool`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { wasmModulePair } from '../wasm/modules.js'
import { LIGHTGCN_WASM_PLAIN, LIGHTGCN_WASM_SHARED } from './wasm/lightgcn-module.js'
import { MAX_CALLS, SPMM_ARGS } from './propagate.js'
import type { PropagationWorkerData } from './threads.js'

type Spmm = (...args: number[]) => void

const port = parentPort
if (!port) throw new Error('lightgcn worker: must run inside a worker thread')
const d = workerData as PropagationWorkerData
let spmm: Spmm | null = null
try {
  const module = wasmModulePair(LIGHTGCN_WASM_PLAIN, LIGHTGCN_WASM_SHARED).module(true)
  spmm = (new WebAssembly.Instance(module, { env: { memory: d.memory } }).exports as unknown as { spmm: Spmm }).spmm
  port.postMessage({ type: 'ready' })
} catch (e) {
  port.postMessage({ type: 'error', error: (e as Error).message })
}
if (spmm) {
  const control = new Int32Array(d.control, 0, 4)
  const args = new Float64Array(d.control, 16, SPMM_ARGS * MAX_CALLS)
  const a = new Array<number>(SPMM_ARGS)
  let seen = 0
  for (;;) {
    Atomics.wait(control, 0, seen)
    const s = Atomics.load(control, 0)
    if (s < 0) break
    if (s === seen) continue
    seen = s
    try {
      for (let c = 0; c < control[2]; c++) {
        for (let i = 0; i < SPMM_ARGS; i++) a[i] = args[c * SPMM_ARGS + i]
        spmm(...a)
      }
    } catch {
      control[3] = 1
    }
    Atomics.store(control, 1, seen)
    Atomics.notify(control, 1)
  }
}
