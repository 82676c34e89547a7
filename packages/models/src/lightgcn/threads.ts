/**
 * LightGCN's propagation on worker threads (Node only; reached through `@decoy/models/node`). The
 * rows of a sparse product are independent, so each worker instantiates the WebAssembly kernel
 * over the fit's shared memory and runs its share of every layer's rows while the main thread runs
 * the first share. The training step is synchronous, so the hand-off is a control block in a
 * SharedArrayBuffer per worker (`Atomics.wait` / `notify`), not messages. A row's arithmetic does
 * not depend on which thread runs it, so a fit is bit-identical to one thread's.
 */
import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'
import { MAX_CALLS, SPMM_ARGS } from './propagate.js'

/**
 * A worker's control block: Int32 `[0]` job sequence (−1: exit), `[1]` sequence done, `[2]` calls
 * in the job, `[3]` error flag; then Float64 arguments from byte 16 (exact for int32 and f32 values).
 */
export const CONTROL_BYTES = 16 + 8 * SPMM_ARGS * MAX_CALLS

/** What a propagation worker receives at start. */
export interface PropagationWorkerData {
  memory: WebAssembly.Memory
  control: SharedArrayBuffer
}

/** Worker threads running shares of the sparse products; see {@link createPropagationPool}. */
export interface PropagationPool {
  /** Worker count. */
  readonly size: number
  /** Posts `calls` spmm calls (`args`: `calls × SPMM_ARGS` numbers) to worker `w`; returns at once. */
  post(w: number, args: ArrayLike<number>, calls: number): void
  /** Blocks until every posted job is done. @throws Error when a worker's kernel failed. */
  wait(): void
  /** Ends the workers. */
  close(): Promise<void>
}

/**
 * Starts `workers` threads over `memory` (shared, holding the graph and the embeddings of a
 * wasm propagator). Resolves when each has instantiated the kernel.
 */
export async function createPropagationPool(memory: WebAssembly.Memory, workers: number): Promise<PropagationPool> {
  if (!(memory.buffer instanceof SharedArrayBuffer)) throw new Error('createPropagationPool: the memory must be shared')
  const threads: Worker[] = []
  const controls: Int32Array[] = []
  const argViews: Float64Array[] = []
  const seq: number[] = []
  let failure: Error | null = null
  const ready: Promise<void>[] = []
  for (let w = 0; w < workers; w++) {
    const control = new SharedArrayBuffer(CONTROL_BYTES)
    controls.push(new Int32Array(control, 0, 4))
    argViews.push(new Float64Array(control, 16, SPMM_ARGS * MAX_CALLS))
    seq.push(0)
    const data: PropagationWorkerData = { memory, control }
    const t = spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, data)
    ready.push(
      new Promise((resolve, reject) => {
        t.once('message', (m: { type: string; error?: string }) =>
          m.type === 'ready' ? resolve() : reject(new Error(`lightgcn worker ${w}: ${m.error}`)),
        )
        t.once('error', (e) => reject(new Error(`lightgcn worker ${w}: ${e.message}`)))
      }),
    )
    t.on('error', (e) => {
      failure = new Error(`lightgcn worker ${w}: ${e.message}`)
    })
    threads.push(t)
  }
  const pool: PropagationPool = {
    size: workers,
    post(w, args, calls): void {
      if (failure) throw failure
      const a = argViews[w]
      for (let i = 0; i < calls * SPMM_ARGS; i++) a[i] = args[i]
      const c = controls[w]
      c[2] = calls
      seq[w]++
      Atomics.store(c, 0, seq[w])
      Atomics.notify(c, 0)
    },
    wait(): void {
      for (let w = 0; w < workers; w++) {
        const c = controls[w]
        for (;;) {
          const done = Atomics.load(c, 1)
          if (done === seq[w]) break
          if (failure) throw failure
          // Bounded waits so a dead worker surfaces as `failure` instead of a hang.
          Atomics.wait(c, 1, done, 1000)
        }
        if (c[3] !== 0) throw new Error(`lightgcn worker ${w}: the propagation kernel failed`)
      }
    },
    async close(): Promise<void> {
      for (const c of controls) {
        Atomics.store(c, 0, -1)
        Atomics.notify(c, 0)
      }
      await Promise.all(threads.map((t) => t.terminate()))
    },
  }
  try {
    await Promise.all(ready)
  } catch (e) {
    await pool.close()
    throw e
  }
  return pool
}
