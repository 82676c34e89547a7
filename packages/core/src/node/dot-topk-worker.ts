/**
 * Ranking worker of {@link dotTopKParallel}: instantiates the blocked kernel over the shared
 * memory, claims blocks of queries from the shared counter and ranks them into the shared output.
 * Not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { BLOCK_ROWS, BlockRanker } from '../dot-topk.js'
import type { RankWorkerInit } from './dot-topk-parallel.js'

const port = parentPort
if (!port) throw new Error('dot-topk worker: must run inside a worker thread')
const d = workerData as RankWorkerInit
try {
  const buffer = d.memory ? d.memory.buffer : d.buffer!
  const ranker = new BlockRanker(d.layout, buffer, d.memory, d.slot)
  const n = d.queries.length
  for (;;) {
    const start = Atomics.add(d.next, 0, 1) * BLOCK_ROWS
    if (start >= n) break
    ranker.rankBlock(d.userFactors, d.userBias, d.queries, start, Math.min(n, start + BLOCK_ROWS), d.exclude, d.outItems, d.outScores)
  }
  port.postMessage({ type: 'done' })
} catch (e) {
  port.postMessage({ type: 'error', error: (e as Error).message })
}
