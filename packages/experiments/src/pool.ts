/**
 * Worker threads that run cells: each worker loads the experiment's data once, then runs the cells
 * it is handed and posts their records back. A cell's record does not depend on which thread ran
 * it (models train with `workers: 1`), so parallel runs give the same results as serial ones.
 */
import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'
import type { CellRecord } from './cell.js'
import type { CellSpec, ExperimentConfig } from './config.js'

/** What a cell worker receives at start-up. */
export interface CellWorkerInit {
  /** The validated config. */
  config: ExperimentConfig
  /** Base folder of relative paths. */
  baseDir: string
  /** Dataset options (JSON-serialisable part). */
  datasets: { dir?: string; cacheDir?: string; download?: boolean; env?: Record<string, string | undefined> }
}

/** A message from a cell worker. */
export type CellWorkerMessage =
  | { type: 'ready' }
  | { type: 'done'; task: number; record: CellRecord }
  | { type: 'epoch'; task: number; epoch: number; planned: number }
  | { type: 'error'; task: number; message: string; stack?: string; name?: string }

/**
 * Spawns a worker running `cell-worker.ts` from source (vitest, tsx) or `cell-worker.js` from the
 * build. From source, a small bootstrap loads the TypeScript entry through tsx's `tsImport`, and
 * `--conditions=decoy-source` resolves `@decoy/*` to their sources as in the parent.
 */
function spawn(init: CellWorkerInit): Worker {
  return spawnWorker(import.meta.url, { source: './cell-worker.ts', built: './cell-worker.js' }, init)
}

/** A cell to run and its seed. */
export interface CellTask {
  /** The cell. */
  cell: CellSpec
  /** The seed. */
  seed: number | string
}

/**
 * Runs `tasks` on `threads` worker threads; `onDone` receives each record as it finishes (in
 * completion order). Rejects on the first failure, after terminating the workers.
 */
export async function runPool(
  tasks: CellTask[],
  threads: number,
  init: CellWorkerInit,
  onDone: (task: CellTask, record: CellRecord) => void,
  onEpoch?: (task: CellTask, epoch: number, planned: number) => void,
): Promise<void> {
  if (tasks.length === 0) return
  const n = Math.min(threads, tasks.length)
  const workers: Worker[] = []
  let next = 0
  let finished = 0
  try {
    await new Promise<void>((resolve, reject) => {
      let failed = false
      const fail = (e: Error) => {
        if (failed) return
        failed = true
        reject(e)
      }
      const give = (w: Worker) => {
        if (next >= tasks.length) return
        const t = next++
        w.postMessage({ task: t, cell: tasks[t].cell, seed: tasks[t].seed })
      }
      for (let i = 0; i < n; i++) {
        const w = spawn(init)
        workers.push(w)
        w.on('message', (m: CellWorkerMessage) => {
          if (failed) return
          if (m.type === 'ready') give(w)
          else if (m.type === 'epoch') onEpoch?.(tasks[m.task], m.epoch, m.planned)
          else if (m.type === 'error') {
            const where = m.task >= 0 ? `cell ${tasks[m.task].cell.name}#${tasks[m.task].seed}` : 'cell worker (loading data)'
            const e = new Error(`${where}: ${m.message}`)
            if (m.stack) e.stack = m.stack
            if (m.name) e.name = m.name // a DataError or ResourceError stays one (exit 2 in the CLI)
            fail(e)
          } else {
            try {
              onDone(tasks[m.task], m.record)
            } catch (e) {
              fail(e as Error)
              return
            }
            if (++finished === tasks.length) resolve()
            else give(w)
          }
        })
        w.on('error', (e) => fail(e))
        w.on('exit', (code) => {
          if (finished < tasks.length && code !== 0) fail(new Error(`cell worker exited with code ${code}`))
        })
      }
    })
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
