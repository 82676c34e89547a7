/**
 * item2vec: skip-gram over user histories, with negatives from any Decoy sampler or a
 * hierarchical softmax.
 */
import { checkAllocation, createRng, dotScoreVector, dotTopK, itemCounts, shuffleInPlace } from '@decoy/core'
import { gemv, prngFloat, selectTopK } from '@decoy/core/kernels'
import type { DotFactors, FactorView, IdMap, Interactions, Scorer, TopK } from '@decoy/core'
import { selfRows } from '../similar.js'
import { buildHuffman } from './huffman.js'
import type { HuffmanTree } from './huffman.js'
import { createThread, trainUsers } from './train.js'
import type { HsPaths, ThreadSpec } from './train.js'
import { keepProbabilities } from './subsample.js'
import { SgnsWasmKernel, createSgnsLayout, layoutArrays, wasmSimdSupported } from './kernels-wasm.js'
import type { SgnsLayout, SgnsPrivateRows } from './kernels-wasm.js'
import { MODELS_VERSION, decodeModel, encodeModel, idMapFromJson, idMapToJson } from '../persist/format.js'
import type { Model } from '../model.js'
import { validateOptions, type OptionSchema } from '../schema.js'
import { createEpochTracker } from '../train/stopping.js'
import { createPacer } from '../train/pacer.js'
import { parallelRunners } from '../train/fit.js'
import { threadHost } from '../train/threads.js'
import type { CommonFitOptions, EpochStats, FitResult } from '../train/types.js'
import { chooseKernel } from '../wasm/backend.js'
import type { ModelHeader, StoredArray } from '../persist/format.js'
import { createDotScorer } from '../dot-scorer.js'

/** No item biases in item2vec's training view. */
const EMPTY_BIAS = new Float32Array(0)

// Variables, so that bundlers do not follow them into Node-only modules.
const CORE_NODE = '@decoy/core/node'
const FS_PROMISES = 'node:fs/promises'
/** Memory of private rows per worker by default (see `Item2VecFitOptions.privateRows`). */
const PRIVATE_BYTES = 16 * 1024 * 1024
/** Users per step when `fit` reports progress or yields (one MovieLens user block ≈ a few ms). */
const USER_BLOCK = 16
/** Steps of an epoch in progress reports with workers ≥ 2 (percent of the epoch's positions). */
const PARALLEL_STEPS = 100

/** Hyper-parameters of {@link item2vec}. Every field is JSON and is saved with the model. */
export interface Item2VecOptions {
  /** Embedding dimension (default 64). */
  dim?: number
  /**
   * Context window in sentence positions, or `'all'`: every other item of the user's history is a
   * context (item2vec's set window). Default {@link ITEM2VEC_DEFAULTS}.window.
   */
  window?: number | 'all'
  /**
   * Sentence order: `'time'` sorts each user's items by `Interactions.times` (ties by item id;
   * uses the 'set' behaviour when the log has no times); `'set'` treats the history as a set and
   * reshuffles it every epoch, so an integer window sees random co-members. Default `'time'`.
   */
  order?: 'time' | 'set'
  /** word2vec's reduced window: each centre draws its window uniformly from 1..window (default false). */
  shrinkWindows?: boolean
  /** Subsampling threshold `s` of word2vec (default 1e-3; 0 disables). See {@link keepProbabilities}. */
  sample?: number
  /** Items seen by fewer users are left out of sentences and get no vector (default 1). */
  minCount?: number
  /** Output layer: `'ns'` negative sampling through the fit's sampler, `'hs'` hierarchical softmax. */
  output?: 'ns' | 'hs'
  /** Negatives per (centre, context) pair for `'ns'` (default 5). */
  negatives?: number
  /** Initial learning rate (word2vec default 0.025). */
  alpha?: number
  /** Final learning rate, reached linearly at the end of the last epoch (default 1e-4). */
  minAlpha?: number
  /**
   * Mask negatives that belong to the user's training history when the sampler itself does not
   * exclude positives (`config.excludePositives === false`). The centre and the context item are
   * always skipped. Default true.
   */
  excludeHistory?: boolean
  /** How a user vector is built from the history: plain `'mean'` or `'recency'`-weighted (default `'mean'`). */
  userVector?: 'mean' | 'recency'
  /** Half-life in items for `'recency'`: the k-th most recent item weighs 2^(−k/halfLife) (default 20). */
  halfLife?: number
  /**
   * Recommendation score: `'in-in'` (cosine between the user's mean normalised input vector and each
   * item's input vector, the item2vec paper's similarity) or `'in-out'`, the model's own output
   * layer applied to the user's mean input vector u: with `output: 'ns'` the SGNS logit u·v′_j
   * (the logits summed over the history, up to the 1/n), with `output: 'hs'` the log-probability
   * of j under the hierarchical softmax, Σ over j's Huffman path of log σ(±u·v′_p).
   */
  scoring?: 'in-in' | 'in-out'
  /**
   * `similarItems` only returns items that at least this many training users hold (default 5).
   * A rarely seen item's vector is mostly its random init, yet cosine ignores its shortness, so
   * without a floor one-rating films crowd the neighbour lists. Query items may be any trained item.
   */
  similarMinCount?: number
}

/** The option schema of {@link item2vec} (validation, CLI flags, experiment configs). */
export const item2vecOptionSchema: OptionSchema = Object.freeze({
  dim: { type: 'int', min: 1, doc: 'embedding dimension', defaultText: '64', aliases: ['factors'] },
  window: { type: 'int|all', min: 1, doc: 'context window, or all (every pair of a history)', defaultText: '10' },
  order: { type: 'string', values: ['time', 'set'], doc: 'sentence order: time|set', defaultText: 'time' },
  shrinkWindows: { type: 'boolean', doc: "word2vec's reduced window", defaultText: 'false' },
  sample: { type: 'number', min: 0, doc: 'frequent-item subsampling threshold (0 = off)', defaultText: '1e-3' },
  minCount: { type: 'int', min: 0, doc: 'items seen by fewer users get no vector', defaultText: '1' },
  output: { type: 'string', values: ['ns', 'hs'], doc: 'negative sampling or hierarchical softmax', defaultText: 'ns' },
  negatives: { type: 'int', min: 1, doc: 'negatives per (centre, context) pair', defaultText: '5' },
  alpha: {
    type: 'number',
    min: 0,
    exclusiveMin: true,
    doc: 'initial learning rate',
    defaultText: '0.025',
    flag: 'lr',
    aliases: ['learningRate'],
  },
  minAlpha: { type: 'number', min: 0, doc: 'final learning rate', defaultText: '1e-4' },
  excludeHistory: { type: 'boolean', doc: "mask negatives in the user's history", defaultText: 'true' },
  userVector: { type: 'string', values: ['mean', 'recency'], doc: 'user vector: mean|recency', defaultText: 'mean' },
  halfLife: { type: 'number', min: 0, exclusiveMin: true, doc: "half-life in items of 'recency'", defaultText: '20' },
  scoring: { type: 'string', values: ['in-in', 'in-out'], doc: 'recommendation score: in-in|in-out', defaultText: 'in-out' },
  similarMinCount: { type: 'int', min: 0, doc: 'similarItems only returns items held by this many users', defaultText: '5' },
})

/** `fit` options of item2vec besides the common ones (see {@link Item2VecFitOptions}). */
export const item2vecFitOptionSchema: OptionSchema = Object.freeze({
  privateRows: { type: 'int', min: 0, doc: 'with workers ≥ 2: rows each worker trains on a private copy of' },
})

/** Defaults of {@link Item2VecOptions}, chosen on ml-latest-small (see the item2vec README). */
export const ITEM2VEC_DEFAULTS: Readonly<Required<Item2VecOptions>> = Object.freeze({
  dim: 64,
  window: 10 as number | 'all',
  order: 'time' as const,
  shrinkWindows: false,
  sample: 1e-3,
  minCount: 1,
  output: 'ns' as const,
  negatives: 5,
  alpha: 0.025,
  minAlpha: 1e-4,
  excludeHistory: true,
  userVector: 'mean' as const,
  halfLife: 20,
  scoring: 'in-out' as const,
  similarMinCount: 5,
})

/**
 * Options of {@link Item2Vec.fit}: the common ones (`sampler` — required for `output: 'ns'`,
 * ignored for `'hs'` —, `seed`, `epochs` (default 20: on ml-latest-small NDCG@10 still rises from
 * 10 to 20 epochs), `batchSize` in pairs per sampler call (default 2048), `workers`, `kernel`,
 * `validation` + `evaluateFn` + `earlyStopping`, `onEpoch`, `samplerModule`) and `privateRows`.
 *
 * `workers` ≥ 2 trains Hogwild in Node worker threads (`@decoy/models/node`): they claim chunks of
 * the epoch's user order as they go, each with its own sampler rebuilt from `sampler.config` and
 * the stream `<seed>/fit/sampler/w<w>`; results then vary run to run. `workers: 1` is
 * bit-identical for a seed. `kernel: 'wasm'` runs WebAssembly SIMD (float32, ≈ 5× the TypeScript
 * kernels at dim 64); `'auto'` picks it when the engine supports WebAssembly SIMD and `dim` is a
 * multiple of 4.
 */
export interface Item2VecFitOptions extends CommonFitOptions {
  /**
   * With `workers` ≥ 2 and the WebAssembly kernels: how many rows of each matrix (the most
   * frequent items' input and output vectors; with hierarchical softmax the heaviest inner nodes)
   * every worker trains on a private copy of, merging its change into the shared parameters
   * every max(16, 4·rows / batchSize) batches. 0 is plain Hogwild, every row shared. Default:
   * every row, up to 16 MiB of private copies per worker (16,384 rows at dim 64; rarer rows stay
   * shared). On two cores this took `fit` from 1.6× to 2.1× one worker; see `SgnsPrivateRows`.
   */
  privateRows?: number
}

/** What the main thread hands to the worker-thread runner (arrays over SharedArrayBuffers). */
export interface Item2VecParallelInit {
  workers: number
  epochs: number
  /** Seed path of the fit (`<seed>/fit`); workers fork `sampler/w<w>`, `subsample/w<w>`, `window/w<w>`. */
  seed: string
  spec: ThreadSpec
  numUsers: number
  numItems: number
  syn0: Float32Array
  syn1: Float32Array
  userFactors: Float32Array
  indptr: Int32Array
  seenItems: Int32Array
  sentences: Int32Array
  keep: Float64Array
  hs: HsPaths | null
  /** The WebAssembly kernels' shared memory layout (`syn0`/`syn1` are views of it), or null. */
  wasm: SgnsLayout | null
  samplerConfig: unknown
  samplerModule: string
}

/** `runItem2VecParallel` of `@decoy/models/node`, loaded on demand. */
export type Item2VecParallelRunner = (
  init: Item2VecParallelInit,
  afterEpoch: (epoch: number, pairs: number, negatives: number, lr: number, seconds: number, workerSeconds: number[]) => boolean,
  during?: (positions: number) => void,
) => Promise<void>

/** The saved state of an item2vec model (everything {@link Item2Vec.fromState} needs). */
export interface Item2VecState {
  /** Resolved hyper-parameters. */
  options: Required<Item2VecOptions>
  /** Seed of the fit that produced the vectors. */
  seed: string
  /** Epochs trained. */
  epochs: number
  /** Sampler configuration used (null for hierarchical softmax). */
  samplerConfig: unknown
  numUsers: number
  numItems: number
  /** `[numItems * dim]` input vectors (zero rows for items without a vector). */
  syn0: Float32Array
  /** Output vectors: `[numItems * dim]` for `'ns'`, `[numInner * dim]` inner nodes for `'hs'`. */
  syn1: Float32Array
  /** `[numItems]` occurrences per item in the training log. */
  counts: Int32Array
  /** `[numUsers * dim]` user vectors used by `recommend`/`scoreAll`. */
  userFactors: Float32Array
  /** Training histories (CSR) masked by `recommend({ excludeSeen })`. */
  seenIndptr: Int32Array
  seenItems: Int32Array
  userIds: IdMap
  itemIds: IdMap
}

/**
 * Creates an untrained item2vec model.
 *
 * @param opts - hyper-parameters; omitted ones take {@link ITEM2VEC_DEFAULTS}.
 * @returns a model to `fit`.
 * @example
 * ```ts
 * const model = item2vec({ dim: 64, window: 10 })
 * await model.fit(train, { sampler: popularitySampler({ alpha: 0.75 }), epochs: 5, seed: 42 })
 * const top = model.recommend(Int32Array.of(0), 10)
 * const similar = model.similarItems(Int32Array.of(train.itemIds.get(1)), 10)
 * ```
 * @see Barkan & Koenigstein, "Item2Vec: Neural Item Embedding for Collaborative Filtering" (2016).
 * @see Caselles-Dupré, Lesaint & Royo-Letelier, "Word2vec applied to recommendation: hyperparameters matter" (RecSys 2018).
 */
export function item2vec(opts: Item2VecOptions = {}): Item2Vec {
  return new Item2Vec(resolveOptions(opts))
}

/** Validates and completes options (throws naming the field). @internal */
export function resolveOptions(opts: Item2VecOptions): Required<Item2VecOptions> {
  const o = {
    ...ITEM2VEC_DEFAULTS,
    ...validateOptions(item2vecOptionSchema, opts as Record<string, unknown>, 'item2vec'),
  } as Required<Item2VecOptions>
  const posInt = (name: string, v: unknown): void => {
    if (!(typeof v === 'number' && Number.isInteger(v) && v > 0))
      throw new Error(`item2vec: ${name} must be a positive integer, got ${String(v)}`)
  }
  posInt('dim', o.dim)
  if (o.window !== 'all') posInt('window', o.window)
  posInt('negatives', o.negatives)
  if (o.order !== 'time' && o.order !== 'set') throw new Error(`item2vec: order must be 'time' or 'set', got ${String(o.order)}`)
  if (o.output !== 'ns' && o.output !== 'hs') throw new Error(`item2vec: output must be 'ns' or 'hs', got ${String(o.output)}`)
  if (o.userVector !== 'mean' && o.userVector !== 'recency')
    throw new Error(`item2vec: userVector must be 'mean' or 'recency', got ${String(o.userVector)}`)
  if (o.scoring !== 'in-in' && o.scoring !== 'in-out')
    throw new Error(`item2vec: scoring must be 'in-in' or 'in-out', got ${String(o.scoring)}`)
  if (!(o.sample >= 0 && Number.isFinite(o.sample))) throw new Error(`item2vec: sample must be >= 0, got ${o.sample}`)
  if (!(Number.isInteger(o.minCount) && o.minCount >= 0)) throw new Error(`item2vec: minCount must be an integer >= 0, got ${o.minCount}`)
  if (!(o.alpha > 0 && Number.isFinite(o.alpha))) throw new Error(`item2vec: alpha must be > 0, got ${o.alpha}`)
  if (!(o.minAlpha >= 0 && o.minAlpha <= o.alpha)) throw new Error(`item2vec: minAlpha must be in [0, alpha], got ${o.minAlpha}`)
  if (!(Number.isInteger(o.similarMinCount) && o.similarMinCount >= 0))
    throw new Error(`item2vec: similarMinCount must be an integer >= 0, got ${o.similarMinCount}`)
  if (!(o.halfLife > 0)) throw new Error(`item2vec: halfLife must be > 0, got ${o.halfLife}`)
  if (typeof o.shrinkWindows !== 'boolean') throw new Error('item2vec: shrinkWindows must be a boolean')
  if (typeof o.excludeHistory !== 'boolean') throw new Error('item2vec: excludeHistory must be a boolean')
  return o
}

/**
 * Each user's items in sentence order: by time (ties by item id) when `times` exist and `order`
 * is `'time'`, else the CSR's item order.
 * @returns an `Int32Array` aligned with `x.indptr` (same row boundaries as `x.items`).
 * @remarks O(nnz log row); allocates the output and one index scratch of the longest row.
 */
export function sentencesByTime(x: Interactions, order: 'time' | 'set' = 'time'): Int32Array {
  const out = x.items.slice()
  const times = x.times
  if (order !== 'time' || !times) return out
  let maxRow = 0
  for (let u = 0; u < x.numUsers; u++) maxRow = Math.max(maxRow, x.indptr[u + 1] - x.indptr[u])
  const idx = new Int32Array(maxRow)
  for (let u = 0; u < x.numUsers; u++) {
    const s = x.indptr[u]
    const n = x.indptr[u + 1] - s
    for (let j = 0; j < n; j++) idx[j] = s + j
    // Rows are item-sorted, so index order breaks time ties by item id.
    idx.subarray(0, n).sort((a, b) => times[a] - times[b] || a - b)
    for (let j = 0; j < n; j++) out[s + j] = x.items[idx[j]]
  }
  return out
}

/**
 * A fitted (or to-be-fitted) item2vec model: {@link @decoy/core!index.Recommender | Recommender} over user histories, with
 * cosine `similarItems` and word2vec text export.
 */
export class Item2Vec implements Model {
  /** Registry key of the family. */
  readonly kind = 'item2vec'
  /** Resolved hyper-parameters. */
  readonly options: Required<Item2VecOptions>
  /** Summary of the last `fit` (null before). */
  lastFit: FitResult | null = null
  private st: Item2VecState | null = null
  private itemNorm: Float32Array | null = null
  private itemFactors: Float32Array | null = null
  private trained: Uint8Array | null = null
  /** 0 for items with a vector, -Infinity for the rest: the item bias of `factors()`. */
  private itemMask: Float32Array | null = null
  private scratch: Float32Array | null = null
  /** Huffman paths for `output: 'hs'` with `'in-out'` scoring (rebuilt from the counts). */
  private tree: HuffmanTree | null = null
  /** Per inner node u·v′_p of the user being scored (`'hs'`, `'in-out'`). */
  private nodeScores: Float32Array | null = null
  /** Installs the vectors of the epoch being reported, on first query during `fit`. */
  private pending: (() => void) | null = null

  /** Use {@link item2vec} to create one. */
  constructor(options: Required<Item2VecOptions>) {
    this.options = options
  }

  /** Rebuilds a fitted model from a saved state (see `saveItem2Vec` / `loadItem2Vec`). */
  static fromState(state: Item2VecState): Item2Vec {
    const m = new Item2Vec(resolveOptions(state.options))
    m.install(state)
    return m
  }

  /** The fitted state (parameters, id maps, options); throws before `fit`. */
  state(): Item2VecState {
    return this.need()
  }

  /** Resolved hyper-parameters (the same object as `options`; the `Model` contract's name). */
  get config(): Readonly<Required<Item2VecOptions>> {
    return this.options
  }

  /** User id map of the training data. */
  get userIds(): IdMap {
    return this.need().userIds
  }

  /** Item id map of the training data. */
  get itemIds(): IdMap {
    return this.need().itemIds
  }

  /** Number of items it can score. */
  get numItems(): number {
    return this.need().numItems
  }

  /** Embedding dimension. */
  get dim(): number {
    return this.options.dim
  }

  /** `[numItems * dim]` input vectors (the item embeddings); a live view. */
  get itemVectors(): Float32Array {
    return this.need().syn0
  }

  /** True when item `i` was trained (count ≥ minCount); untrained items have zero vectors. */
  hasVector(item: number): boolean {
    this.need()
    return this.trained![item] === 1
  }

  /**
   * Trains the embeddings on the users' histories in `train`.
   *
   * Per epoch: users in a seeded random order; each history is subsampled (word2vec's rule),
   * ordered (time or shuffled set), and every (centre, context) pair inside the window becomes a
   * batch slot `(user, context)`; the sampler draws `negatives` per slot, then {@link @decoy/models!kernels.sgnsStep | sgnsStep}
   * (or {@link @decoy/models!kernels.hsStep | hsStep}) runs per slot. The learning rate falls linearly from `alpha` to
   * `minAlpha` with the share of sentence positions processed over all epochs, as in word2vec
   * (summed over threads when `workers` ≥ 2).
   *
   * @param train - training interactions (their `times` order the sentences).
   * After each epoch the shared bookkeeping runs: `validation` through `evaluateFn` (the model is
   * queryable then: its user vectors are rebuilt), early stopping (restoring the best epoch's
   * vectors), and `onEpoch`, whose `false` stops training. Epoch statistics count (centre,
   * context) pairs as `slots` and negatives as `updates`; item2vec computes no loss (NaN).
   *
   * @param train - training interactions (their `times` order the sentences).
   * @param opts - sampler, seed, epochs and the other common `fit` options.
   * @returns per-epoch statistics and throughput (one `FitResult`, as every model).
   * @remarks Allocates the parameters and batch buffers once; the epoch loop allocates nothing.
   */
  async fit(train: Interactions, opts: Item2VecFitOptions): Promise<FitResult> {
    const o = this.options
    if (opts == null || opts.seed === undefined || opts.seed === null)
      throw new Error('item2vec.fit: a seed is required: fit(train, { sampler, seed })')
    const epochs = opts.epochs ?? 20
    if (!(Number.isInteger(epochs) && epochs > 0)) throw new Error(`item2vec.fit: epochs must be a positive integer, got ${epochs}`)
    const batchSize = opts.batchSize ?? 2048
    if (!(Number.isInteger(batchSize) && batchSize > 0))
      throw new Error(`item2vec.fit: batchSize must be a positive integer, got ${batchSize}`)
    const workers = opts.workers ?? 1
    if (!(Number.isInteger(workers) && workers > 0)) throw new Error(`item2vec.fit: workers must be a positive integer, got ${workers}`)
    if (o.output === 'ns' && !opts.sampler)
      throw new Error("item2vec.fit: output 'ns' needs a sampler (e.g. popularitySampler({ alpha: 0.75 }))")
    const { numUsers, numItems, indptr } = train
    if (numItems <= 0) throw new Error('item2vec.fit: no items')
    if (o.userVector === 'recency' && !train.times) throw new Error("item2vec.fit: userVector 'recency' needs Interactions.times")
    const dim = o.dim
    // syn0 and syn1 (plus private copies per worker), before anything is allocated.
    checkAllocation(
      `item2vec with dim ${dim} on ${numItems} items`,
      [
        { what: 'the input and output vectors', elements: 2 * numItems * dim, bytesPer: 4 },
        { what: 'the negative buffer', elements: batchSize * o.negatives, bytesPer: 8 },
      ],
      'lower the dimension (--factors) or the batch size',
    )
    const rng = createRng(opts.seed).fork('fit')
    const counts = itemCounts(train)
    const keep = keepProbabilities(counts, numItems, o.sample, o.minCount)
    const sentences = sentencesByTime(train, o.order)
    const parallel = workers >= 2
    // Before anything is allocated in shared memory: the same clear error as every model.
    if (parallel) threadHost('item2vec.fit', workers)
    // Four copies per row (private and as-of-last-merge, syn0 and syn1) of dim float32s.
    const privateRows = opts.privateRows ?? Math.min(numItems, Math.floor(PRIVATE_BYTES / (16 * o.dim)))
    if (!(Number.isInteger(privateRows) && privateRows >= 0))
      throw new Error(`item2vec.fit: privateRows must be a non-negative integer, got ${opts.privateRows}`)
    // Worker threads share the parameters and the schedule's progress counters.
    const f32 = (n: number): Float32Array => (parallel ? new Float32Array(new SharedArrayBuffer(n * 4)) : new Float32Array(n))

    const tree = o.output === 'hs' ? buildHuffman(counts, numItems, o.minCount) : null
    const hs: HsPaths | null = tree ? { codes: tree.codes, points: tree.points, offsets: tree.offsets } : null
    const syn1Length = (tree ? Math.max(1, tree.numInner) : numItems) * dim
    // The one backend choice: the WebAssembly kernels update the parameters in their own memory,
    // so syn0/syn1 live there when they run.
    const { layout } = chooseKernel<SgnsLayout>(opts.kernel, 'item2vec.fit', {
      covers: true,
      supported: wasmSimdSupported,
      layout: () => {
        const privateSet =
          parallel && privateRows > 0 ? rowsToPrivatise(counts, keep, numItems, tree ? tree.numInner : -1, privateRows, batchSize) : null
        return createSgnsLayout({
          dim,
          k: o.negatives,
          batchSize,
          syn0Length: numItems * dim,
          syn1Length,
          threads: workers,
          shared: parallel,
          hs,
          privateRows: privateSet,
        })
      },
      needs: `WebAssembly SIMD, dim a multiple of 4 (got ${dim}) and parameters under 4 GiB`,
    })
    const arrays = layout ? layoutArrays(layout) : { syn0: f32(numItems * dim), syn1: f32(syn1Length) }
    const syn0 = arrays.syn0
    const syn1 = arrays.syn1

    // word2vec init: input vectors uniform in ±0.5/dim, output vectors zero.
    const initState = rng.fork('init').state
    for (let i = 0; i < numItems; i++) {
      if (keep[i] === 0) continue
      for (let f = 0; f < dim; f++) syn0[i * dim + f] = (prngFloat(initState) - 0.5) / dim
    }
    const userFactors = f32(numUsers * dim)
    const sampler = o.output === 'ns' ? opts.sampler! : null
    const times = train.times ?? null
    const refreshUsers = sampler !== null && sampler.requires.scorer
    // Model-aware samplers score a user's mean context against the output vectors.
    const trainView = createDotScorer(userFactors, syn1, EMPTY_BIAS, dim, 0)
    // Samplers that score negatives see (user profile at the last epoch end) · (live output vectors).
    if (refreshUsers) computeUserVectors(syn0, dim, sentences, indptr, numUsers, times, o, userFactors)

    // Work units for the learning-rate schedule: retained sentence positions over all epochs.
    let tokensPerEpoch = 0
    for (let j = 0; j < sentences.length; j++) if (keep[sentences[j]] > 0) tokensPerEpoch++
    const spec: ThreadSpec = {
      dim,
      k: o.negatives,
      window: o.window === 'all' ? -1 : o.window,
      shrink: o.shrinkWindows,
      shuffleSet: o.order === 'set' || !times,
      alpha: o.alpha,
      minAlpha: o.minAlpha,
      totalWork: Math.max(1, tokensPerEpoch * epochs),
      batchSize,
      maskHistory: sampler !== null && o.excludeHistory && sampler.config.excludePositives === false,
    }
    const state = (): Item2VecState => ({
      options: o,
      seed: String(opts.seed),
      epochs,
      samplerConfig: sampler ? sampler.config : null,
      numUsers,
      numItems,
      syn0,
      syn1,
      counts,
      userFactors,
      seenIndptr: indptr,
      seenItems: train.items,
      userIds: train.userIds,
      itemIds: train.itemIds,
    })
    let usersFresh = false
    const tracker = createEpochTracker(
      {
        model: this,
        arrays: () => ({ syn0, syn1 }),
        paramNames: ['syn0', 'syn1'],
        // Validation and `onEpoch` may query the model: on first use it gets the vectors trained
        // so far (lazily, so a progress callback costs nothing).
        beforeReport: () => {
          const fresh = usersFresh
          this.pending = () => {
            if (!fresh) computeUserVectors(syn0, dim, sentences, indptr, numUsers, times, o, userFactors)
            this.install(state())
          }
        },
      },
      train,
      opts,
      epochs,
    )
    const afterEpoch = (
      epoch: number,
      pairs: number,
      negatives: number,
      lr: number,
      seconds: number,
      workerSeconds?: number[],
    ): boolean => {
      usersFresh = refreshUsers
      if (refreshUsers) computeUserVectors(syn0, dim, sentences, indptr, numUsers, times, o, userFactors)
      const st: EpochStats = { epoch, loss: NaN, seconds, updates: negatives, slots: pairs, learningRate: lr }
      if (workerSeconds) st.workerSeconds = workerSeconds
      return tracker.afterEpoch(st)
    }

    const pacer = createPacer(opts, epochs, parallel ? PARALLEL_STEPS : Math.ceil(numUsers / USER_BLOCK))
    let current = 0
    if (parallel) {
      if (sampler) {
        // Fail on the main thread, before spawning, when the sampler cannot work at all.
        sampler.prepare({ train, rng: rng.fork('sampler'), scorer: trainView })
      }
      const runItem2VecParallel = (await parallelRunners('item2vec.fit', workers)).runItem2VecParallel as Item2VecParallelRunner
      await runItem2VecParallel(
        {
          workers,
          epochs,
          seed: rng.seed,
          spec,
          numUsers,
          numItems,
          syn0,
          syn1,
          userFactors,
          indptr,
          seenItems: train.items,
          sentences,
          keep,
          hs,
          wasm: layout,
          samplerConfig: sampler ? sampler.config : null,
          samplerModule: opts.samplerModule ?? '@decoy/samplers/registry',
        },
        // The main thread only waits on the workers (no yielding needed); it reads their positions.
        (epoch, pairs, negatives, lr, seconds, workerSeconds) => {
          pacer.epochEnd(epoch)
          current = epoch + 1
          return afterEpoch(epoch, pairs, negatives, lr, seconds, workerSeconds)
        },
        opts.onProgress
          ? (positions) => {
              const inEpoch = positions / Math.max(1, tokensPerEpoch) - current
              pacer.step(current, Math.max(0, Math.min(PARALLEL_STEPS - 1, Math.floor(inEpoch * PARALLEL_STEPS))))
            }
          : undefined,
      )
    } else {
      const progress = new Float64Array(1)
      const thread = createThread(
        spec,
        { syn0, syn1, indptr, seenItems: train.items, sentences, keep, progress },
        hs,
        sampler,
        0,
        rng.fork('subsample').state,
        rng.fork('window').state,
        layout ? new SgnsWasmKernel(layout, 0) : null,
      )
      if (sampler) sampler.prepare({ train, rng: rng.fork('sampler'), scorer: trainView })
      const userOrder = new Int32Array(numUsers)
      for (let u = 0; u < numUsers; u++) userOrder[u] = u
      const orderState = rng.fork('order').state
      // Users in blocks, so the loop can report progress and yield between them (same result).
      const block = pacer.active ? USER_BLOCK : Math.max(1, numUsers)
      if (pacer.yields) await pacer.pause()
      for (let epoch = 0; epoch < epochs; epoch++) {
        const te = now()
        shuffleInPlace(userOrder, numUsers, orderState)
        let pairs = 0
        let negatives = 0
        let paused = 0
        for (let from = 0, step = 1; from < numUsers; from += block, step++) {
          const to = Math.min(numUsers, from + block)
          trainUsers(thread, userOrder, from, to, to === numUsers)
          pairs += thread.pairs
          negatives += thread.negatives
          if (pacer.active && pacer.step(epoch, step)) {
            const tp = now()
            await pacer.pause()
            paused += now() - tp
          }
        }
        sampler?.onEpochEnd?.(epoch)
        const pause = pacer.epochEnd(epoch)
        if (!afterEpoch(epoch, pairs, negatives, thread.lr, (now() - te - paused) / 1000)) break
        if (pause) await pacer.pause()
      }
    }
    tracker.finish()
    // Items without a vector keep zero rows, so they never look similar to anything.
    for (let i = 0; i < numItems; i++) if (keep[i] === 0) syn0.fill(0, i * dim, (i + 1) * dim)
    computeUserVectors(syn0, dim, sentences, indptr, numUsers, times, o, userFactors)
    this.install({ ...state(), epochs: tracker.epochs.length })
    const ran = layout ? 'wasm' : 'js'
    const result: FitResult = {
      epochs: tracker.epochs,
      bestEpoch: tracker.bestEpoch,
      trainSeconds: tracker.trainSeconds,
      updates: tracker.updates,
      updatesPerSecond: tracker.trainSeconds > 0 ? tracker.updates / tracker.trainSeconds : 0,
      samplerStats: sampler ? { ...sampler.stats() } : {},
      config: {
        model: 'item2vec',
        ...o,
        epochs,
        batchSize,
        seed: String(opts.seed),
        workers,
        kernel: ran,
        sampler: sampler ? sampler.config : null,
      },
      kernel: ran,
    }
    this.lastFit = result
    return result
  }

  /**
   * Writes the score of every item for training user `user` into `out[0..numItems)`: see
   * `scoring`. Items without a vector score -Infinity.
   * @remarks O(numItems·dim), allocates nothing.
   */
  scoreAll(user: number, out: Float32Array): void {
    const st = this.need()
    if (!(user >= 0 && user < st.numUsers)) throw new RangeError(`item2vec.scoreAll: user ${user} out of range [0, ${st.numUsers})`)
    const tr = this.trained!
    const tree = this.tree
    if (tree !== null) {
      // Hierarchical softmax: one dot per inner node, then each item sums its path.
      const z = this.nodeScores!
      gemv(st.syn1, tree.numInner, st.options.dim, st.userFactors, user * st.options.dim, z)
      const { codes, points, offsets } = tree
      for (let i = 0; i < st.numItems; i++) {
        let s = 0
        for (let j = offsets[i]; j < offsets[i + 1]; j++) s += logSigmoid(codes[j] === 1 ? -z[points[j]] : z[points[j]])
        out[i] = s
      }
      for (let i = 0; i < st.numItems; i++) if (tr[i] === 0) out[i] = -Infinity
    } else {
      // Float32 accumulation in order, as the blocked kernel of factors() ranks; the mask's
      // -Infinity bias leaves items without a vector at -Infinity.
      dotScoreVector(st.userFactors, user * st.options.dim, 0, this.itemFactors!, this.itemMask, st.numItems, st.options.dim, out)
    }
  }

  /**
   * The model's {@link DotFactors} for blocked ranking (user vectors, the vectors `scoring` dots
   * them with, item bias -Infinity for items without a vector), exactly as `scoreAll` scores.
   * Null with hierarchical-softmax scoring (no per-item output vectors) and before a fit.
   */
  factors(): DotFactors | null {
    const st = this.st
    if (st === null || this.tree !== null) return null
    return {
      dim: st.options.dim,
      numUsers: st.numUsers,
      numItems: st.numItems,
      userFactors: st.userFactors,
      itemFactors: this.itemFactors!,
      itemBias: this.itemMask,
    }
  }

  /**
   * Top-k items for each user from their training history's vector.
   * @param opts - `excludeSeen` (default true) masks the user's training items.
   * @returns row r holds user `users[r]`'s top k (padded with -1).
   * @remarks O(|users|·numItems·dim); allocates the result.
   */
  recommend(users: Int32Array, k: number, opts: { excludeSeen?: boolean } = {}): TopK {
    const st = this.need()
    const n = st.numItems
    const exclude = opts.excludeSeen ?? true
    const f = users.length >= 16 ? this.factors() : null
    if (f) {
      for (let r = 0; r < users.length; r++) {
        const u = users[r]
        if (!(u >= 0 && u < st.numUsers)) throw new RangeError(`item2vec.scoreAll: user ${u} out of range [0, ${st.numUsers})`)
      }
      const seen = { numUsers: st.seenIndptr.length - 1, indptr: st.seenIndptr, items: st.seenItems }
      return dotTopK(f, users, k, { exclude: exclude ? [seen] : [] })
    }
    const out = { k, items: new Int32Array(users.length * k), scores: new Float32Array(users.length * k) }
    const scores = this.scratchScores()
    const hi = new Int32Array(k)
    const hs = new Float64Array(k)
    for (let r = 0; r < users.length; r++) {
      const u = users[r]
      this.scoreAll(u, scores)
      if (exclude) for (let j = st.seenIndptr[u]; j < st.seenIndptr[u + 1]; j++) scores[st.seenItems[j]] = -Infinity
      selectTopK(scores, n, k, hi, hs, out.items, out.scores, r * k)
    }
    return out
  }

  /**
   * Items nearest to each query item by cosine similarity of input vectors (the query excluded;
   * candidates held by fewer than `similarMinCount` training users are skipped).
   * @returns row r holds the k neighbours of `items[r]` with their cosines; an item without a
   *   vector gets an all -1 row.
   * @remarks O(|items|·numItems·dim); allocates the result.
   */
  similarItems(items: Int32Array, k: number): TopK {
    const st = this.need()
    const n = st.numItems
    const dim = st.options.dim
    const norm = this.itemNorm!
    const tr = this.trained!
    const counts = st.counts
    const floor = st.options.similarMinCount
    for (let r = 0; r < items.length; r++) {
      const q = items[r]
      if (!(q >= 0 && q < n)) throw new RangeError(`item2vec.similarItems: item ${q} out of range [0, ${n})`)
    }
    // Candidates without a vector or under the count floor get bias -Infinity; the query is excluded.
    const mask = new Float32Array(n)
    for (let i = 0; i < n; i++) if (tr[i] === 0 || counts[i] < floor) mask[i] = -Infinity
    const live = Int32Array.from(Array.from(items).filter((q) => tr[q] === 1))
    const top = dotTopK({ dim, numUsers: n, numItems: n, userFactors: norm, itemFactors: norm, itemBias: mask }, live, k, {
      exclude: [selfRows(n)],
    })
    const out = { k, items: new Int32Array(items.length * k).fill(-1), scores: new Float32Array(items.length * k).fill(-Infinity) }
    for (let r = 0, j = 0; r < items.length; r++) {
      if (tr[items[r]] === 0) continue
      out.items.set(top.items.subarray(j * k, j * k + k), r * k)
      out.scores.set(top.scores.subarray(j * k, j * k + k), r * k)
      j++
    }
    return out
  }

  /**
   * A live {@link FactorView}: `userFactors` are the user vectors and `itemFactors` the vectors
   * `scoring` dots them with, so `scoreItems` agrees with `scoreAll` on trained items. With
   * `output: 'hs'` and `'in-out'` scoring there are no per-item output vectors: a plain
   * {@link Scorer} that sums each item's Huffman path.
   */
  scorer(): FactorView | Scorer {
    const st = this.need()
    const dim = st.options.dim
    const uf = st.userFactors
    const tree = this.tree
    if (tree !== null) {
      const syn1 = st.syn1
      const { codes, points, offsets } = tree
      return {
        scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
          const uo = user * dim
          for (let c = 0; c < count; c++) {
            const i = items[c]
            let s = 0
            for (let j = offsets[i]; j < offsets[i + 1]; j++) {
              const po = points[j] * dim
              let x = 0
              for (let f = 0; f < dim; f++) x += uf[uo + f] * syn1[po + f]
              s += logSigmoid(codes[j] === 1 ? -x : x)
            }
            out[c] = offsets[i + 1] > offsets[i] ? s : -Infinity
          }
        },
      }
    }
    const itf = this.itemFactors!
    return {
      dim,
      userFactors: uf,
      itemFactors: itf,
      scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
        const uo = user * dim
        // Float32 accumulation in order: the same values as scoreAll (see DotFactors).
        const fr = Math.fround
        for (let j = 0; j < count; j++) {
          const io = items[j] * dim
          let s = 0
          for (let f = 0; f < dim; f++) s = fr(s + fr(uf[uo + f] * itf[io + f]))
          out[j] = s
        }
      },
    }
  }

  /**
   * Encodes the fitted model (options, vectors, user vectors, seen items, id maps) as a Decoy
   * model file (Arrow IPC with a JSON header, kind `'item2vec'`).
   * @returns the file bytes; {@link Item2Vec.deserialize} or `deserializeModel` reads them back.
   */
  serialize(): Uint8Array {
    const st = this.need()
    const header: Omit<ModelHeader, 'arrays' | 'format' | 'formatVersion'> = {
      kind: 'item2vec',
      config: { ...st.options },
      seed: st.seed,
      versions: { '@decoy/models': MODELS_VERSION },
      userIds: idMapToJson(st.userIds),
      itemIds: idMapToJson(st.itemIds),
      extra: { numUsers: st.numUsers, numItems: st.numItems, epochs: st.epochs, sampler: st.samplerConfig },
    }
    return encodeModel(header, {
      syn0: st.syn0,
      syn1: st.syn1,
      counts: st.counts,
      userFactors: st.userFactors,
      seenIndptr: st.seenIndptr,
      seenItems: st.seenItems,
    })
  }

  /**
   * Rebuilds a model from bytes written by {@link Item2Vec.serialize}.
   * @param source - file name for errors.
   * @throws Error naming `source` for a truncated file or another model kind.
   */
  static deserialize(bytes: Uint8Array, source = '<bytes>'): Item2Vec {
    const { header, arrays } = decodeModel(bytes, source, 'item2vec')
    return Item2Vec.fromDecoded(header, arrays, source)
  }

  /** @internal Builds a model from a decoded file (the `modelDecoders` entry of `'item2vec'`). */
  static fromDecoded(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): Item2Vec {
    const extra = header.extra as { numUsers: number; numItems: number; epochs: number; sampler: unknown } | undefined
    if (!extra || !header.userIds || !header.itemIds) throw new Error(`${source}: item2vec model file lacks its id maps or sizes`)
    const need = <T extends StoredArray>(name: string, type: 'float32' | 'int32'): T => {
      const a = arrays[name]
      if (!a || (type === 'int32') !== a instanceof Int32Array)
        throw new Error(`${source}: item2vec model file lacks the ${type} array "${name}"`)
      return a as T
    }
    let options: Required<Item2VecOptions>
    try {
      options = resolveOptions(header.config as Item2VecOptions)
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`)
    }
    const state: Item2VecState = {
      options,
      seed: header.seed ?? '',
      epochs: extra.epochs,
      samplerConfig: extra.sampler ?? null,
      numUsers: extra.numUsers,
      numItems: extra.numItems,
      syn0: need<Float32Array>('syn0', 'float32'),
      syn1: need<Float32Array>('syn1', 'float32'),
      counts: need<Int32Array>('counts', 'int32'),
      userFactors: need<Float32Array>('userFactors', 'float32'),
      seenIndptr: need<Int32Array>('seenIndptr', 'int32'),
      seenItems: need<Int32Array>('seenItems', 'int32'),
      userIds: idMapFromJson(header.userIds),
      itemIds: idMapFromJson(header.itemIds),
    }
    if (state.counts.length !== state.numItems || state.seenIndptr.length !== state.numUsers + 1) {
      throw new Error(`${source}: item2vec arrays do not match ${state.numUsers} users × ${state.numItems} items`)
    }
    try {
      return Item2Vec.fromState(state)
    } catch (e) {
      throw new Error(`${source}: ${(e as Error).message}`)
    }
  }

  /**
   * Writes the model to `path` atomically (temp file + rename). Node only: loads
   * `@decoy/core/node` on demand; use {@link Item2Vec.serialize} elsewhere.
   */
  async save(path: string): Promise<void> {
    const { writeFileAtomic } = (await import(/* @vite-ignore */ CORE_NODE)) as { writeFileAtomic(p: string, d: string | Uint8Array): void }
    writeFileAtomic(path, this.serialize())
  }

  /** Reads a model saved by {@link Item2Vec.save}. Node only. */
  static async load(path: string): Promise<Item2Vec> {
    const { readFile } = (await import(/* @vite-ignore */ FS_PROMISES)) as { readFile(p: string): Promise<Uint8Array> }
    return Item2Vec.deserialize(new Uint8Array(await readFile(path)), path)
  }

  /**
   * Exports the item vectors in word2vec's text format (see {@link Item2Vec.toWord2VecText}).
   * Without a path, returns the text; with one, writes it atomically (Node only) and resolves.
   * @example
   * ```ts
   * await model.exportWord2VecText('items.txt')
   * // python: KeyedVectors.load_word2vec_format('items.txt', binary=False).most_similar('1')
   * ```
   */
  exportWord2VecText(): string
  exportWord2VecText(path: string): Promise<void>
  exportWord2VecText(path?: string): string | Promise<void> {
    const text = this.toWord2VecText()
    if (path === undefined) return text
    return (async () => {
      const { writeFileAtomic } = (await import(/* @vite-ignore */ CORE_NODE)) as {
        writeFileAtomic(p: string, d: string | Uint8Array): void
      }
      writeFileAtomic(path, text)
    })()
  }

  /**
   * The input vectors in word2vec's text format, which gensim's
   * `KeyedVectors.load_word2vec_format(path, binary=False)` reads: a header `"count dim"`, then one
   * line per item with a vector, `"<external id> v1 … vdim"`, most frequent items first.
   * @remarks O(numItems·dim); builds the whole string.
   */
  toWord2VecText(): string {
    const st = this.need()
    const dim = st.options.dim
    const tr = this.trained!
    const ids: number[] = []
    for (let i = 0; i < st.numItems; i++) if (tr[i] === 1) ids.push(i)
    ids.sort((a, b) => st.counts[b] - st.counts[a] || a - b)
    const lines: string[] = [`${ids.length} ${dim}`]
    const row: string[] = new Array(dim + 1)
    for (const i of ids) {
      const key = String(st.itemIds.external(i))
      if (/\s/.test(key) || key.length === 0)
        throw new Error(`item2vec.toWord2VecText: item id ${JSON.stringify(key)} is empty or contains whitespace`)
      row[0] = key
      for (let f = 0; f < dim; f++) row[f + 1] = String(st.syn0[i * dim + f])
      lines.push(row.join(' '))
    }
    return lines.join('\n') + '\n'
  }

  private need(): Item2VecState {
    if (this.pending) this.pending()
    if (!this.st) throw new Error('item2vec: the model is not fitted (call fit or load a saved model)')
    return this.st
  }

  private scratchScores(): Float32Array {
    const n = this.need().numItems
    if (!this.scratch || this.scratch.length < n) this.scratch = new Float32Array(n)
    return this.scratch
  }

  private install(state: Item2VecState): void {
    this.pending = null
    const { numItems, syn0, counts } = state
    const dim = state.options.dim
    if (syn0.length !== numItems * dim) throw new Error(`item2vec: syn0 has ${syn0.length} values, expected ${numItems}×${dim}`)
    if (state.userFactors.length !== state.numUsers * dim)
      throw new Error(`item2vec: userFactors has ${state.userFactors.length} values, expected ${state.numUsers}×${dim}`)
    const thr = Math.max(1, state.options.minCount)
    const trained = new Uint8Array(numItems)
    for (let i = 0; i < numItems; i++) trained[i] = counts[i] >= thr ? 1 : 0
    const norm = new Float32Array(numItems * dim)
    normaliseRows(syn0, numItems, dim, norm)
    this.st = state
    this.trained = trained
    this.itemMask = new Float32Array(numItems)
    for (let i = 0; i < numItems; i++) if (trained[i] === 0) this.itemMask[i] = -Infinity
    this.itemNorm = norm
    const hsOut = state.options.scoring === 'in-out' && state.options.output === 'hs'
    this.tree = hsOut ? buildHuffman(counts, numItems, state.options.minCount) : null
    this.nodeScores = this.tree ? new Float32Array(Math.max(1, this.tree.numInner)) : null
    if (this.tree && state.syn1.length !== Math.max(1, this.tree.numInner) * dim) {
      throw new Error(`item2vec: syn1 has ${state.syn1.length} values, expected ${this.tree.numInner} inner nodes × ${dim}`)
    }
    this.itemFactors = state.options.scoring === 'in-out' && !hsOut ? state.syn1 : norm
  }
}

/** log σ(x), stable for large |x|. */
function logSigmoid(x: number): number {
  return x >= 0 ? -Math.log1p(Math.exp(-x)) : x - Math.log1p(Math.exp(x))
}

/** Writes unit-length copies of the rows of `m` into `out` (zero rows stay zero). @internal */
function normaliseRows(m: Float32Array, rows: number, dim: number, out: Float32Array): void {
  for (let r = 0; r < rows; r++) {
    const o = r * dim
    let s = 0
    for (let f = 0; f < dim; f++) s += m[o + f] * m[o + f]
    const inv = s > 0 ? 1 / Math.sqrt(s) : 0
    for (let f = 0; f < dim; f++) out[o + f] = m[o + f] * inv
  }
}

/**
 * User vectors from histories: a (recency-)weighted mean of the items' input vectors, each
 * normalised to unit length for `'in-in'` scoring (so the score is a mean cosine) and raw for
 * `'in-out'` (so the score is the mean SGNS logit).
 * @internal
 */
function computeUserVectors(
  syn0: Float32Array,
  dim: number,
  sentences: Int32Array,
  indptr: Int32Array,
  numUsers: number,
  times: Float64Array | null,
  o: Required<Item2VecOptions>,
  out: Float32Array,
): void {
  const unit = o.scoring === 'in-in'
  const recency = o.userVector === 'recency' && times !== null
  const decay = Math.pow(0.5, 1 / o.halfLife)
  for (let u = 0; u < numUsers; u++) {
    const s = indptr[u]
    const e = indptr[u + 1]
    const uo = u * dim
    for (let f = 0; f < dim; f++) out[uo + f] = 0
    let wsum = 0
    // `sentences` is time-ordered when times exist, so the last position is the most recent.
    let w = 1
    for (let j = e - 1; j >= s; j--) {
      const io = sentences[j] * dim
      let scale = recency ? w : 1
      if (unit) {
        let nn = 0
        for (let f = 0; f < dim; f++) nn += syn0[io + f] * syn0[io + f]
        if (nn === 0) {
          if (recency) w *= decay
          continue
        }
        scale /= Math.sqrt(nn)
      }
      for (let f = 0; f < dim; f++) out[uo + f] += scale * syn0[io + f]
      wsum += recency ? w : 1
      if (recency) w *= decay
    }
    if (wsum > 0) for (let f = 0; f < dim; f++) out[uo + f] /= wsum
  }
}

function now(): number {
  return typeof performance !== 'undefined' ? performance.now() : Date.now()
}

/**
 * The rows workers keep private (see `SgnsPrivateRows`): the `n` most frequent vocabulary items
 * for syn0, and for syn1 the same items (negative sampling) or the `n` heaviest inner nodes, which
 * the Huffman construction numbers last (`numInner` ≥ 0, hierarchical softmax). Merges every
 * max(16, 4n / batchSize) batches keep their cost (O(n·dim) each) a few per cent of training.
 */
function rowsToPrivatise(
  counts: Int32Array,
  keep: Float64Array,
  numItems: number,
  numInner: number,
  n: number,
  batchSize: number,
): SgnsPrivateRows {
  // Every row when they fit, in order: the kernels then run on the private matrix as a whole (no
  // map lookup per row) and merges stream through memory.
  let rows0: Int32Array
  if (n >= numItems) rows0 = Int32Array.from({ length: numItems }, (_, i) => i)
  else {
    const ids: number[] = []
    for (let i = 0; i < numItems; i++) if (keep[i] > 0) ids.push(i)
    ids.sort((a, b) => counts[b] - counts[a] || a - b)
    rows0 = Int32Array.from(ids.slice(0, n))
  }
  const mergeEvery = Math.max(16, Math.ceil((4 * rows0.length) / batchSize))
  if (numInner < 0) return { rows0, rows1: rows0, mergeEvery }
  const m = Math.min(n, numInner)
  const rows1 = new Int32Array(m)
  for (let h = 0; h < m; h++) rows1[h] = m === numInner ? h : numInner - 1 - h
  return { rows0, rows1, mergeEvery }
}
