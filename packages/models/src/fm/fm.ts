import { cosineSimilarItems } from '../similar.js'
import {
  IdMap,
  checkAllocation,
  createRng,
  dotScoreVector,
  userOfInteraction,
  type DotFactors,
  type Interactions,
  type TopK,
} from '@decoy/core'
import { prngNormal, selectTopK } from '@decoy/core/kernels'
import { resolveLoss, type LossName, type LossOptions } from '../losses/index.js'
import { basicOptimizerNames, optimizerCode, scheduleCode, OPT_ADAGRAD, type OptimizerName, type ScheduleName } from '../optim/optim.js'
import { checkPositiveInt, trainLoop, type TrainPlan } from '../train/fit.js'
import { threadHost } from '../train/threads.js'
import { mergeFitConfig } from '../train/fit-config.js'
import type { FitOptions, FitResult, TrainTarget } from '../train/types.js'
import {
  MODELS_VERSION,
  decodeModel,
  encodeModel,
  idMapFromJson,
  idMapToJson,
  type ModelHeader,
  type StoredArray,
} from '../persist/format.js'
import type { Model } from '../model.js'
import { validateOptions, type OptionSchema } from '../schema.js'
import { trainerOptionSchema } from '../train/options.js'
import {
  FeatureDictionary,
  FmFeatureBuilder,
  ITEM_ID_FIELD,
  featureRow,
  fmFeaturesFrom,
  type FeatureFileInput,
  type FmFeatureSources,
  type FeatureDictionaryJson,
  type FeatureRows,
  type FmFeatures,
} from './features.js'
import { fmBackend } from './backend.js'
import { fmRowSum, fmRowSum32 } from './kernels.js'
import { createFmScorer, createFmStepper, type FmFactorView, type FmStepperSpec } from './stepper.js'
import { recommendTopK } from '../recommend.js'

/** Options of {@link factorizationMachine}; every training option can be overridden per `fit`. */
export interface FactorizationMachineOptions extends LossOptions {
  /** Factor dimension (default 64). */
  dim?: number
  /** Loss (default `'softmax'`, as MF). */
  loss?: LossName
  /** Negatives per positive (default 32). */
  negatives?: number
  /** Epochs (default 10). */
  epochs?: number
  /** Positives per sampler call (default 256). */
  batchSize?: number
  /** Learning rate (default 0.1). */
  learningRate?: number
  /** Floor of the linear schedule (default learningRate·1e-3). */
  minLearningRate?: number
  /** L2 on touched factor rows (default 0.05). */
  l2?: number
  /** L2 on touched linear weights (default: l2). */
  l2Bias?: number
  /** Optimiser: `'sgd'` or `'adagrad'` (default; MF's row-wise `'adagrad-row'` is rejected). */
  optimizer?: OptimizerName
  /** Schedule (default `'constant'` for Adagrad, `'linear'` for SGD). */
  schedule?: ScheduleName
  /** Standard deviation of the normal initialisation of factors (default 0.1). */
  initStd?: number
  /**
   * Items with fewer training interactions than this get no trained id feature (default 1: every
   * trained item has one): such items are scored by their other features only, as cold items are.
   */
  itemIdMinCount?: number
  /**
   * Features: prebuilt rows, or metadata fields of the dataset (`'genres,year,tags,demographics'`,
   * any subset) built at `fit` from `fit(train, { metadata })`. Default: user and item id fields only.
   */
  features?: FmFeatures | string
  /** A user feature file (`{ path, text }`, CSV/TSV keyed by external user id), added at `fit`. */
  userFeatures?: FeatureFileInput
  /** An item feature file (`{ path, text }`, CSV/TSV keyed by external item id), added at `fit`. */
  itemFeatures?: FeatureFileInput
}

/** The option schema of {@link factorizationMachine} (validation, CLI flags, experiment configs). */
export const fmOptionSchema: OptionSchema = Object.freeze({
  ...trainerOptionSchema,
  itemIdMinCount: { type: 'int', min: 0, doc: 'items with fewer training interactions get no trained id feature', defaultText: '1' },
  features: { type: 'string|object', doc: 'metadata fields of --dataset: genres,year,tags,demographics', defaultText: 'ids only' },
  userFeatures: { type: 'object', file: true, doc: 'CSV/TSV keyed by external user id (categorical a|b or numeric columns)' },
  itemFeatures: { type: 'object', file: true, doc: 'CSV/TSV keyed by external item id (categorical a|b or numeric columns)' },
})

/** The resolved configuration stored in a model and in its saved file. */
export interface FactorizationMachineConfig {
  dim: number
  loss: LossName
  negatives: number
  epochs: number
  batchSize: number
  learningRate: number
  minLearningRate: number | null
  l2: number
  l2Bias: number | null
  optimizer: OptimizerName
  schedule: ScheduleName | null
  initStd: number
  itemIdMinCount: number
  margin: number
  temperature: number
  logQCorrection: boolean
  gbceT: number
}

/** Defaults of {@link factorizationMachine} (MF's, so that id-only FM and MF compare directly). */
export const fmDefaults: Readonly<FactorizationMachineConfig> = Object.freeze({
  dim: 64,
  loss: 'softmax',
  negatives: 32,
  epochs: 10,
  batchSize: 256,
  learningRate: 0.1,
  minLearningRate: null,
  l2: 0.05,
  l2Bias: null,
  optimizer: 'adagrad',
  schedule: null,
  initStd: 0.1,
  itemIdMinCount: 1,
  margin: 1,
  temperature: 1,
  logQCorrection: true,
  gbceT: 0.75,
})

/** `fit` options of an FM: MF's, plus the features to train with. */
export interface FmFitOptions extends FitOptions {
  /** Features (overrides the model's; default: id fields only). */
  features?: FmFeatures
  /** See {@link FactorizationMachineOptions.itemIdMinCount}. */
  itemIdMinCount?: number
  /**
   * Step kernel: `'wasm'` runs the WebAssembly SIMD twin of `fmStepRange` (float32 factor rows and
   * row sums), `'js'` the TypeScript kernel (float64 accumulators), `'auto'` (default) picks
   * `'wasm'` when the engine supports WebAssembly SIMD and the kernel covers the configuration
   * (loss bpr, logistic, gbce or softmax; SGD or Adagrad; dim a multiple of 4). While a sampler
   * keeps the FM's `userFactors` live (AOBPR) the kernel runs slot by slot and the user rows are
   * kept as with the TypeScript kernel. `result.kernel` says which ran.
   */
  kernel?: 'auto' | 'wasm' | 'js'
}

/** Input of {@link FactorizationMachine.recommendForFeatures}: field name → value(s). */
export type FeatureInput = Record<string, string | number | readonly string[]>

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

function emptyRows(): FeatureRows {
  return { numRows: 0, indptr: new Int32Array(1), features: EMPTY_I32, values: EMPTY_F32 }
}

/**
 * Degree-2 factorization machine (Rendle 2010) for implicit feedback over sparse user-side and
 * item-side features (id fields, genres, year buckets, tags, demographics, feature files), trained
 * by the shared loop with any sampler and loss: a negative item's feature row replaces the
 * positive's. Implements `Recommender`; full ranking costs O(numItems·dim) per user thanks to a
 * per-item cache of the item-side sums (refreshed after every epoch and after `fit`).
 *
 * Items are every item of the feature set (the training items plus items known only by their
 * features), so items with no training interaction can be recommended; users known only by
 * features are ranked by {@link FactorizationMachine.recommendForFeatures} (or by internal id
 * when the feature set added them).
 */
export class FactorizationMachine implements Model {
  /** Registry key of the family. */
  readonly kind = 'fm'
  /** Resolved configuration. */
  readonly config: FactorizationMachineConfig
  /** Features (dictionary, id maps, rows). */
  features: FmFeatures | null
  /** Where `fit` builds features from when none are given as rows (metadata fields, feature files). */
  private featureSources: FmFeatureSources
  /** Seed of the fit that produced the parameters (null before). */
  seed: string | null = null
  /** `[1]` global bias. */
  w0: Float32Array = new Float32Array(1)
  /** `[numFeatures]` linear weights. */
  w: Float32Array = EMPTY_F32
  /** `[numFeatures * dim]` factors. */
  V: Float32Array = EMPTY_F32
  /** Users the model can score (rows of the user side). */
  numUsers = 0
  /** Items the model can score (rows of the item side). */
  numItems = 0
  /** Items of the training data (a prefix of the item ids). */
  numTrainItems = 0
  /** Row pointers of the training items per user (for `excludeSeen`). */
  seenIndptr: Int32Array = new Int32Array(1)
  /** Training items per user. */
  seenItems: Int32Array = EMPTY_I32
  /** `[numItems * dim]` cached item-side sums `s_I`. */
  itemSum: Float32Array = EMPTY_F32
  /** `[numItems]` cached item-side constants `c_I`. */
  itemConst: Float32Array = EMPTY_F32
  /** Summary of the last `fit` (null before). */
  lastFit: FitResult | null = null
  private userRows: FeatureRows = emptyRows()
  private itemRows: FeatureRows = emptyRows()
  private su: Float64Array = new Float64Array(0)
  private su32: Float32Array = EMPTY_F32
  private scoreScratch: Float32Array = EMPTY_F32
  private heapItems = new Int32Array(0)
  private heapScores = new Float64Array(0)

  constructor(config: FactorizationMachineConfig, features: FmFeatures | null = null, sources: FmFeatureSources = {}) {
    this.config = config
    this.features = features
    this.featureSources = sources
  }

  /** Factor dimension. */
  get dim(): number {
    return this.config.dim
  }

  /** User id map (training users, then users known only by features). */
  get userIds(): IdMap {
    return this.features ? this.features.userIds : new IdMap()
  }

  /** Item id map (training items, then items known only by features). */
  get itemIds(): IdMap {
    return this.features ? this.features.itemIds : new IdMap()
  }

  /** The feature dictionary (null before `fit`/`load` when no features were given). */
  get dictionary(): FeatureDictionary | null {
    return this.features ? this.features.dictionary : null
  }

  /**
   * Trains on `train` with negatives from `opts.sampler`, re-initialising the parameters. The
   * feature set's first `train.numUsers` users and `train.numItems` items must be the training
   * ones (an {@link FmFeatureBuilder} over `train.userIds`/`train.itemIds` guarantees it).
   *
   * @returns per-epoch statistics and timing.
   * @throws Error naming the option when an option is invalid or the features do not match.
   */
  async fit(train: Interactions, opts: FmFitOptions): Promise<FitResult> {
    const c = this.config
    const { seed, ...merged } = mergeFitConfig(
      { ...c, itemIdMinCount: opts.itemIdMinCount ?? c.itemIdMinCount },
      opts,
      'factorizationMachine',
    )
    const workers = opts.workers ?? 1
    checkPositiveInt('workers', workers)
    // Before shared memory is allocated: the same clear error as every model where threads cannot run.
    if (workers >= 2) threadHost('fit', workers)
    const loss = resolveLoss(merged.loss, merged, merged.negatives, train.numItems)
    const optimizer = optimizerCode(merged.optimizer, basicOptimizerNames, 'fm')
    const schedule = merged.schedule ?? (optimizer === OPT_ADAGRAD ? 'constant' : 'linear')
    Object.assign(this.config, merged)

    const features = opts.features ?? this.features ?? fmFeaturesFrom(train, { ...this.featureSources, metadata: opts.metadata })!
    checkFeatures(features, train)
    this.features = features
    const F = features.dictionary.size
    checkAllocation(
      `fm with dim ${merged.dim} on ${F} features × ${train.numItems} items`,
      [
        { what: 'the feature factors', elements: F * merged.dim, bytesPer: optimizer === OPT_ADAGRAD ? 8 : 4 },
        { what: 'the per-item factor sums', elements: train.numItems * merged.dim, bytesPer: 4 },
        { what: 'the negative buffer', elements: merged.batchSize * merged.negatives, bytesPer: 8 },
      ],
      'lower the dimension (--factors) or the batch size × negatives',
    )
    const used = this.initialize(train, seed)
    // Training rows hold only features of rows with interactions: a feature seen only on sampled
    // negatives (e.g. a cold item's id) would learn nothing but "drawn as a negative".
    const tu = keepUsed(this.userRows, used)
    const ti = keepUsed(this.itemRows, used)
    // The backend decides which step kernel runs and where the parameters live (its memory).
    const backend = fmBackend(
      opts.kernel,
      {
        dim: c.dim,
        k: merged.negatives,
        batchSize: merged.batchSize,
        loss: loss.code,
        optimizer,
        adagrad: optimizer === OPT_ADAGRAD,
        workers,
        users: tu,
        items: ti,
        lossName: merged.loss,
        optimizerName: merged.optimizer,
      },
      { w0: this.w0, w: this.w, V: this.V },
    )
    const arrays = backend.arrays
    this.w0 = arrays.w0
    this.w = arrays.w
    this.V = arrays.V
    const spec: FmStepperSpec = {
      dim: c.dim,
      numItems: train.numItems,
      loss: loss.code,
      hp: Array.from(loss.hp),
      optimizer,
      l2: merged.l2,
      l2Bias: merged.l2Bias ?? merged.l2,
      uPtr: tu.indptr,
      uFeat: tu.features,
      uVal: tu.values,
      iPtr: ti.indptr,
      iFeat: ti.features,
      iVal: ti.values,
      wasm: backend.wasm,
    }
    let live = arrays
    const target: TrainTarget = {
      stepperKind: 'fm',
      createStepper: createFmStepper,
      spec,
      arrays: () => live,
      paramNames: ['w0', 'w', 'V'],
      adopt: (next) => {
        live = next
        this.w0 = next.w0
        this.w = next.w
        this.V = next.V
      },
      model: this,
      // The item cache is refreshed after every epoch, before validation and `onEpoch` see the model.
      beforeReport: () => this.refreshItemCache(),
    }
    const plan: TrainPlan = {
      seed,
      epochs: merged.epochs,
      batchSize: merged.batchSize,
      k: merged.negatives,
      learningRate: merged.learningRate,
      minLearningRate: merged.minLearningRate ?? merged.learningRate * 1e-3,
      schedule: scheduleCode(schedule),
      workers,
      samplerModule: opts.samplerModule ?? '@decoy/samplers/registry',
    }
    const examples = { users: userOfInteraction(train), positives: train.items, count: train.items.length }
    const result = await trainLoop(target, train, examples, plan, opts)
    this.refreshItemCache()
    const ran = backend.kernel
    result.kernel = ran
    this.seed = seed
    result.config = {
      model: 'fm',
      ...this.config,
      seed,
      schedule,
      workers,
      kernel: ran,
      sampler: opts.sampler.config,
      features: { fields: features.dictionary.fields.map((f) => f.name), numFeatures: features.dictionary.size },
    }
    this.lastFit = result
    return result
  }

  /**
   * Allocates the parameters from `<seed>/fit/init`: factors of features that occur in a training
   * row (a user or item with interactions) ~ N(0, initStd²), others (e.g. the id feature of a
   * cold-start item) 0, so untrained features add nothing to scores; linear weights 0.
   * @returns the mask of features in training rows.
   */
  private initialize(train: Interactions, seed: string): Uint8Array {
    const f = this.features!
    const dim = this.config.dim
    this.bindRows(f.users, f.items)
    this.numTrainItems = train.numItems
    this.seenIndptr = train.indptr
    this.seenItems = train.items
    const F = f.dictionary.size
    const used = new Uint8Array(F)
    const ur = f.users
    for (let u = 0; u < train.numUsers; u++) {
      if (train.indptr[u + 1] === train.indptr[u]) continue
      for (let p = ur.indptr[u]; p < ur.indptr[u + 1]; p++) used[ur.features[p]] = 1
    }
    const counts = new Int32Array(train.numItems)
    for (let j = 0; j < train.items.length; j++) counts[train.items[j]]++
    const ir = f.items
    const idField = f.dictionary.fieldId(ITEM_ID_FIELD)
    const minId = this.config.itemIdMinCount
    const fieldOf = f.dictionary.featureField
    for (let i = 0; i < train.numItems; i++) {
      if (counts[i] === 0) continue
      for (let p = ir.indptr[i]; p < ir.indptr[i + 1]; p++) {
        const m = ir.features[p]
        if (counts[i] < minId && fieldOf[m] === idField) continue
        used[m] = 1
      }
    }
    const state = createRng(seed).fork('fit').fork('init').state
    const std = this.config.initStd
    this.w0 = new Float32Array(1)
    this.w = new Float32Array(F)
    this.V = new Float32Array(F * dim)
    for (let m = 0; m < F; m++) {
      const mo = m * dim
      for (let k = 0; k < dim; k++) {
        const z = prngNormal(state)
        if (used[m]) this.V[mo + k] = std * z
      }
    }
    this.itemSum = new Float32Array(this.numItems * dim)
    this.itemConst = new Float32Array(this.numItems)
    return used
  }

  private bindRows(users: FeatureRows, items: FeatureRows): void {
    this.userRows = users
    this.itemRows = items
    this.numUsers = users.numRows
    this.numItems = items.numRows
    this.su = new Float64Array(this.config.dim * 2)
    this.su32 = new Float32Array(this.config.dim)
    this.scoreScratch = new Float32Array(this.numItems)
  }

  /**
   * Recomputes the item-side sums and constants of every item from the current parameters.
   * @remarks O(nnz(items)·dim); allocates nothing when the cache has its size.
   */
  refreshItemCache(): void {
    const dim = this.config.dim
    const n = this.numItems
    if (this.itemSum.length !== n * dim) this.itemSum = new Float32Array(n * dim)
    if (this.itemConst.length !== n) this.itemConst = new Float32Array(n)
    const r = this.itemRows
    const tmp = this.su
    for (let i = 0; i < n; i++) {
      this.itemConst[i] = fmRowSum32(this.w, this.V, dim, r.features, r.values, r.indptr[i], r.indptr[i + 1], this.itemSum, i * dim, tmp)
    }
  }

  /**
   * A `FactorView` over the current parameters (see {@link createFmScorer}): `scoreItems` reads
   * the parameters, O(nnz_u·dim + count·nnz_i·dim) per call, not the item cache; `userFactors` /
   * `itemFactors` are the user-side and item-side sums P_u, Q_i of every user and item of the
   * model, with `score(u, i) = w0 + c_U + c_I + ⟨P_u, Q_i⟩`. `fit` lends samplers its own,
   * training-time view (kept live by the stepper); this one is for a fitted or loaded model.
   */
  scorer(): FmFactorView {
    const u = this.userRows
    const i = this.itemRows
    return createFmScorer(this.w0, this.w, this.V, this.config.dim, u.indptr, u.features, u.values, i.indptr, i.features, i.values, {
      numItems: this.numItems,
    })
  }

  /**
   * Writes the score of every item for `user` into `out[0..numItems)` from the item cache.
   * @remarks O(nnz_u·dim + numItems·dim); allocates nothing.
   */
  scoreAll(user: number, out: Float32Array): void {
    const r = this.userRows
    const cu = fmRowSum(this.w, this.V, this.config.dim, r.features, r.values, r.indptr[user], r.indptr[user + 1], this.su, 0)
    this.scoreFromSum(this.w0[0] + cu, out)
  }

  /** Scores every item from the user-side sum in `su`: `(⟨su, s_I⟩ + c_I) + base` in float32, as `factors()` ranks. */
  private scoreFromSum(base: number, out: Float32Array): void {
    const dim = this.config.dim
    const su32 = this.su32
    for (let f = 0; f < dim; f++) su32[f] = this.su[f]
    dotScoreVector(su32, 0, Math.fround(base), this.itemSum, this.itemConst, this.numItems, dim, out)
  }

  /**
   * The FM's scores as {@link DotFactors}, for blocked ranking: user rows are the user-side sums
   * P_u, user biases `w0 + c_U`, item rows and biases the item cache (s_I, c_I), so that
   * `score = (⟨P_u, s_I⟩ + c_I) + (w0 + c_U)`, exactly as `scoreAll`. Computed on each call.
   * @remarks O(nnz(users)·dim); allocates `numUsers·(dim + 1)` floats.
   */
  factors(): DotFactors | null {
    if (this.numItems === 0) return null
    const dim = this.config.dim
    const r = this.userRows
    const userFactors = new Float32Array(this.numUsers * dim)
    const userBias = new Float32Array(this.numUsers)
    for (let u = 0; u < this.numUsers; u++) {
      const cu = fmRowSum(this.w, this.V, dim, r.features, r.values, r.indptr[u], r.indptr[u + 1], this.su, 0)
      for (let f = 0; f < dim; f++) userFactors[u * dim + f] = this.su[f]
      userBias[u] = this.w0[0] + cu
    }
    return {
      dim,
      numUsers: this.numUsers,
      numItems: this.numItems,
      userFactors,
      itemFactors: this.itemSum,
      itemBias: this.itemConst,
      userBias,
    }
  }

  /**
   * Top-k items for each user; `excludeSeen` (default true) masks the user's training items.
   * Items without training interactions are candidates too.
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

  /**
   * Top-k items for a user known only by features (cold start): `input` maps user-side field
   * names to values (`{ gender: 'F', age: '25-34' }`, or the feature-file columns). Values the
   * dictionary never saw are ignored; `exclude` lists internal items to leave out.
   * @returns a `TopK` with one row.
   * @throws Error for an unknown field or an item-side field.
   */
  recommendForFeatures(input: FeatureInput, k: number, opts: { exclude?: Int32Array } = {}): TopK {
    this.ensureFitted('recommendForFeatures')
    checkPositiveInt('k', k)
    const row = featureRow(this.features!.dictionary, 'user', input)
    const cu = fmRowSum(this.w, this.V, this.config.dim, row.features, row.values, 0, row.features.length, this.su, 0)
    const scores = this.scoreScratch
    this.scoreFromSum(this.w0[0] + cu, scores)
    if (opts.exclude) for (let j = 0; j < opts.exclude.length; j++) scores[opts.exclude[j]] = -Infinity
    this.ensureHeap(k)
    const out: TopK = { k, items: new Int32Array(k), scores: new Float32Array(k) }
    selectTopK(scores, this.numItems, k, this.heapItems, this.heapScores, out.items, out.scores, 0)
    return out
  }

  /**
   * The k items most similar to each query item by cosine of their cached item-side sums `s_I`
   * (the item's embedding in the FM), the item itself excluded.
   * @remarks O(numItems·dim) per query.
   */
  similarItems(items: Int32Array, k: number): TopK {
    this.ensureFitted('similarItems')
    checkPositiveInt('k', k)
    return cosineSimilarItems(this.itemSum, this.numItems, this.config.dim, items, k)
  }

  /** Encodes the model (parameters, feature rows and dictionary, id maps, seen items, config) as Arrow IPC bytes. */
  serialize(): Uint8Array {
    this.ensureFitted('serialize')
    const f = this.features!
    const arrays: Record<string, StoredArray> = {
      w0: this.w0,
      w: this.w,
      V: this.V,
      userIndptr: f.users.indptr,
      userFeatures: f.users.features,
      userValues: f.users.values,
      itemIndptr: f.items.indptr,
      itemFeatures: f.items.features,
      itemValues: f.items.values,
      seenIndptr: this.seenIndptr,
      seenItems: this.seenItems,
    }
    const header: Omit<ModelHeader, 'arrays' | 'format' | 'formatVersion'> = {
      kind: 'fm',
      config: { ...this.config },
      seed: this.seed,
      versions: { '@decoy/models': MODELS_VERSION },
      userIds: idMapToJson(f.userIds),
      itemIds: idMapToJson(f.itemIds),
      extra: { numUsers: this.numUsers, numItems: this.numItems, numTrainItems: this.numTrainItems, dictionary: f.dictionary.toJSON() },
    }
    return encodeModel(header, arrays)
  }

  /**
   * Writes the model to `path` atomically (temp file + rename). Node only: loads
   * `@decoy/core/node` on demand; use {@link FactorizationMachine.serialize} elsewhere.
   */
  async save(path: string): Promise<void> {
    const spec = '@decoy/core/node'
    const { writeFileAtomic } = (await import(/* @vite-ignore */ spec)) as { writeFileAtomic(p: string, d: Uint8Array): void }
    writeFileAtomic(path, this.serialize())
  }

  /**
   * Rebuilds a model from bytes written by {@link FactorizationMachine.serialize}.
   * @throws Error naming `source` for a truncated file or another model kind.
   */
  static deserialize(bytes: Uint8Array, source = '<bytes>'): FactorizationMachine {
    const { header, arrays } = decodeModel(bytes, source, 'fm')
    return FactorizationMachine.fromDecoded(header, arrays, source)
  }

  /** @internal Builds a model from a decoded file. */
  static fromDecoded(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): FactorizationMachine {
    // Files written before the seed left the config carry it there too.
    const { seed: _seed, ...stored } = header.config as Partial<FactorizationMachineConfig> & { seed?: unknown }
    void _seed
    const config = { ...fmDefaults, ...stored }
    const extra = header.extra as
      | { numUsers: number; numItems: number; numTrainItems: number; dictionary: FeatureDictionaryJson }
      | undefined
    if (!extra || !extra.dictionary || !header.userIds || !header.itemIds)
      throw new Error(`${source}: FM model file lacks its feature dictionary, id maps or sizes`)
    const dictionary = FeatureDictionary.fromJSON(extra.dictionary)
    const users: FeatureRows = {
      numRows: extra.numUsers,
      indptr: arrays.userIndptr as Int32Array,
      features: arrays.userFeatures as Int32Array,
      values: arrays.userValues as Float32Array,
    }
    const items: FeatureRows = {
      numRows: extra.numItems,
      indptr: arrays.itemIndptr as Int32Array,
      features: arrays.itemFeatures as Int32Array,
      values: arrays.itemValues as Float32Array,
    }
    const features: FmFeatures = {
      dictionary,
      userIds: idMapFromJson(header.userIds),
      itemIds: idMapFromJson(header.itemIds),
      users,
      items,
    }
    const m = new FactorizationMachine(config, features)
    m.seed = header.seed
    m.w0 = arrays.w0 as Float32Array
    m.w = arrays.w as Float32Array
    m.V = arrays.V as Float32Array
    if (
      m.w.length !== dictionary.size ||
      m.V.length !== dictionary.size * config.dim ||
      users.indptr.length !== extra.numUsers + 1 ||
      items.indptr.length !== extra.numItems + 1
    ) {
      throw new Error(
        `${source}: FM arrays do not match ${dictionary.size} features × dim ${config.dim}, ${extra.numUsers} users, ${extra.numItems} items`,
      )
    }
    m.bindRows(users, items)
    m.numTrainItems = extra.numTrainItems
    m.seenIndptr = arrays.seenIndptr as Int32Array
    m.seenItems = arrays.seenItems as Int32Array
    m.refreshItemCache()
    return m
  }

  private ensureFitted(what: string): void {
    if (this.numItems === 0 || this.w.length === 0) throw new Error(`${what}: the model has not been fitted or loaded`)
  }

  private ensureHeap(k: number): void {
    if (this.heapItems.length < k) {
      this.heapItems = new Int32Array(k)
      this.heapScores = new Float64Array(k)
    }
  }
}

/** Copy of `rows` without the features whose `used` flag is 0 (no copy when every feature is used). */
function keepUsed(rows: FeatureRows, used: Uint8Array): FeatureRows {
  let nnz = 0
  for (let p = 0; p < rows.features.length; p++) nnz += used[rows.features[p]]
  if (nnz === rows.features.length) return rows
  const indptr = new Int32Array(rows.numRows + 1)
  const features = new Int32Array(nnz)
  const values = new Float32Array(nnz)
  let o = 0
  for (let r = 0; r < rows.numRows; r++) {
    for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) {
      if (used[rows.features[p]] === 0) continue
      features[o] = rows.features[p]
      values[o] = rows.values[p]
      o++
    }
    indptr[r + 1] = o
  }
  return { numRows: rows.numRows, indptr, features, values }
}

function checkFeatures(f: FmFeatures, train: Interactions): void {
  if (f.users.numRows !== f.userIds.size || f.items.numRows !== f.itemIds.size)
    throw new Error('fit: feature rows do not match their id maps')
  if (f.userIds.size < train.numUsers || f.itemIds.size < train.numItems) {
    throw new Error(
      `fit: the features cover ${f.userIds.size} users and ${f.itemIds.size} items, fewer than the training data's ${train.numUsers} and ${train.numItems} (build them over train.userIds / train.itemIds)`,
    )
  }
  for (let u = 0; u < train.numUsers; u++) {
    if (f.userIds.external(u) !== train.userIds.external(u))
      throw new Error(
        `fit: feature user ${u} is ${String(f.userIds.external(u))}, training user ${u} is ${String(train.userIds.external(u))} (build the features over train.userIds)`,
      )
  }
  for (let i = 0; i < train.numItems; i++) {
    if (f.itemIds.external(i) !== train.itemIds.external(i))
      throw new Error(
        `fit: feature item ${i} is ${String(f.itemIds.external(i))}, training item ${i} is ${String(train.itemIds.external(i))} (build the features over train.itemIds)`,
      )
  }
  for (let p = 0; p < f.users.features.length; p++)
    if (f.dictionary.fields[f.dictionary.featureField[f.users.features[p]]].side !== 'user')
      throw new Error('fit: an item-side feature is in a user row')
}

/**
 * Creates a factorization machine. Nothing is allocated until `fit`.
 *
 * @example
 * ```ts
 * const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
 * fb.addItemMeta(ds.items!).addItemTags(ds.tags!)
 * const fm = factorizationMachine({ features: fb.build() })
 * await fm.fit(train, { sampler: uniformSampler(), epochs: 10, seed: 42 })
 * fm.recommend(Int32Array.of(0), 10)
 * ```
 * @see Rendle, "Factorization Machines", ICDM 2010.
 */
export function factorizationMachine(opts: FactorizationMachineOptions = {}): FactorizationMachine {
  const given = validateOptions(fmOptionSchema, opts as Record<string, unknown>, 'factorizationMachine')
  const { features, userFeatures, itemFeatures, ...rest } = given
  const rows = features !== undefined && typeof features !== 'string' ? (features as FmFeatures) : null
  const sources: FmFeatureSources = {
    ...(typeof features === 'string' ? { fields: features } : {}),
    ...(userFeatures ? { userFeatures: userFeatures as FeatureFileInput } : {}),
    ...(itemFeatures ? { itemFeatures: itemFeatures as FeatureFileInput } : {}),
  }
  // Unknown field names fail here, before any data is loaded.
  if (typeof features === 'string') fmFeaturesFrom({ userIds: new IdMap(), itemIds: new IdMap() }, { fields: features, metadata: {} }, true)
  return new FactorizationMachine({ ...fmDefaults, ...(rest as Partial<FactorizationMachineConfig>) }, rows, sources)
}
