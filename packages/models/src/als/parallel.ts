/**
 * ALS half-sweeps on worker threads (Node only; reached through `@decoy/models/node`). Rows of a
 * half-sweep are independent given the Gram matrix, so W threads instantiate the WebAssembly
 * kernels over one shared memory and each solves a contiguous range of rows; the main thread
 * builds the Gram matrix (a small share of the work) and waits at the end of each half-sweep.
 * A row's arithmetic does not depend on which thread runs it, so the factors are bit-identical to
 * one thread's.
 */
import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'
import { AlsWasmKernel, type AlsWasmLayout } from './cg-wasm.js'
import type { ConfidenceCsr } from './csr.js'

/** What an ALS worker receives at start. */
export interface AlsWorkerData {
  layout: AlsWasmLayout
  slot: number
}

/** A message to a worker: solve rows [start, end) of `side` with `steps` CG steps. */
export interface AlsWorkerTask {
  side: 'users' | 'items'
  start: number
  end: number
  steps: number
}

/** Running workers over a shared layout; `halfSweep` resolves when every range is solved. */
export interface AlsPool {
  halfSweep(side: 'users' | 'items', reg: number, steps: number): Promise<void>
  close(): Promise<void>
}

/**
 * Splits rows `[0, rows)` into `parts` contiguous ranges of about equal cost, a row costing
 * dim (its G·p share per step, in units of dim²/dim) plus its interaction count.
 * @returns `parts + 1` boundaries.
 */
export function splitRows(c: ConfidenceCsr, dim: number, parts: number): Int32Array {
  const total = c.rows * dim + c.indptr[c.rows]
  const bounds = new Int32Array(parts + 1)
  let acc = 0
  let p = 1
  for (let r = 0; r < c.rows && p < parts; r++) {
    acc += dim + (c.indptr[r + 1] - c.indptr[r])
    if (acc >= (total * p) / parts) bounds[p++] = r + 1
  }
  for (; p <= parts; p++) bounds[p] = c.rows
  return bounds
}

/**
 * Starts `workers` threads over `layout` (which must be shared and have ≥ `workers` scratch
 * slots). Slot 0 is the main thread's (it builds the Gram matrix); workers use slots 1..W.
 * @param users - the user side, for the row split.
 * @param items - the item side.
 */
export async function createAlsPool(layout: AlsWasmLayout, users: ConfidenceCsr, items: ConfidenceCsr, workers: number): Promise<AlsPool> {
  if (!layout.shared || layout.threads < workers + 1)
    throw new Error('createAlsPool: the layout must be shared with a scratch slot per worker plus one')
  const main = new AlsWasmKernel(layout, 0)
  const split = { users: splitRows(users, layout.dim, workers), items: splitRows(items, layout.dim, workers) }
  const threads: Worker[] = []
  const pending = new Map<number, { resolve: () => void; reject: (e: Error) => void }>()
  let failure: Error | null = null
  const call = (w: number, msg: unknown): Promise<void> =>
    new Promise((resolve, reject) => {
      if (failure) return reject(failure)
      pending.set(w, { resolve, reject })
      threads[w].postMessage(msg)
    })
  for (let w = 0; w < workers; w++) {
    const data: AlsWorkerData = { layout, slot: w + 1 }
    const t = spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, data)
    t.on('message', (m: { type: string; error?: string }) => {
      const p = pending.get(w)
      if (!p) return
      pending.delete(w)
      if (m.type === 'error') p.reject(new Error(`als worker ${w}: ${m.error}`))
      else p.resolve()
    })
    const fail = (e: Error): void => {
      failure = new Error(`als worker ${w}: ${e.message}`)
      for (const p of pending.values()) p.reject(failure)
      pending.clear()
    }
    t.on('error', fail)
    t.on('exit', (code) => {
      if (code !== 0) fail(new Error(`exited with code ${code}`))
    })
    threads.push(t)
  }
  const pool: AlsPool = {
    async halfSweep(side, reg, steps) {
      main.gram(side, reg)
      const b = split[side]
      await Promise.all(threads.map((_, w) => call(w, { side, start: b[w], end: b[w + 1], steps } satisfies AlsWorkerTask)))
    },
    async close() {
      await Promise.all(threads.map((t) => t.terminate()))
    },
  }
  try {
    await Promise.all(threads.map((_, w) => call(w, { type: 'ready' })))
  } catch (e) {
    await pool.close()
    throw e
  }
  return pool
}
