/**
 * The item2vec epoch body, shared by the main thread and the Hogwild worker threads: turns users'
 * histories into (centre, context) batch slots, asks the sampler for negatives, runs the step
 * kernel per slot.
 */
import { createBatch, createNegativeBuffer, shuffleInPlace } from '@decoy/core'
import { containsSorted, prngBelow, prngFloat } from '@decoy/core/kernels'
import type { Batch, NegativeBuffer, NegativeSampler } from '@decoy/core'
import { hsStep, sgnsStep } from './kernels.js'
import type { SgnsWasmKernel } from './kernels-wasm.js'

/** Hierarchical-softmax paths (see `HuffmanTree`). */
export interface HsPaths {
  codes: Uint8Array
  points: Int32Array
  offsets: Int32Array
}

/** Everything one thread's epoch body reads and writes. Built once per thread. */
export interface Item2VecThread {
  dim: number
  /** Negatives per slot. */
  k: number
  /** Window half-width, or -1 for the whole history. */
  window: number
  shrink: boolean
  /** Reshuffle each subsampled history before windowing (set order, or no times). */
  shuffleSet: boolean
  syn0: Float32Array
  syn1: Float32Array
  /** Training CSR: row pointers, item-sorted rows (exclusion) and time-ordered rows (sentences). */
  indptr: Int32Array
  seenItems: Int32Array
  sentences: Int32Array
  /** Keep probability per item (0 = not in the vocabulary). */
  keep: Float64Array
  sampler: NegativeSampler | null
  /** Mask negatives found in the user's history (the sampler does not exclude positives). */
  maskHistory: boolean
  hs: HsPaths | null
  /** The WebAssembly SIMD kernels over the memory `syn0`/`syn1` live in, or null for the TypeScript ones. */
  wasm: SgnsWasmKernel | null
  alpha: number
  minAlpha: number
  /** Retained sentence positions over the whole run (learning-rate schedule denominator). */
  totalWork: number
  /** Positions processed per thread (shared between threads: the schedule sums them). */
  progress: Float64Array
  /** This thread's slot in `progress`. */
  slot: number
  /** Kernel states: subsampling/set shuffles, shrunk windows. */
  subState: Uint32Array
  winState: Uint32Array
  // Scratch.
  batch: Batch
  centres: Int32Array
  negs: NegativeBuffer | null
  neu1e: Float64Array
  sent: Int32Array
  // Outputs of the last call.
  lr: number
  pairs: number
  negatives: number
  /** Batch slots filled and not yet flushed (carried between calls with `flushTail` false). */
  fill: number
}

/** Options to build an {@link Item2VecThread}. */
export interface ThreadSpec {
  dim: number
  k: number
  window: number
  shrink: boolean
  shuffleSet: boolean
  alpha: number
  minAlpha: number
  totalWork: number
  batchSize: number
  maskHistory: boolean
}

/** Allocates a thread's scratch around shared arrays. @internal */
export function createThread(
  spec: ThreadSpec,
  arrays: {
    syn0: Float32Array
    syn1: Float32Array
    indptr: Int32Array
    seenItems: Int32Array
    sentences: Int32Array
    keep: Float64Array
    progress: Float64Array
  },
  hs: HsPaths | null,
  sampler: NegativeSampler | null,
  slot: number,
  subState: Uint32Array,
  winState: Uint32Array,
  wasm: SgnsWasmKernel | null = null,
): Item2VecThread {
  let maxRow = 0
  const ip = arrays.indptr
  for (let u = 0; u + 1 < ip.length; u++) if (ip[u + 1] - ip[u] > maxRow) maxRow = ip[u + 1] - ip[u]
  return {
    ...spec,
    ...arrays,
    sampler,
    hs,
    wasm,
    slot,
    subState,
    winState,
    batch: createBatch(spec.batchSize),
    centres: new Int32Array(spec.batchSize),
    negs: sampler ? createNegativeBuffer(spec.batchSize, spec.k) : null,
    neu1e: new Float64Array(spec.dim),
    sent: new Int32Array(Math.max(1, maxRow)),
    lr: spec.alpha,
    pairs: 0,
    negatives: 0,
    fill: 0,
  }
}

/**
 * Trains the users `order[from..to)`: subsample each history, window it, fill batch slots
 * `(user, context)` with their centre, flush through the sampler and the step kernel. Resets and
 * then accumulates `t.pairs` / `t.negatives`. With `flushTail` false a partly filled batch is kept
 * for the next call, so consecutive calls over `[a, b)` and `[b, c)` train exactly as one over `[a, c)`.
 * @remarks O(pairs·(k+1)·dim); allocates nothing.
 * @internal
 */
export function trainUsers(t: Item2VecThread, order: Int32Array, from: number, to: number, flushTail = true): void {
  const indptr = t.indptr
  const sentences = t.sentences
  const keep = t.keep
  const sent = t.sent
  const window = t.window
  const shrink = t.shrink
  const batch = t.batch
  const users = batch.users
  const positives = batch.positives
  const centres = t.centres
  const cap = centres.length
  const progress = t.progress
  const nThreads = progress.length
  const slot = t.slot
  const span = t.alpha - t.minAlpha
  t.pairs = 0
  t.negatives = 0
  let fill = t.fill
  for (let r = from; r < to; r++) {
    const u = order[r]
    const s = indptr[u]
    const e = indptr[u + 1]
    let n = 0
    let seen = 0
    for (let j = s; j < e; j++) {
      const it = sentences[j]
      const p = keep[it]
      if (p <= 0) continue
      seen++
      if (p >= 1 || prngFloat(t.subState) < p) sent[n++] = it
    }
    progress[slot] += seen
    if (n < 2) continue
    if (t.shuffleSet && window > 0) shuffleInPlace(sent, n, t.subState)
    let done = 0
    for (let w = 0; w < nThreads; w++) done += progress[w]
    const lr = t.alpha - (span * done) / t.totalWork
    t.lr = lr > t.minAlpha ? lr : t.minAlpha
    for (let i = 0; i < n; i++) {
      let lo = 0
      let hi = n - 1
      if (window > 0) {
        const b = shrink ? 1 + prngBelow(t.winState, window) : window
        lo = i - b > 0 ? i - b : 0
        hi = i + b < n - 1 ? i + b : n - 1
      }
      const c = sent[i]
      for (let j = lo; j <= hi; j++) {
        if (j === i) continue
        centres[fill] = c
        users[fill] = u
        positives[fill] = sent[j]
        fill++
        if (fill === cap) {
          batch.size = fill
          flush(t)
          fill = 0
        }
      }
    }
  }
  if (fill > 0 && flushTail) {
    batch.size = fill
    flush(t)
    fill = 0
  }
  t.fill = fill
}

/** One sampler call and one step kernel per live slot. @internal */
function flush(t: Item2VecThread): void {
  const batch = t.batch
  const size = batch.size
  const dim = t.dim
  const syn0 = t.syn0
  const syn1 = t.syn1
  const neu1e = t.neu1e
  const lr = t.lr
  const centres = t.centres
  const positives = batch.positives
  if (t.negs !== null) {
    const negs = t.negs
    t.sampler!.sample(batch, negs)
    const k = t.k
    const nItems = negs.items
    if (t.maskHistory) {
      const users = batch.users
      const ip = t.indptr
      const seen = t.seenItems
      for (let s = 0; s < size; s++) {
        const u = users[s]
        for (let d = s * k; d < s * k + k; d++) if (nItems[d] >= 0 && containsSorted(seen, ip[u], ip[u + 1], nItems[d])) nItems[d] = -1
      }
    }
    let used = 0
    if (t.wasm !== null) used = t.wasm.sgns(centres, positives, nItems, size, lr)
    else for (let s = 0; s < size; s++) used += sgnsStep(syn0, syn1, dim, centres[s], positives[s], nItems, s * k, k, lr, neu1e)
    t.negatives += used
  } else if (t.wasm !== null) {
    t.wasm.hs(centres, positives, size, lr)
  } else {
    const hs = t.hs!
    const codes = hs.codes
    const points = hs.points
    const offsets = hs.offsets
    for (let s = 0; s < size; s++) hsStep(syn0, syn1, dim, centres[s], positives[s], codes, points, offsets, lr, neu1e)
  }
  t.pairs += size
}
