/**
 * item2vec Hogwild worker: rebuilds its sampler from the config, then trains the user shards the
 * main thread assigns with the same epoch body as the single-thread path. Spawned by
 * `runItem2VecParallel`; not an entry point for users.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createRng, identityIds } from '@decoy/core'
import type { FactorView, Interactions, NegativeSampler, SamplerConfig } from '@decoy/core'
import type { Item2VecWorkerData } from './parallel.js'
import { createThread, trainUsers, type Item2VecThread } from './train.js'
import { SgnsWasmKernel } from './kernels-wasm.js'

const port = parentPort
if (!port) throw new Error('item2vec worker: must run inside a worker thread')

async function setup(d: Item2VecWorkerData): Promise<{ thread: Item2VecThread; sampler: NegativeSampler | null }> {
  const root = createRng(d.seed)
  let sampler: NegativeSampler | null = null
  if (d.samplerConfig !== null) {
    let mod: { createSampler(config: SamplerConfig): NegativeSampler }
    try {
      mod = (await import(d.samplerModule)) as typeof mod
    } catch (e) {
      throw new Error(`cannot import the sampler registry ${JSON.stringify(d.samplerModule)}: ${(e as Error).message}`)
    }
    try {
      sampler = mod.createSampler(d.samplerConfig as SamplerConfig)
    } catch (e) {
      throw new Error(
        `cannot rebuild the sampler from its config ${JSON.stringify(d.samplerConfig)} (custom samplers need workers: 1): ${(e as Error).message}`,
      )
    }
    const train: Interactions = {
      numUsers: d.numUsers,
      numItems: d.numItems,
      indptr: d.indptr,
      items: d.seenItems,
      userIds: identityIds(d.numUsers),
      itemIds: identityIds(d.numItems),
    }
    const dim = d.spec.dim
    const uf = d.userFactors
    const syn1 = d.syn1
    const view: FactorView = {
      dim,
      userFactors: uf,
      itemFactors: syn1,
      scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
        const uo = user * dim
        for (let j = 0; j < count; j++) {
          const io = items[j] * dim
          let s = 0
          for (let f = 0; f < dim; f++) s += uf[uo + f] * syn1[io + f]
          out[j] = s
        }
      },
    }
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

const data = workerData as Item2VecWorkerData
const ready = setup(data)
// Setup errors are reported on the first request, so the main thread sees them as a rejection.
ready.catch(() => undefined)

port.on('message', (m: { type: string; epoch?: number; end?: number; chunk?: number }) => {
  ready
    .then(({ thread, sampler }) => {
      if (m.type === 'ready') port.postMessage({ type: 'ready' })
      else if (m.type === 'epoch') {
        const t0 = performance.now()
        const { end, chunk } = m as { end: number; chunk: number }
        let pairs = 0
        let negatives = 0
        // Claim chunks of the epoch's order until none is left (see runItem2VecParallel).
        for (let start = Atomics.add(data.cursor, 0, chunk); start < end; start = Atomics.add(data.cursor, 0, chunk)) {
          trainUsers(thread, data.order, start, Math.min(end, start + chunk))
          pairs += thread.pairs
          negatives += thread.negatives
        }
        thread.wasm?.merge()
        const seconds = (performance.now() - t0) / 1000
        sampler?.onEpochEnd?.(m.epoch!)
        port.postMessage({ type: 'done', pairs, negatives, lr: thread.lr, seconds })
      }
    })
    .catch((e: Error) => port.postMessage({ type: 'error', error: e.message }))
})
