/**
 * One thread of the two-core ceiling (see two-cores.ts): runs item2vec's WebAssembly SGNS kernel
 * on its own parameters and pre-drawn pairs for the requested milliseconds, and reports the pairs.
 */
import { parentPort, workerData } from 'node:worker_threads'
import { createRng } from '@decoy/core'
import { aliasBuild, aliasDraw, prngFloat } from '@decoy/core/kernels'
import { createSgnsLayout, layoutArrays, SgnsWasmKernel } from '@decoy/models/kernels'

const { items, dim, k, seed } = workerData as { items: number; dim: number; k: number; seed: string }
const B = 2048
const P = 1 << 16
const state = createRng(seed).state
const draw = (power: number): (() => number) => {
  const w = new Float64Array(items)
  for (let i = 0; i < items; i++) w[i] = 1 / (i + 1) ** power
  const prob = new Float64Array(items)
  const alias = new Int32Array(items)
  aliasBuild(w, items, prob, alias, new Int32Array(items))
  return () => aliasDraw(prob, alias, items, state)
}
// Zipf(1) centres and contexts, unigram^0.75 negatives: the shape of bench/item2vec.ts.
const zipf = draw(1)
const noise = draw(0.75)
const centres = new Int32Array(P)
const contexts = new Int32Array(P)
const negatives = new Int32Array(P * k)
for (let s = 0; s < P; s++) {
  centres[s] = zipf()
  contexts[s] = zipf()
}
for (let j = 0; j < negatives.length; j++) negatives[j] = noise()
const layout = createSgnsLayout({
  dim,
  k,
  batchSize: B,
  syn0Length: items * dim,
  syn1Length: items * dim,
  threads: 1,
  shared: false,
  hs: null,
})!
const { syn0 } = layoutArrays(layout)
for (let j = 0; j < syn0.length; j++) syn0[j] = (prngFloat(state) - 0.5) / dim
const kernel = new SgnsWasmKernel(layout, 0)

let at = 0
parentPort!.on('message', (ms: number) => {
  const t0 = performance.now()
  let pairs = 0
  do {
    kernel.sgns(centres.subarray(at, at + B), contexts.subarray(at, at + B), negatives.subarray(at * k, (at + B) * k), B, 0.025)
    pairs += B
    at = (at + B) % P
  } while (performance.now() - t0 < ms)
  parentPort!.postMessage({ pairs, seconds: (performance.now() - t0) / 1000 })
})
parentPort!.postMessage('ready')
