/**
 * Tune worker thread: holds the train and validation parts, runs the trials the main thread hands
 * it (each on one thread, so a trial's outcome does not depend on where it ran). Spawned by
 * `tune`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { fromPlain, runTrial, type PlainInteractions, type TrialContext } from './tune/trial.js'

const port = parentPort
if (!port) throw new Error('tune worker: must run inside a worker thread')
const init = workerData as Omit<TrialContext, 'train' | 'validation'> & { train: PlainInteractions; validation: PlainInteractions }
const ctx: TrialContext = { ...init, train: fromPlain(init.train), validation: fromPlain(init.validation) }

port.on('message', async (m: { id: number; config: Record<string, unknown>; epochs: number }) => {
  try {
    port.postMessage({ id: m.id, outcome: await runTrial(ctx, m.config, m.epochs) })
  } catch (e) {
    port.postMessage({ id: m.id, error: { message: (e as Error).message, stack: (e as Error).stack, name: (e as Error).name } })
  }
})
port.postMessage({ ready: true })
