/**
 * The body of an item2vec Hogwild worker, whatever the platform: rebuilds its sampler from the
 * config, then trains the user chunks it claims with the same epoch body as the single-thread
 * path. Node's `worker.ts` and the browser's `train-worker.ts` only carry its messages.
 */
import { createRng, identityIds } from '@decoy/core'
import type { Interactions, NegativeSampler } from '@decoy/core'
import { rebuildSampler } from '../train/shard-worker.js'
import type { SamplerImporter } from '../train/threads.js'
import type { Item2VecWorkerData } from './threads.js'
import { createThread, trainUsers, type Item2VecThread } from './train.js'
import { SgnsWasmKernel } from './kernels-wasm.js'
import { createDotScorer } from '../dot-scorer.js'

/** No item biases in item2vec's training view. */
const EMPTY_BIAS = new Float32Array(0)

/** Requests an item2vec worker answers, one reply each (`{ type: 'error', error }` on failure). */
export type Item2VecRequest = { type: 'ready' } | { type: 'epoch'; epoch: number; end: number; chunk: number }

async function setup(
  d: Item2VecWorkerData,
  importSampler: SamplerImporter,
): Promise<{ thread: Item2VecThread; sampler: NegativeSampler | null }> {
  const root = createRng(d.seed)
  let sampler: NegativeSampler | null = null
  if (d.samplerConfig !== null) {
    sampler = await rebuildSampler(importSampler, d.samplerModule, d.samplerConfig)
    const train: Interactions = {
      numUsers: d.numUsers,
      numItems: d.numItems,
      indptr: d.indptr,
      items: d.seenItems,
      userIds: identityIds(d.numUsers),
      itemIds: identityIds(d.numItems),
    }
    // A user's mean context dotted with the output vectors, as in the single-thread fit.
    const view = createDotScorer(d.userFactors, d.syn1, EMPTY_BIAS, d.spec.dim, 0)
    sampler.prepare({ train, rng: root.fork('sampler').fork('w' + d.index), scorer: view })
  }
  const thread = createThread(
    d.spec,
    { syn0: d.syn0, syn1: d.syn1, indptr: d.indptr, seenItems: d.seenItems, sentences: d.sentences, keep: d.keep, progress: d.progress },
    d.hs,
    sampler,
    d.index,
    root.fork('subsample').fork('w' + d.index).state,
    root.fork('window').fork('w' + d.index).state,
    d.wasm ? new SgnsWasmKernel(d.wasm, d.index) : null,
  )
  return { thread, sampler }
}

/**
 * Starts an item2vec worker's body on `data`; returns the request handler, whose promise resolves
 * with the reply to post (`{ type: 'error', error }` when setup or the request failed).
 */
export function item2vecWorker(data: Item2VecWorkerData, importSampler: SamplerImporter): (m: Item2VecRequest) => Promise<unknown> {
  const ready = setup(data, importSampler)
  // Setup errors are reported on the first request, so the main thread sees them as a rejection.
  ready.catch(() => undefined)
  return (m) =>
    ready
      .then(({ thread, sampler }) => {
        if (m.type === 'ready') return { type: 'ready' }
        if (m.type !== 'epoch') return { type: 'error', error: `unknown request ${JSON.stringify((m as { type: unknown }).type)}` }
        const t0 = performance.now()
        const { end, chunk } = m
        let pairs = 0
        let negatives = 0
        // Claim chunks of the epoch's order until none is left (see runItem2VecParallelWith).
        for (let start = Atomics.add(data.cursor, 0, chunk); start < end; start = Atomics.add(data.cursor, 0, chunk)) {
          trainUsers(thread, data.order, start, Math.min(end, start + chunk))
          pairs += thread.pairs
          negatives += thread.negatives
        }
        thread.wasm?.merge()
        const seconds = (performance.now() - t0) / 1000
        sampler?.onEpochEnd?.(m.epoch)
        return { type: 'done', pairs, negatives, lr: thread.lr, seconds }
      })
      .catch((e: Error) => ({ type: 'error', error: e.message }))
}
