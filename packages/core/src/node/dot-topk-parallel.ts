import type { Worker } from 'node:worker_threads'
import type { DotFactors, TopK } from '../contracts.js'
import {
  BLOCK_ROWS,
  checkDotFactors,
  checkQueries,
  dotTopK,
  packItems,
  rankLayout,
  useWasmKernel,
  type DotTopKOptions,
  type ExclusionRows,
  type RankLayout,
} from '../dot-topk.js'
import { spawnWorker } from './workers.js'

/** Options of {@link dotTopKParallel}. */
export interface DotTopKParallelOptions extends DotTopKOptions {
  /** Worker threads (default 2); 1 runs {@link dotTopK} on the calling thread. */
  workers?: number
}

/** What a ranking worker receives (typed arrays over SharedArrayBuffers are shared, not copied). */
export interface RankWorkerInit {
  layout: RankLayout
  /** The WebAssembly memory (shared) holding the packed items, or null with `buffer` for the TypeScript twin. */
  memory: WebAssembly.Memory | null
  buffer: SharedArrayBuffer | null
  slot: number
  userFactors: Float32Array
  userBias: Float32Array | null
  queries: Int32Array
  exclude: ExclusionRows[]
  outItems: Int32Array
  outScores: Float32Array
  /** `[0]`: next block to claim (Atomics). */
  next: Int32Array
}

function shared<T extends Int32Array | Float32Array>(a: T): T {
  if (a.buffer instanceof SharedArrayBuffer) return a
  const s = new (a.constructor as { new (b: SharedArrayBuffer): T })(new SharedArrayBuffer(a.byteLength))
  s.set(a as never)
  return s
}

/**
 * {@link dotTopK} in worker threads: the items are packed once into a shared WebAssembly memory,
 * every worker instantiates the kernel over it with its own scratch slot, and the workers claim
 * blocks of 64 queries from a shared counter until none is left (so a slow core takes fewer).
 * Same result as `dotTopK`: each query's list depends only on its own scores.
 *
 * @returns a {@link TopK} whose arrays live in SharedArrayBuffers.
 * @throws Error naming the worker when one fails.
 * @remarks Memory: the packed items (numItems·dim·4 bytes) and per worker a scratch slot of
 * 64·(4·dim + 8·min(k, numItems) + numItems/8) bytes (the block's queries, heaps and exclusion
 * bitsets), plus copies into shared memory of the user factors and exclusion rows that are not
 * shared already, plus the output.
 */
export async function dotTopKParallel(f: DotFactors, queries: Int32Array, k: number, opts: DotTopKParallelOptions = {}): Promise<TopK> {
  const workers = opts.workers ?? 2
  if (!Number.isInteger(workers) || workers < 1) throw new Error(`dotTopKParallel: workers must be an integer >= 1, got ${workers}`)
  const blocks = Math.ceil(queries.length / BLOCK_ROWS)
  if (workers === 1 || blocks < 2) return dotTopK(f, queries, k, opts)
  if (!Number.isInteger(k) || k < 1) throw new Error(`dotTopK: k must be an integer >= 1, got ${k}`)
  checkDotFactors(f)
  checkQueries(queries, f.numUsers)
  const W = Math.min(workers, blocks)
  const wasm = useWasmKernel(opts.kernel)
  const L = rankLayout(f.numItems, f.dim, k, W)
  let memory: WebAssembly.Memory | null = null
  let buffer: SharedArrayBuffer | null = null
  if (wasm) memory = new WebAssembly.Memory({ initial: L.bytes / 65536, maximum: L.bytes / 65536, shared: true })
  else buffer = new SharedArrayBuffer(L.bytes)
  packItems(f.itemFactors, f.itemBias, L, memory ? memory.buffer : buffer!)
  const outItems = new Int32Array(new SharedArrayBuffer(queries.length * k * 4))
  const outScores = new Float32Array(new SharedArrayBuffer(queries.length * k * 4))
  const base = {
    layout: L,
    memory,
    buffer,
    userFactors: shared(f.userFactors),
    userBias: f.userBias ? shared(f.userBias) : null,
    queries: shared(queries),
    exclude: (opts.exclude ?? []).map((x) => ({ numUsers: x.numUsers, indptr: shared(x.indptr), items: shared(x.items) })),
    outItems,
    outScores,
    next: new Int32Array(new SharedArrayBuffer(4)),
  }
  const running: Worker[] = []
  try {
    await Promise.all(
      Array.from({ length: W }, (_, w) => {
        const worker = spawnWorker(import.meta.url, { source: './dot-topk-worker.ts', built: './dot-topk-worker.js' }, {
          ...base,
          slot: w,
        } satisfies RankWorkerInit)
        running.push(worker)
        return new Promise<void>((resolve, reject) => {
          worker.on('message', (m: { type: string; error?: string }) => {
            if (m.type === 'done') resolve()
            else reject(new Error(`dotTopKParallel worker ${w}: ${m.error}`))
          })
          worker.on('error', (e) => reject(new Error(`dotTopKParallel worker ${w}: ${e.message}`)))
          worker.on('exit', (code) => {
            if (code !== 0) reject(new Error(`dotTopKParallel worker ${w}: exited with code ${code}`))
          })
        })
      }),
    )
  } finally {
    await Promise.all(running.map((w) => w.terminate()))
  }
  return { k, items: outItems, scores: outScores }
}
