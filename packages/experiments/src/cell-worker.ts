/**
 * Cell worker thread: loads the experiment's data once, then runs the cells the main thread hands
 * it. Spawned by `runPool`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { runCell } from './cell.js'
import { validateConfig, type CellSpec } from './config.js'
import { loadExperimentData } from './data.js'
import type { CellWorkerInit, CellWorkerMessage } from './pool.js'

const port = parentPort
if (!port) throw new Error('experiments cell worker: must run inside a worker thread')

const init = workerData as CellWorkerInit
const config = validateConfig(init.config)
const post = (m: CellWorkerMessage) => port.postMessage(m)

loadExperimentData(config, { baseDir: init.baseDir, datasets: init.datasets }).then(
  (data) => {
    port.on('message', async (m: { task: number; cell: CellSpec; seed: number | string }) => {
      try {
        const record = await runCell({
          config,
          cell: m.cell,
          seed: m.seed,
          data,
          onEpoch: (epoch, planned) => post({ type: 'epoch', task: m.task, epoch, planned }),
        })
        post({ type: 'done', task: m.task, record })
      } catch (e) {
        post({ type: 'error', task: m.task, message: (e as Error).message, stack: (e as Error).stack, name: (e as Error).name })
      }
    })
    post({ type: 'ready' })
  },
  (e: Error) => post({ type: 'error', task: -1, message: e.message, stack: e.stack, name: e.name }),
)
