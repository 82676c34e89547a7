import {
  IdMap,
  checkAllocation,
  createRng,
  dotScoreVector,
  type DotFactors,
  type FactorView,
  type Interactions,
  type TopK,
} from '@decoy/core'
import { prngFloat } from '@decoy/core/kernels'
import type { Model } from '../model.js'
import { validateOptions, type OptionSchema } from '../schema.js'
import { cosineSimilarItems } from '../similar.js'
import { createDotScorer } from '../mf/stepper.js'
import { checkPositiveInt } from '../train/fit.js'
import { createEpochTracker } from '../train/stopping.js'
import { createPacer } from '../train/pacer.js'
import { threadHost } from '../train/threads.js'
import type { CommonFitOptions, EpochStats, FitResult } from '../train/types.js'
import {
  MODELS_VERSION,
  decodeModel,
  encodeModel,
  idMapFromJson,
  idMapToJson,
  type ModelHeader,
  type StoredArray,
} from '../persist/format.js'
import { confidenceMatrices } from './csr.js'
import { alsWasmSupported, createAlsWasmLayout } from './cg-wasm.js'
import { alsLoss, createJsEngine, createPoolEngine, createWasmEngine, type AlsEngine, type AlsSolver } from './engine.js'
import type { ConfidenceCsr } from './csr.js'
import type { AlsWasmLayout } from './cg-wasm.js'
import { recommendTopK } from '../recommend.js'

// A variable, so that bundlers do not follow it into the Node-only entry.
const MODELS_NODE = '@decoy/models/node'
/** Rows per step when `fit` reports progress or yields. */
const ROW_BLOCK = 64

/** Hyper-parameters of {@link alternatingLeastSquares}; all but `dim` can be overridden per `fit`. */
export interface AlsOptions {
  /** Factor dimension (default 64). */
  dim?: number
  /** L2 penalty on every row, absolute (not scaled by the row's count), as implicit's `regularization`. */
  reg?: number
  /**
   * Confidence slope: an observed entry weighs c = 1 + alpha·r (r = 1, or the weight when
   * `weighted`), an unobserved one 1. implicit multiplies r by its `alpha` without the 1 + , so for
   * binary data implicit's alpha a is this alpha a − 1.
   */
  alpha?: number
  /** Full sweeps (users then items); `fit`'s `epochs` overrides it. */
  iterations?: number
  /** Conjugate-gradient steps per row and half-sweep, warm-started (default 3, implicit's). */
  cgSteps?: number
  /** `'cg'` (default) or `'cholesky'`: the exact solve per row (TypeScript kernel only, slower). */
  solver?: AlsSolver
  /** Use `Interactions.weights` as r_ui (default false: every observed entry has r = 1). */
  weighted?: boolean
  /** Initial factors are uniform in [0, initScale) (default 0.01, implicit's). */
  initScale?: number
}

/** The resolved configuration stored in a model and in its saved file. */
export interface AlsConfig {
  dim: number
  reg: number
  alpha: number
  iterations: number
  cgSteps: number
  solver: AlsSolver
  weighted: boolean
  initScale: number
}

/** Options of {@link AlternatingLeastSquares.fit}: the common ones, and overrides of the model's. */
export interface AlsFitOptions extends CommonFitOptions, Omit<AlsOptions, 'dim'> {
  /**
   * Ignored, as `batchSize` and `samplerModule`: ALS uses every negative through weighted least
   * squares and samples none. Accepted so that code written for sampled models runs unchanged.
   */
  sampler?: CommonFitOptions['sampler']
  /**
   * Row kernels: `'wasm'` (WebAssembly SIMD, float32 like implicit), `'js'` (TypeScript, float64
   * accumulation), `'auto'` (default) picks `'wasm'` when supported, `dim` is a multiple of 4 and
   * the solver is `'cg'`. `'wasm'` on an uncovered configuration throws.
   */
  kernel?: 'auto' | 'wasm' | 'js'
  /**
   * Threads (default 1). ≥ 2 splits each half-sweep's rows across Node worker threads over shared
   * WebAssembly memory (`@decoy/models/node`; needs the wasm kernel). Rows are independent, so the
   * result is bit-identical to one thread's.
   */
  workers?: number
  /** Compute implicit's training loss after each iteration (default false: it costs about a third of an iteration). */
  computeLoss?: boolean
}

/** Option schema of the `als` family: the factory, `createModel`, CLI flags and experiment configs. */
export const alsOptionSchema: OptionSchema = Object.freeze({
  dim: { type: 'int', min: 1, doc: 'embedding dimension', defaultText: '64', aliases: ['factors'] },
  reg: { type: 'number', min: 0, doc: "L2 on every row, absolute (implicit's regularization)", defaultText: '30' },
  alpha: { type: 'number', min: 0, doc: "confidence 1 + alpha·r of an observed entry (implicit's alpha − 1)", defaultText: '3' },
  iterations: { type: 'int', min: 1, doc: 'full sweeps, users then items (same as --epochs)', defaultText: '10' },
  cgSteps: { type: 'int', min: 1, doc: 'conjugate-gradient steps per row and half-sweep', defaultText: '3' },
  solver: {
    type: 'string',
    values: ['cg', 'cholesky'],
    doc: 'row solver: cg (warm-started) or cholesky (exact, TypeScript only)',
    defaultText: 'cg',
  },
  weighted: { type: 'boolean', doc: 'use interaction weights (ratings, counts) as r in c = 1 + alpha·r', defaultText: 'false' },
  initScale: { type: 'number', min: 0, exclusiveMin: true, doc: 'initial factors uniform in [0, initScale)', defaultText: '0.01' },
})

/** Keys of {@link AlsFitOptions} that override the model's options. */
const FIT_OVERRIDES = ['reg', 'alpha', 'iterations', 'cgSteps', 'solver', 'weighted', 'initScale'] as const

/**
 * Defaults of {@link alternatingLeastSquares}, chosen on validation splits carved from train on
 * ml-latest-small and on planted synthetic logs of the MovieLens-100K, Last.fm and (scaled-down)
 * Gowalla shapes (see the family README): reg 30 with alpha 2 was best on each, but sits closer to
 * the over-regularised cliff (reg/(1 + alpha) above ~12 collapses towards popularity); alpha 3
 * costs < 2% on each and keeps a margin. 10 iterations matched or beat 15 and 30.
 */
export const alsDefaults: Readonly<AlsConfig> = Object.freeze({
  dim: 64,
  reg: 30,
  alpha: 3,
  iterations: 10,
  cgSteps: 3,
  solver: 'cg',
  weighted: false,
  initScale: 0.01,
})

const EMPTY_F32 = new Float32Array(0)

/**
 * Implicit-feedback matrix factorization by alternating least squares (Hu, Koren & Volinsky
 * 2008): every unobserved (user, item) pair is a negative of weight 1, every observed one a
 * positive of confidence 1 + alpha·r, and each half-sweep re-solves all user (then all item)
 * rows of the weighted least-squares problem, by a few conjugate-gradient steps warm-started from
 * the current row (Takács, Pilászy & Tikk 2011) as implicit's CPU ALS. No sampler: the reference
 * sampled models are judged against. score(u, i) = x_u·y_i.
 */
export class AlternatingLeastSquares implements Model {
  /** Registry key. */
  readonly kind = 'als'
  /** Resolved configuration. */
  readonly config: AlsConfig
  /** Seed of the last fit (null before). */
  seed: string | null = null
  /** `[numUsers*dim]` user factors (after a wasm fit, a view of the kernel's memory). */
  userFactors: Float32Array = EMPTY_F32
  /** `[numItems*dim]` item factors. */
  itemFactors: Float32Array = EMPTY_F32
  /** Users known to the model. */
  numUsers = 0
  /** Items known to the model. */
  numItems = 0
  /** User id map of the training data. */
  userIds: IdMap = new IdMap()
  /** Item id map of the training data. */
  itemIds: IdMap = new IdMap()
  /** Row pointers of the training items per user (for `excludeSeen`). */
  seenIndptr: Int32Array = new Int32Array(1)
  /** Training items per user. */
  seenItems: Int32Array = new Int32Array(0)
  /** Summary of the last `fit` (null before). */
  lastFit: FitResult | null = null
  private scoreScratch: Float32Array = EMPTY_F32
  private heapItems = new Int32Array(0)
  private heapScores = new Float64Array(0)

  constructor(config: AlsConfig) {
    this.config = config
  }

  /** Factor dimension. */
  get dim(): number {
    return this.config.dim
  }

  /**
   * Fits on `train`. Options given here override the model's and are stored in `config`; a re-fit
   * starts from a fresh initialisation (`<seed>/fit/init`). Deterministic for a seed and kernel.
   * Validation, early stopping (restoring the best iteration's factors) and `onEpoch` work as for
   * every model; an "epoch" is one iteration.
   *
   * @returns per-iteration statistics (`updates` = rows solved, `slots` = observed entries) and timing.
   * @throws Error naming the option when an option is invalid.
   */
  async fit(train: Interactions, opts: AlsFitOptions = {}): Promise<FitResult> {
    const overrides: Record<string, unknown> = {}
    for (const key of FIT_OVERRIDES) if (opts[key] !== undefined) overrides[key] = opts[key]
    const merged = { ...this.config, ...validateOptions(alsOptionSchema, overrides, 'als fit') } as AlsConfig
    if (opts.epochs !== undefined) merged.iterations = opts.epochs
    checkPositiveInt('iterations', merged.iterations)
    if (opts.seed === undefined || opts.seed === null) throw new Error('als: a seed is required: fit(train, { seed })')
    const seed = String(opts.seed)
    const workers = opts.workers ?? 1
    checkPositiveInt('workers', workers)
    // Worker threads for ALS are Node's; in a browser the same clear error when the page is not isolated.
    if (workers >= 2 && threadHost('als', workers) === 'web')
      throw new Error('als: workers ≥ 2 runs on Node worker threads only; use workers: 1 in the browser')
    const kernel = opts.kernel ?? 'auto'
    if (kernel !== 'auto' && kernel !== 'wasm' && kernel !== 'js')
      throw new Error(`als: kernel must be 'auto', 'wasm' or 'js', got ${String(kernel)}`)
    const dim = merged.dim
    const wasmOk = merged.solver === 'cg' && dim % 4 === 0 && alsWasmSupported()
    if (kernel === 'wasm' && !wasmOk)
      throw new Error(
        `als: kernel 'wasm' needs WebAssembly SIMD, solver 'cg' and dim a multiple of 4 (got solver ${merged.solver}, dim ${dim})`,
      )
    if (workers >= 2 && (kernel === 'js' || !wasmOk))
      throw new Error(`als: workers ≥ 2 need the wasm kernel (WebAssembly SIMD, solver 'cg', dim a multiple of 4)`)
    // Before anything is allocated: factors, the item-major copy of the interactions, Gram and scratch.
    const nnz = train.indptr[train.numUsers]
    checkAllocation(
      `als with dim ${dim} on ${train.numUsers} users × ${train.numItems} items`,
      [
        { what: 'the user and item factors', elements: (train.numUsers + train.numItems) * dim, bytesPer: 4 },
        { what: 'the confidence matrix and its transpose', elements: 4 * nnz + train.numItems + 1, bytesPer: 4 },
        { what: 'the Gram matrix and solver scratch', elements: 2 * dim * dim + 4 * dim * (workers + 1), bytesPer: 8 },
      ],
      'lower the dimension (--dim)',
    )
    const { users, items } = confidenceMatrices(train, merged.alpha, merged.weighted)
    let engine: AlsEngine | null = null
    if (kernel !== 'js' && wasmOk) {
      const layout = createAlsWasmLayout({ dim, users, items, threads: workers >= 2 ? workers + 1 : 1, shared: workers >= 2 })
      if (layout) engine = workers >= 2 ? await poolEngine(layout, users, items, workers) : createWasmEngine(layout)
      else if (kernel === 'wasm' || workers >= 2) throw new Error("als: kernel 'wasm' needs the factors and interactions under 4 GiB")
    }
    engine ??= createJsEngine(users, items, dim, merged.solver)
    try {
      return await this.run(engine, train, users, items, merged, seed, opts)
    } finally {
      await engine.close?.()
    }
  }

  private async run(
    engine: AlsEngine,
    train: Interactions,
    users: ConfidenceCsr,
    items: ConfidenceCsr,
    merged: AlsConfig,
    seed: string,
    opts: AlsFitOptions,
  ): Promise<FitResult> {
    const dim = merged.dim
    const tracker = createEpochTracker(
      {
        model: this,
        arrays: () => ({ userFactors: this.userFactors, itemFactors: this.itemFactors }),
        paramNames: ['userFactors', 'itemFactors'],
      },
      train,
      opts,
      merged.iterations,
    )
    Object.assign(this.config, merged)
    const c = this.config
    this.seed = seed
    this.numUsers = train.numUsers
    this.numItems = train.numItems
    this.userIds = train.userIds
    this.itemIds = train.itemIds
    this.seenIndptr = train.indptr
    this.seenItems = train.items
    this.userFactors = engine.userFactors
    this.itemFactors = engine.itemFactors
    this.scoreScratch = new Float32Array(train.numItems)
    // implicit's initialisation: uniform in [0, scale), users then items.
    const state = createRng(seed).fork('fit').fork('init').state
    for (let e = 0; e < this.userFactors.length; e++) this.userFactors[e] = c.initScale * prngFloat(state)
    for (let e = 0; e < this.itemFactors.length; e++) this.itemFactors[e] = c.initScale * prngFloat(state)

    let rowsSolved = 0
    for (let u = 0; u < users.rows; u++) if (users.indptr[u + 1] > users.indptr[u]) rowsSolved++
    for (let i = 0; i < items.rows; i++) if (items.indptr[i + 1] > items.indptr[i]) rowsSolved++
    const nnz = users.indptr[users.rows]
    // Row blocks as steps when progress or yielding is asked for and the engine runs on this thread.
    const rows = engine.rows
    const blocks = (n: number): number => Math.ceil(n / ROW_BLOCK)
    const stepsPerEpoch = rows ? blocks(users.rows) + blocks(items.rows) : 2
    const pacer = createPacer(opts, c.iterations, stepsPerEpoch)
    if (pacer.yields) await pacer.pause()
    for (let it = 0; it < c.iterations; it++) {
      const t0 = performance.now()
      let paused = 0
      if (pacer.active && rows) {
        let step = 0
        for (const side of ['users', 'items'] as const) {
          rows.prepare(side, c.reg)
          const n = side === 'users' ? users.rows : items.rows
          for (let start = 0; start < n; start += ROW_BLOCK) {
            rows.solve(side, start, Math.min(n, start + ROW_BLOCK), c.cgSteps)
            if (pacer.step(it, ++step)) {
              const tp = performance.now()
              await pacer.pause()
              paused += performance.now() - tp
            }
          }
        }
      } else {
        await engine.halfSweep('users', c.reg, c.cgSteps)
        if (pacer.active) pacer.step(it, 1)
        await engine.halfSweep('items', c.reg, c.cgSteps)
      }
      const seconds = (performance.now() - t0 - paused) / 1000
      const stats: EpochStats = {
        epoch: it,
        loss: opts.computeLoss ? alsLoss(users, items.rows, this.userFactors, this.itemFactors, dim, c.reg) : NaN,
        seconds,
        updates: rowsSolved,
        slots: nnz,
        learningRate: 0,
      }
      const pause = pacer.epochEnd(it, stats.loss)
      if (!tracker.afterEpoch(stats)) break
      if (pause) await pacer.pause()
    }
    tracker.finish()
    const result: FitResult = {
      epochs: tracker.epochs,
      bestEpoch: tracker.bestEpoch,
      trainSeconds: tracker.trainSeconds,
      updates: tracker.updates,
      updatesPerSecond: tracker.trainSeconds > 0 ? tracker.updates / tracker.trainSeconds : 0,
      samplerStats: {},
      config: { model: 'als', ...this.config, seed, workers: opts.workers ?? 1, kernel: engine.kernel, sampler: null },
      kernel: engine.kernel,
    }
    this.lastFit = result
    return result
  }

  /** Live scorer over the current factors (a `FactorView`; score = x_u·y_i). */
  scorer(): FactorView {
    return createDotScorer(this.userFactors, this.itemFactors, EMPTY_F32, this.config.dim, 0)
  }

  /**
   * Writes the score of every item for `user` into `out[0..numItems)`.
   * @remarks O(numItems·dim), allocates nothing.
   */
  scoreAll(user: number, out: Float32Array): void {
    // Float32 accumulation in order, as the blocked kernel of factors() ranks (see DotFactors).
    dotScoreVector(this.userFactors, user * this.config.dim, 0, this.itemFactors, null, this.numItems, this.config.dim, out)
  }

  /** The model's factors for blocked ranking (`dotTopK`), exactly as `scoreAll` scores. Null before a fit. */
  factors(): DotFactors | null {
    if (this.numItems === 0) return null
    return {
      dim: this.config.dim,
      numUsers: this.numUsers,
      numItems: this.numItems,
      userFactors: this.userFactors,
      itemFactors: this.itemFactors,
      itemBias: null,
    }
  }

  /**
   * Top-k items for each user; `excludeSeen` (default true) masks the user's training items.
   * @returns one row per user (-1 padded when fewer than k items remain).
   * @throws RangeError for a user outside the model.
   */
  recommend(users: Int32Array, k: number, opts: { excludeSeen?: boolean } = {}): TopK {
    this.ensureFitted('recommend')
    const scratch = { scores: this.scoreScratch, heapItems: this.heapItems, heapScores: this.heapScores }
    const out = recommendTopK(this, { indptr: this.seenIndptr, items: this.seenItems }, users, k, opts.excludeSeen !== false, scratch)
    this.heapItems = scratch.heapItems
    this.heapScores = scratch.heapScores
    return out
  }

  /** The k items most similar to each query item by cosine of item factors, the item itself excluded. */
  similarItems(items: Int32Array, k: number): TopK {
    this.ensureFitted('similarItems')
    checkPositiveInt('k', k)
    this.ensureHeap(k)
    return cosineSimilarItems(this.itemFactors, this.numItems, this.config.dim, items, k)
  }

  /** Encodes the model (factors, id maps, seen items, config) as Arrow IPC bytes. */
  serialize(): Uint8Array {
    this.ensureFitted('serialize')
    const arrays: Record<string, StoredArray> = {
      userFactors: this.userFactors,
      itemFactors: this.itemFactors,
      seenIndptr: this.seenIndptr,
      seenItems: this.seenItems,
    }
    return encodeModel(
      {
        kind: 'als',
        config: { ...this.config },
        seed: this.seed,
        versions: { '@decoy/models': MODELS_VERSION },
        userIds: idMapToJson(this.userIds),
        itemIds: idMapToJson(this.itemIds),
        extra: { numUsers: this.numUsers, numItems: this.numItems },
      },
      arrays,
    )
  }

  /** Writes the model to `path` atomically (Node only: loads `@decoy/core/node` on demand). */
  async save(path: string): Promise<void> {
    const spec = '@decoy/core/node'
    const { writeFileAtomic } = (await import(/* @vite-ignore */ spec)) as { writeFileAtomic(p: string, d: Uint8Array): void }
    writeFileAtomic(path, this.serialize())
  }

  /**
   * Rebuilds a model from bytes written by {@link AlternatingLeastSquares.serialize}.
   * @throws Error naming `source` for a truncated file or another model kind.
   */
  static deserialize(bytes: Uint8Array, source = '<bytes>'): AlternatingLeastSquares {
    const { header, arrays } = decodeModel(bytes, source, 'als')
    return AlternatingLeastSquares.fromDecoded(header, arrays, source)
  }

  /** @internal Builds a model from a decoded file. */
  static fromDecoded(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): AlternatingLeastSquares {
    const config = { ...alsDefaults, ...(header.config as Partial<AlsConfig>) }
    const m = new AlternatingLeastSquares(config)
    m.seed = header.seed
    const extra = header.extra as { numUsers: number; numItems: number } | undefined
    if (!extra || !header.userIds || !header.itemIds) throw new Error(`${source}: ALS model file lacks its id maps or sizes`)
    m.numUsers = extra.numUsers
    m.numItems = extra.numItems
    m.userFactors = arrays.userFactors as Float32Array
    m.itemFactors = arrays.itemFactors as Float32Array
    m.seenIndptr = arrays.seenIndptr as Int32Array
    m.seenItems = arrays.seenItems as Int32Array
    if (
      !m.userFactors ||
      !m.itemFactors ||
      m.userFactors.length !== m.numUsers * config.dim ||
      m.itemFactors.length !== m.numItems * config.dim
    ) {
      throw new Error(`${source}: ALS factor arrays do not match ${m.numUsers} users × ${m.numItems} items × dim ${config.dim}`)
    }
    m.userIds = idMapFromJson(header.userIds)
    m.itemIds = idMapFromJson(header.itemIds)
    m.scoreScratch = new Float32Array(m.numItems)
    return m
  }

  private ensureFitted(what: string): void {
    if (this.numItems === 0) throw new Error(`${what}: the model has not been fitted or loaded`)
  }

  private ensureHeap(k: number): void {
    if (this.heapItems.length < k) {
      this.heapItems = new Int32Array(k)
      this.heapScores = new Float64Array(k)
    }
  }
}

/** The pooled engine: loads the Node-only worker pool on demand. */
async function poolEngine(layout: AlsWasmLayout, users: ConfidenceCsr, items: ConfidenceCsr, workers: number): Promise<AlsEngine> {
  let mod: {
    createAlsPool(l: AlsWasmLayout, u: ConfidenceCsr, i: ConfidenceCsr, w: number): Promise<Parameters<typeof createPoolEngine>[1]>
  }
  try {
    mod = (await import(/* @vite-ignore */ MODELS_NODE)) as typeof mod
  } catch (e) {
    throw new Error(`als: workers ≥ 2 needs Node worker threads (${MODELS_NODE}): ${(e as Error).message}`)
  }
  return createPoolEngine(layout, await mod.createAlsPool(layout, users, items, workers))
}

/**
 * Creates an implicit-ALS model. Nothing is allocated until `fit`.
 *
 * @throws Error naming an unknown or invalid option.
 * @example
 * ```ts
 * const model = alternatingLeastSquares({ dim: 64, reg: 10, alpha: 2 })
 * await model.fit(train, { seed: 42 })
 * const top = model.recommend(Int32Array.of(0), 10)
 * ```
 * @see Hu, Koren & Volinsky, "Collaborative Filtering for Implicit Feedback Datasets", ICDM 2008.
 * @see Takács, Pilászy & Tikk, "Applications of the Conjugate Gradient Method for Implicit Feedback Collaborative Filtering", RecSys 2011.
 */
export function alternatingLeastSquares(opts: AlsOptions = {}): AlternatingLeastSquares {
  const given = validateOptions(alsOptionSchema, opts as Record<string, unknown>, 'alternatingLeastSquares')
  return new AlternatingLeastSquares({ ...alsDefaults, ...(given as Partial<AlsConfig>) })
}
