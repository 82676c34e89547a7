import type { Batch, FactorView, Interactions, NegativeBuffer, NegativeSampler, Recommender, Scorer } from '@decoy/core'
import type { LossName, LossOptions } from '../losses/index.js'
import type { OptimizerName, ScheduleName } from '../optim/optim.js'
import type { FitProgress, YieldEvery } from './pacer.js'

/** Statistics of one training epoch, passed to `onEpoch` and returned by `fit`. */
export interface EpochStats {
  /** 0-based epoch index. */
  epoch: number
  /** Mean loss per trained slot (positive with its negatives); NaN for models that do not compute it (item2vec). */
  loss: number
  /** Wall-clock seconds of the epoch's training (validation excluded). */
  seconds: number
  /** Positive–negative pair updates (unmasked negatives) in the epoch. */
  updates: number
  /** Slots (positives; item2vec: (centre, context) pairs) trained. */
  slots: number
  /** Learning rate at the end of the epoch. */
  learningRate: number
  /** Validation metrics after the epoch, when `validation` is set. */
  validation?: Record<string, number>
  /** With `workers` ≥ 2 (item2vec): each worker's busy seconds; the gap to `seconds` is waiting. */
  workerSeconds?: number[]
}

/** Early stopping on a validation metric (higher is better). */
export interface EarlyStoppingOptions {
  /** Metric key returned by `evaluateFn` (default `'ndcg@10'`). */
  metric?: string
  /** Epochs without improvement before stopping (default 2). */
  patience?: number
  /** Smallest change that counts as an improvement (default 0). */
  minDelta?: number
}

/** What {@link EvaluateFn} receives: named, so validation and training data cannot be swapped. */
export interface EvaluateInput {
  /** The model after the epoch. */
  model: Recommender
  /** The training interactions (masked when ranking). */
  train: Interactions
  /** The held-out interactions to score. */
  validation: Interactions
}

/**
 * Evaluates a model on validation data, e.g.
 * `({ model, train, validation }) => evaluate(model, train, validation, { k: [10] }).metrics` from
 * `@decoy/eval` (passed in, so models need not depend on eval).
 */
export type EvaluateFn = (input: EvaluateInput) => Record<string, number>

/**
 * Options of `fit` every model takes (`Model.fit`): the sampler, the run's seed, epochs, threads,
 * kernels, validation with early stopping and the per-epoch callback.
 */
export interface CommonFitOptions {
  /** The negative sampler (any `NegativeSampler`; models never import a sampler). */
  sampler?: NegativeSampler
  /** Seed of the run (init, order, sampler streams): required, for every model. */
  seed?: string | number
  /** Passes over the training data (default: the model's). */
  epochs?: number
  /** Examples per sampler call (default: the model's). */
  batchSize?: number
  /** Threads; ≥ 2 runs Hogwild worker threads (Node only, `@decoy/models/node`). Default 1. */
  workers?: number
  /**
   * Step kernels: `'wasm'` (WebAssembly SIMD), `'js'` (TypeScript, the reference), `'auto'`
   * (default: wasm where the engine supports it and the kernel covers the configuration).
   */
  kernel?: 'auto' | 'wasm' | 'js'
  /** Held-out interactions evaluated after each epoch with `evaluateFn`. */
  validation?: Interactions
  /** Metric function for `validation`. */
  evaluateFn?: EvaluateFn
  /** Stop when the validation metric stops improving; the best epoch's parameters are restored. */
  earlyStopping?: EarlyStoppingOptions | boolean
  /** Called after every epoch; return `false` to stop training. */
  onEpoch?: (stats: EpochStats) => void | boolean
  /**
   * Called with the fit's progress per step (batch; ALS: row block; item2vec: user block), at most
   * about every 16 ms, and at every epoch end. Works in Node and in browsers.
   */
  onProgress?: (progress: FitProgress) => void
  /**
   * When the training loop yields to the event loop (default `'auto'` in browsers and Web Workers,
   * `'never'` in Node); yielding never changes the result. See {@link YieldEvery}.
   */
  yieldEvery?: YieldEvery
  /** Module the worker threads import to rebuild the sampler (default `'@decoy/samplers/registry'`). */
  samplerModule?: string
  /**
   * The dataset's side information (e.g. `loadDataset(...)`'s `items`, `users`, `tags`), for
   * models that build features from it (FM with `features: 'genres,year,tags'`); others ignore it.
   */
  metadata?: ModelMetadata
}

/** Side information of a dataset, joined on external ids (shapes as `@decoy/datasets` loads them). */
export interface ModelMetadata {
  /** Item metadata (titles, genres, years). */
  items?: object | null
  /** User metadata (demographics). */
  users?: object | null
  /** Tag records. */
  tags?: object | null
}

/** `fit` options of the dot-product-style models (MF, FM): the common ones and training overrides. */
export interface FitOptions extends CommonFitOptions, LossOptions {
  /** The negative sampler (any `NegativeSampler`; models never import a sampler). */
  sampler: NegativeSampler
  /** Loss (default: the model's). */
  loss?: LossName
  /** Negatives per positive (default: the model's, else 1). */
  negatives?: number
  /** Positives per sampler call (default 256). */
  batchSize?: number
  /** Initial learning rate. */
  learningRate?: number
  /** Floor of the linear schedule (default learningRate·1e-3). */
  minLearningRate?: number
  /** Learning-rate schedule (default `'constant'` for Adagrad, `'linear'` for SGD). */
  schedule?: ScheduleName
  /** L2 penalty on touched factor rows. */
  l2?: number
  /** L2 penalty on touched biases (default l2). */
  l2Bias?: number
  /** `'sgd'`, `'adagrad'`, or `'adagrad-row'` (row-wise Adagrad; MF only, other models reject it). */
  optimizer?: OptimizerName
}

/** What `fit` returns. */
export interface FitResult {
  /** Per-epoch statistics. */
  epochs: EpochStats[]
  /** Epoch whose parameters the model holds (the best one under early stopping, else the last). */
  bestEpoch: number
  /** Training seconds (validation excluded). */
  trainSeconds: number
  /** Total pair updates. */
  updates: number
  /** Pair updates per training second. */
  updatesPerSecond: number
  /** The sampler's diagnostics (summed over workers). */
  samplerStats: Record<string, number | undefined>
  /** Resolved training configuration (JSON). */
  config: Record<string, unknown>
  /**
   * Step kernel that ran, for models with a WebAssembly twin (MF, FM, item2vec): `'wasm'`
   * (WebAssembly SIMD) or `'js'` (TypeScript). Absent for models with only the TypeScript kernel.
   */
  kernel?: 'wasm' | 'js'
}

/**
 * A per-thread training step over a model's parameter arrays: what the loop (main thread or a
 * worker) calls for every batch.
 */
export interface Stepper {
  /** Live scorer over the parameters, handed to the thread's sampler at `prepare`. */
  scorer(): Scorer | FactorView
  /**
   * Trains slots `[start, end)` of `batch` with their negatives at learning rate `lr`.
   * @returns the summed loss. Allocates nothing.
   */
  step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number
  /** True when `step` trains on `negs.shared` (batch-shared negatives) rather than the per-slot draws. */
  readonly sharedNegatives?: boolean
  /**
   * A batch and negative buffer of capacity `batchSize` (k draws per slot) that `step` reads in
   * place (the WebAssembly kernel's own slots), so a step copies nothing; null when the stepper
   * has none for these sizes (the loop then allocates plain ones). Called once per thread.
   */
  buffers?(batchSize: number, k: number): { batch: Batch; negs: NegativeBuffer } | null
}

/**
 * Builds a {@link Stepper} from named parameter arrays and a JSON spec, on any thread. Registered
 * by `kind` in `stepperFactories`, so a worker thread rebuilds the same stepper over shared memory.
 * `thread` is the caller's index (0 on the main thread, w in worker w), for steppers that keep
 * per-thread scratch inside shared memory (the dot stepper's WebAssembly kernel).
 */
export type StepperFactory = (arrays: Record<string, Float32Array>, spec: any, train: Interactions, k: number, thread?: number) => Stepper

/**
 * What a model hands to the generic training loop: its arrays (parameters and optimiser state),
 * the stepper kind and spec, and itself as a `Recommender` for validation.
 */
export interface TrainTarget {
  /** Key of the stepper in the model registry (worker threads rebuild it from there). */
  readonly stepperKind: string
  /** The stepper factory on this thread (the family's own, so the loop imports no model). */
  readonly createStepper: StepperFactory
  /** JSON spec passed to the stepper factory (also posted to workers). */
  readonly spec: unknown
  /** Named arrays the steps write, parameters and optimiser state alike. */
  arrays(): Record<string, Float32Array>
  /** Names in `arrays()` that are parameters (snapshotted for early stopping). */
  readonly paramNames: readonly string[]
  /** Rebinds the model to new arrays of the same lengths (shared memory for workers). */
  adopt(arrays: Record<string, Float32Array>): void
  /** The model, for `evaluateFn`. */
  readonly model: Recommender
  /** Called after each epoch before validation and `onEpoch` see the model (FM's item cache). */
  beforeReport?(): void
}

/** Training examples: slot e is the pair (users[e], positives[e]). */
export interface Examples {
  /** Row (user) per example. */
  users: Int32Array
  /** Positive item per example. */
  positives: Int32Array
  /** Number of examples. */
  count: number
}
