/**
 * What two cores of this machine give two independent jobs: item2vec's WebAssembly kernel on
 * separate parameters in two threads at once, against one thread alone, alternating in short
 * slots so that both sides of each ratio see the same moment of the machine.
 *
 * Why: on a VM the "two cores" may share physical cores or caches with other tenants, and their
 * speed drifts up to 2× from minute to minute. A worker-scaling figure (2 workers / 1) means
 * little without the machine's own ceiling for independent work measured in the same run; a
 * Hogwild trainer can approach that ceiling, not exceed it.
 */
import type { Worker } from 'node:worker_threads'
import { spawnWorker } from '@decoy/core/node'

/** Ratios of one alternation round each, sorted ascending, and their median. */
export interface CeilingResult {
  ratios: number[]
  median: number
}

function spawn(workerData: unknown): Worker {
  // Bench files run from source under tsx.
  return spawnWorker(import.meta.url, { source: './two-cores-worker.ts', built: './two-cores-worker.js' }, workerData)
}

/**
 * Runs `rounds` rounds of (one thread alone for `slotMs`, then two threads together for `slotMs`)
 * and returns each round's (pairs/s of the two together) / (pairs/s alone).
 */
export async function twoCoreCeiling(rounds = 12, slotMs = 400, shape = { items: 5000, dim: 64, k: 5 }): Promise<CeilingResult> {
  const workers = [0, 1].map((w) => spawn({ ...shape, seed: 'two-cores-' + w }))
  try {
    // One pending request per worker; an error fails it.
    const pending = new Map<Worker, { resolve: (v: any) => void; reject: (e: Error) => void }>()
    const wait = (w: Worker): Promise<any> => new Promise((resolve, reject) => pending.set(w, { resolve, reject }))
    for (const w of workers) {
      w.on('message', (m) => pending.get(w)?.resolve(m))
      w.on('error', (e) => pending.get(w)?.reject(e))
    }
    await Promise.all(workers.map(wait))
    const run = (w: Worker, ms: number): Promise<{ pairs: number; seconds: number }> => {
      const p = wait(w)
      w.postMessage(ms)
      return p
    }
    // Warm-up: both kernels compiled and their data in cache.
    await Promise.all(workers.map((w) => run(w, slotMs)))
    const ratios: number[] = []
    for (let r = 0; r < rounds; r++) {
      // Alternate which thread runs alone, in case the two cores differ.
      const a = await run(workers[r % 2], slotMs)
      const both = await Promise.all(workers.map((w) => run(w, slotMs)))
      const together = (both[0].pairs + both[1].pairs) / Math.max(both[0].seconds, both[1].seconds)
      ratios.push(together / (a.pairs / a.seconds))
    }
    ratios.sort((x, y) => x - y)
    return { ratios, median: ratios[ratios.length >> 1] }
  } finally {
    await Promise.all(workers.map((w) => w.terminate()))
  }
}
