/**
 * The module Web Worker of browser training with `workers ≥ 2`: carries the messages of the
 * platform-neutral worker bodies (MF/FM shards, item2vec) over `postMessage`, the parameters in
 * SharedArrayBuffers (shared WebAssembly memory) of a cross-origin isolated page. Started by
 * `web/parallel.ts` as `new Worker(new URL('./train-worker.js', import.meta.url), { type: 'module' })`,
 * so bundlers (Vite, webpack 5, esbuild with a plugin) emit it; not an entry point for users.
 *
 * The first message is `{ type: 'init', job: 'shards' | 'item2vec', data }`; every later request
 * gets exactly one reply (see `ShardRequest`, `Item2VecRequest`).
 */
import { createSampler } from '@decoy/samplers/registry'
import { item2vecWorker } from '../item2vec/thread-worker.js'
import { shardWorker } from '../train/shard-worker.js'
import type { SamplerImporter } from '../train/threads.js'
import { DEFAULT_SAMPLER_MODULE, type WebWorkerInit } from './protocol.js'

// The default registry is bundled with the worker (a bare specifier cannot be imported at run
// time in a browser); another module is imported by URL.
const importSampler: SamplerImporter = (specifier) =>
  specifier === DEFAULT_SAMPLER_MODULE
    ? Promise.resolve({ createSampler: createSampler as (c: unknown) => unknown })
    : import(/* @vite-ignore */ specifier)

interface WorkerScope {
  onmessage: ((e: { data: any }) => void) | null
  postMessage(message: unknown): void
}
const scope = globalThis as unknown as WorkerScope
let handle: ((m: any) => Promise<unknown>) | null = null

scope.onmessage = (e) => {
  const m = e.data as WebWorkerInit | { type: string }
  if (m.type === 'init') {
    const init = m as WebWorkerInit
    handle = init.job === 'item2vec' ? item2vecWorker(init.data as never, importSampler) : shardWorker(init.data as never, importSampler)
    return
  }
  if (handle === null) {
    scope.postMessage({ type: 'error', error: 'train worker: a request came before init' })
    return
  }
  void handle(m).then((reply) => scope.postMessage(reply))
}
