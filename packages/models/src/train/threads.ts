/**
 * Where `workers ≥ 2` can run, and the transport-neutral handle of one training worker: Node
 * worker threads and browser module Web Workers both sit behind {@link WorkerPort}, so the
 * parallel runners and the worker bodies are written once.
 */
import { isNode } from './pacer.js'

/** Where worker training runs: Node worker threads, or module Web Workers over SharedArrayBuffer. */
export type ThreadHost = 'node' | 'web'

/**
 * The one message every model gives when `workers ≥ 2` cannot run here.
 * @param who - the caller, e.g. `'fit'` or `'item2vec.fit'`.
 */
export function isolationError(who: string, workers: number): Error {
  return new Error(
    `${who}: workers: ${workers} needs a cross-origin isolated page (COOP: same-origin, COEP: require-corp) for SharedArrayBuffer; use workers: 1 or serve with these headers`,
  )
}

/**
 * Checks that `workers ≥ 2` can run in this environment and says how: `'node'` under Node,
 * `'web'` where module Web Workers and SharedArrayBuffer are available, i.e. a cross-origin
 * isolated page (`globalThis.crossOriginIsolated`).
 * @throws the {@link isolationError} otherwise.
 */
export function threadHost(who: string, workers: number): ThreadHost {
  if (isNode()) return 'node'
  const g = globalThis as { crossOriginIsolated?: boolean; Worker?: unknown; SharedArrayBuffer?: unknown }
  if (g.crossOriginIsolated === true && typeof g.Worker === 'function' && typeof g.SharedArrayBuffer === 'function') return 'web'
  throw isolationError(who, workers)
}

/** The main thread's handle of one training worker, whatever the platform. */
export interface WorkerPort {
  /** Posts a request (typed arrays over SharedArrayBuffers are shared, not copied). */
  post(message: unknown): void
  /** Sets the handler of the worker's replies. */
  onMessage(handler: (message: any) => void): void
  /** Sets the handler of the worker's failure (uncaught error, abnormal exit). */
  onFailure(handler: (error: Error) => void): void
  /** Stops the worker. */
  terminate(): unknown
}

/** What the parallel runners await from a worker: one reply per request. */
export interface WorkerPool {
  /** Posts `message` to worker `w` and resolves with its reply (rejects on `{ type: 'error' }` or failure). */
  call(w: number, message: unknown): Promise<any>
  /** Stops every worker. */
  close(): Promise<void>
}

/**
 * Wraps started workers in request/reply calls; the first failure of any worker rejects every
 * pending and later call with a message naming it (`<label> <w>: …`).
 */
export function workerPool(ports: WorkerPort[], label: string): WorkerPool {
  const pending = new Map<number, { resolve: (v: any) => void; reject: (e: Error) => void }>()
  let failure: Error | null = null
  ports.forEach((port, w) => {
    port.onMessage((m: { type: string; error?: string }) => {
      const p = pending.get(w)
      if (!p) return
      pending.delete(w)
      if (m.type === 'error') p.reject(new Error(`${label} ${w}: ${m.error}`))
      else p.resolve(m)
    })
    port.onFailure((e) => {
      failure = new Error(`${label} ${w}: ${e.message}`)
      for (const p of pending.values()) p.reject(failure)
      pending.clear()
    })
  })
  return {
    call: (w, message) =>
      new Promise((resolve, reject) => {
        if (failure) return reject(failure)
        pending.set(w, { resolve, reject })
        ports[w].post(message)
      }),
    close: async () => {
      await Promise.all(ports.map((p) => p.terminate()))
    },
  }
}

/** Imports a sampler registry module (`createSampler`) inside a worker. */
export type SamplerImporter = (specifier: string) => Promise<{ createSampler(config: unknown): unknown }>
