import { createRequire } from 'node:module'
import { pathToFileURL } from 'node:url'
import { Worker } from 'node:worker_threads'

/**
 * Starts a worker thread on a module, from source or from the build: when the caller runs as
 * TypeScript (vitest, tsx: `callerUrl` ends in `.ts`) a tiny bootstrap loads `entry.source` through
 * tsx's ESM API (Node 20 applies neither `--import` hooks nor in-thread `register()` to a worker's
 * entry) with `--conditions=decoy-source`, so `@decoy/*` resolve to their sources as in the
 * parent; otherwise `entry.built` runs directly. The one launcher of every Decoy worker pool.
 *
 * @param callerUrl - the caller's `import.meta.url`; entries resolve relative to it.
 * @param entry - `source`: the TypeScript entry (`'./worker.ts'`); `built`: its build output (`'./worker.js'`).
 * @param workerData - posted to the worker (typed arrays over SharedArrayBuffers are shared, not copied).
 * @example
 * ```ts
 * const w = spawnWorker(import.meta.url, { source: './worker.ts', built: './worker.js' }, init)
 * ```
 */
export function spawnWorker(callerUrl: string, entry: { source: string; built: string }, workerData: unknown): Worker {
  if (callerUrl.endsWith('.ts')) {
    // tsx's ESM API by path: its "require" export is CJS, and a CJS copy cannot load ESM hooks.
    const api = pathToFileURL(
      createRequire(callerUrl)
        .resolve('tsx/package.json')
        .replace(/package\.json$/, 'dist/esm/api/index.mjs'),
    ).href
    const src = new URL(entry.source, callerUrl).href
    const boot = `import(${JSON.stringify(api)}).then((m) => m.tsImport(${JSON.stringify(src)}, ${JSON.stringify(src)}))`
    return new Worker(boot, { eval: true, workerData, execArgv: ['--conditions=decoy-source'] })
  }
  return new Worker(new URL(entry.built, callerUrl), { workerData })
}
