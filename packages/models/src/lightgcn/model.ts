import { checkAllocation, createRng, userOfInteraction, type Interactions } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { resolveLoss, type LossName, type LossOptions } from '../losses/index.js'
import { basicOptimizerNames, optimizerCode, scheduleCode, OPT_ADAGRAD, type OptimizerName, type ScheduleName } from '../optim/optim.js'
import { checkPositiveInt, trainLoop, type TrainPlan } from '../train/fit.js'
import { mergeFitConfig } from '../train/fit-config.js'
import type { FitOptions, FitResult, Stepper, TrainTarget } from '../train/types.js'
import type { Model } from '../model.js'
import { validateOptions, type OptionSchema } from '../schema.js'
import { trainerOptionSchema } from '../train/options.js'
import { decodeModel, type ModelHeader, type StoredArray } from '../persist/format.js'
import { DotProductModel } from '../dot-model.js'
import { normalizedGraph } from './graph.js'
import { flushAndRefresh, lightGcnStep, type LightGcnState } from './step.js'
import { lightGcnPropagator } from './propagate.js'
import type { PropagationPool } from './threads.js'

/** Options of {@link lightGcn}; every training option can be overridden per `fit`. */
export interface LightGcnOptions extends LossOptions {
  /** Propagation layers K (default 3; 0 is MF without biases). */
  layers?: number
  /**
   * Weights of E⁰…E^K in the final embeddings (K + 1 numbers, or a comma-separated string);
   * default uniform 1/(K + 1).
   */
  layerWeights?: readonly number[] | string
  /** Recompute the final embeddings every this many batches (default 1: exact gradients). */
  propagateEvery?: number
  /** Embedding dimension (default 64). */
  dim?: number
  /** Loss (default `'softmax'`). */
  loss?: LossName
  /** Negatives per positive (default 32). */
  negatives?: number
  /** Epochs (default 10). */
  epochs?: number
  /** Positives per batch, i.e. per propagation (default 2048). */
  batchSize?: number
  /** Learning rate (default 0.3). */
  learningRate?: number
  /** Floor of the linear schedule (default learningRate·1e-3). */
  minLearningRate?: number
  /** L2 on the batch's rows of E⁰, once per occurrence (default 0.005). */
  l2?: number
  /** Optimiser: `'sgd'` or `'adagrad'` (default; MF's row-wise `'adagrad-row'` is rejected). */
  optimizer?: OptimizerName
  /** Schedule (default `'constant'` for Adagrad, `'linear'` for SGD). */
  schedule?: ScheduleName
  /** Standard deviation of the normal initialisation of E⁰ (default 0.1). */
  initStd?: number
}

const { l2Bias: _l2Bias, ...trainerOptions } = trainerOptionSchema
void _l2Bias

/** The option schema of {@link lightGcn} (validation, CLI flags, experiment configs). */
export const lightGcnOptionSchema: OptionSchema = Object.freeze({
  ...trainerOptions,
  batchSize: { ...trainerOptionSchema.batchSize, doc: 'positives per batch (one propagation each)', defaultText: '2048' },
  l2: { ...trainerOptionSchema.l2, doc: "L2 on the batch's rows of E⁰, per occurrence", defaultText: '0.005' },
  learningRate: { ...trainerOptionSchema.learningRate, defaultText: '0.3' },
  layers: { type: 'int', min: 0, max: 16, doc: 'propagation layers K (0: MF without biases)', defaultText: '3' },
  layerWeights: { type: 'string|object', doc: 'weights of E⁰…E^K, comma-separated (K + 1 numbers)', defaultText: '1/(K+1) each' },
  propagateEvery: { type: 'int', min: 1, doc: 'recompute the final embeddings every N batches (1: exact)', defaultText: '1' },
})

/** The resolved configuration stored in a model and in its saved file. */
export interface LightGcnConfig {
  layers: number
  layerWeights: number[] | null
  propagateEvery: number
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
  margin: number
  temperature: number
  logQCorrection: boolean
  gbceT: number
}

/**
 * Defaults of {@link lightGcn}: three layers with uniform weights (He et al.); sampled softmax over
 * 32 negatives, dim 64, 10 epochs as MF; 2048 positives per batch (one propagation each, the
 * paper's batch), and, since a batch is one summed-gradient step, Adagrad at 0.3 with L2 0.005
 * (ml-latest-small, 3 epochs, uniform: lr 0.1 / L2 0.05 gave NDCG@10 0.242, lr 0.1 / L2 0.005 0.271,
 * lr 0.3 / L2 0.005 0.321; MF 0.295).
 */
export const lightGcnDefaults: Readonly<LightGcnConfig> = Object.freeze({
  layers: 3,
  layerWeights: null,
  propagateEvery: 1,
  dim: 64,
  loss: 'softmax',
  negatives: 32,
  epochs: 10,
  batchSize: 2048,
  learningRate: 0.3,
  minLearningRate: null,
  l2: 0.005,
  l2Bias: null,
  optimizer: 'adagrad',
  schedule: null,
  initStd: 0.1,
  margin: 1,
  temperature: 1,
  logQCorrection: true,
  gbceT: 0.75,
})

const EMPTY_F32 = new Float32Array(0)

/** Resolves `layerWeights` (array or comma-separated string) for K layers; null: uniform. */
export function resolveLayerWeights(
  layers: number,
  given: readonly number[] | string | null | undefined,
  where = 'lightGcn',
): number[] | null {
  if (given === null || given === undefined) return null
  const list = typeof given === 'string' ? given.split(',').map((x) => Number(x.trim())) : Array.from(given)
  if (list.length !== layers + 1) throw new Error(`${where}: layerWeights must have layers + 1 = ${layers + 1} numbers, got ${list.length}`)
  for (const w of list)
    if (!(typeof w === 'number' && Number.isFinite(w)))
      throw new Error(`${where}: layerWeights must be finite numbers, got ${JSON.stringify(given)}`)
  return list
}

const MODELS_NODE = '@decoy/models/node'

/** The Node-only worker pool of the propagation, loaded on demand. */
async function propagationPool(memory: WebAssembly.Memory, workers: number): Promise<PropagationPool> {
  let mod: { createPropagationPool(m: WebAssembly.Memory, w: number): Promise<PropagationPool> }
  try {
    mod = (await import(/* @vite-ignore */ MODELS_NODE)) as typeof mod
  } catch (e) {
    throw new Error(`lightgcn: workers ≥ 2 needs Node worker threads (${MODELS_NODE}): ${(e as Error).message}`)
  }
  return mod.createPropagationPool(memory, workers)
}

/**
 * LightGCN (He et al., SIGIR 2020): embeddings E⁰ of users and items propagated over the
 * symmetric-normalised user–item graph Ã = D^-½ A D^-½ of the training log, final embeddings
 * `Σ_k w_k Ã^k E⁰` (uniform `1/(K+1)` by default), score = dot product of final embeddings. Trained
 * through the shared loop with any sampler and loss: each batch propagates forward (or reuses the
 * cached final embeddings, `propagateEvery`), takes dL/ds from the shared loss kernels, and
 * back-propagates through the K layers (Ã is symmetric: the same sparse product) to E⁰.
 * The final embeddings are the model's factors: `userFactors` and `itemFactors` are views of their
 * user and item rows, so scoring, ranking, `similarItems` and `scorer()` (a live `FactorView` for
 * model-aware samplers) are `DotProductModel`'s (the internal base of MF, ALS and LightGCN). Files
 * store E⁰ and the final embeddings.
 */
export class LightGcn extends DotProductModel<LightGcnConfig> implements Model {
  /** Registry key of the family. */
  readonly kind = 'lightgcn'
  /** `[(users + items) × dim]` E⁰ (users first). */
  embeddings: Float32Array = EMPTY_F32
  /** `[(users + items) × dim]` final embeddings (users first); `userFactors`/`itemFactors` view them. */
  finalEmbeddings: Float32Array = EMPTY_F32

  /** Layer weights w_0..w_K in use. */
  layerWeights(): Float64Array {
    const K = this.config.layers
    return this.config.layerWeights ? Float64Array.from(this.config.layerWeights) : new Float64Array(K + 1).fill(1 / (K + 1))
  }

  /**
   * Trains on `train` with `options.sampler` (required), `seed` (required) and any training
   * option. `workers` ≥ 2 (Node, WebAssembly kernel) splits the rows of every sparse product
   * between the main thread and `workers − 1` worker threads; the batches stay sequential, so the
   * result is bit-identical to one thread's.
   * @throws Error naming the option when an option is invalid.
   */
  async fit(train: Interactions, opts: FitOptions): Promise<FitResult> {
    const c = this.config
    const { seed, ...merged } = mergeFitConfig(c, opts, 'lightGcn')
    const workers = opts.workers ?? 1
    checkPositiveInt('workers', workers)
    if (workers > 1 && opts.kernel === 'js')
      throw new Error(`fit: lightgcn's worker threads run the WebAssembly kernel; got workers ${workers} with kernel 'js'`)
    const loss = resolveLoss(merged.loss, merged, merged.negatives, train.numItems)
    const optimizer = optimizerCode(merged.optimizer, basicOptimizerNames, 'lightgcn')
    const schedule = merged.schedule ?? (optimizer === OPT_ADAGRAD ? 'constant' : 'linear')
    Object.assign(this.config, merged)
    const dim = c.dim
    const nodes = train.numUsers + train.numItems
    const nnz = train.items.length
    const cached = c.propagateEvery > 1
    // E⁰, final, grad, grad0, a, b, + Adagrad accumulators, + the pending gradient of cached propagation.
    const nodeArrays = 6 + (optimizer === OPT_ADAGRAD ? 1 : 0) + (cached ? 1 : 0)
    checkAllocation(
      `lightgcn with dim ${dim} on ${train.numUsers} users × ${train.numItems} items`,
      [
        {
          what: 'E⁰, final embeddings, gradients and layer scratch',
          elements: nodes * dim * nodeArrays,
          bytesPer: 4,
        },
        { what: 'the normalised graph', elements: nnz * 4 + nodes, bytesPer: 4 },
        { what: 'the negative buffer', elements: merged.batchSize * merged.negatives, bytesPer: 8 },
      ],
      'lower the dimension (--dim) or the batch size × negatives',
    )
    const weights = this.layerWeights()
    const prop = lightGcnPropagator(
      workers > 1 ? 'wasm' : opts.kernel,
      normalizedGraph(train),
      dim,
      nodeArrays,
      { batchSize: merged.batchSize, k: merged.negatives, loss: loss.code, hp: loss.hp },
      workers > 1,
    )
    this.initialize(train, seed, prop.floats(), prop.floats())
    const state: LightGcnState = {
      graph: prop.graph,
      prop,
      dim,
      weights,
      e0: this.embeddings,
      acc: optimizer === OPT_ADAGRAD ? prop.floats() : EMPTY_F32,
      final: this.finalEmbeddings,
      grad: prop.floats(),
      grad0: prop.floats(),
      a: prop.floats(),
      b: prop.floats(),
      touched: prop.ints(),
      touchedList: prop.ints(),
      optimizer,
      loss: loss.code,
      hp: loss.hp,
      l2: merged.l2,
      propagateEvery: c.propagateEvery,
      steps: 0,
      pending: cached ? prop.floats() : EMPTY_F32,
      deferredWeights: Float64Array.from(weights, (w, k) => (k === 0 ? 0 : w)),
      lastLr: merged.learningRate,
      stepsPerEpoch: Math.ceil(train.items.length / merged.batchSize),
      epochStep: 0,
      scores: new Float64Array(merged.negatives + 1),
      grads: new Float64Array(merged.negatives + 1),
      exps: new Float64Array(merged.negatives + 1),
    }
    flushAndRefresh(state)
    const scorer = this.scorer()
    // The samplers' batch scoring on the twin's SIMD dot (MF's training scorer does the same).
    const pairs = prop.scorePairs
    const final = this.finalEmbeddings
    if (pairs) scorer.scoreBatch = (users, items, count, out) => pairs(final, users, items, count, out)
    const stepper: Stepper = {
      scorer: () => scorer,
      step: (batch, negs, start, end, lr) => lightGcnStep(state, batch, negs, start, end, lr),
    }
    const arrays: Record<string, Float32Array> = { embeddings: this.embeddings }
    if (state.acc.length > 0) arrays.acc = state.acc
    const target: TrainTarget = {
      stepperKind: 'lightgcn',
      createStepper: () => stepper,
      spec: null,
      arrays: () => arrays,
      paramNames: ['embeddings'],
      adopt: () => {
        throw new Error('lightgcn: worker threads are not supported')
      },
      model: this,
      // Validation and onEpoch rank with the current E⁰, not the stale cache of the last batch.
      beforeReport: () => flushAndRefresh(state),
    }
    const plan: TrainPlan = {
      seed,
      epochs: merged.epochs,
      batchSize: merged.batchSize,
      k: merged.negatives,
      learningRate: merged.learningRate,
      minLearningRate: merged.minLearningRate ?? merged.learningRate * 1e-3,
      schedule: scheduleCode(schedule),
      workers: 1,
      samplerModule: opts.samplerModule ?? '@decoy/samplers/registry',
    }
    const examples = { users: userOfInteraction(train), positives: train.items, count: train.items.length }
    const pool = workers > 1 && prop.memory ? await propagationPool(prop.memory, workers - 1) : null
    prop.useThreads(pool)
    let result: FitResult
    try {
      result = await trainLoop(target, train, examples, plan, opts)
      // After the last step (or the restored best epoch): the final embeddings of the held E⁰.
      flushAndRefresh(state)
    } finally {
      prop.useThreads(null)
      await pool?.close()
    }
    result.kernel = prop.kernel
    result.config = { model: 'lightgcn', ...this.config, seed, schedule, workers, kernel: prop.kernel, sampler: opts.sampler.config }
    this.seed = seed
    this.lastFit = result
    return result
  }

  /** Sets the fit's data and draws E⁰ into `e0`; `final` becomes the final embeddings (both `[(users + items) × dim]`). */
  private initialize(train: Interactions, seed: string, e0: Float32Array, final: Float32Array): void {
    const dim = this.config.dim
    this.adoptTraining(train)
    const state = createRng(seed).fork('fit').fork('init').state
    const std = this.config.initStd
    // Users then items, drawn in the order MF draws its user then item factors.
    if (e0.length !== (train.numUsers + train.numItems) * dim) throw new Error('lightgcn: E⁰ does not match the data')
    this.embeddings = e0
    for (let i = 0; i < e0.length; i++) e0[i] = std * prngNormal(state)
    this.setFinal(final)
  }

  private setFinal(final: Float32Array): void {
    const split = this.numUsers * this.config.dim
    this.finalEmbeddings = final
    this.userFactors = final.subarray(0, split)
    this.itemFactors = final.subarray(split)
  }

  /** @internal E⁰ and the final embeddings (the factors are views of the latter). */
  protected override storedParameters(): Record<string, StoredArray> {
    return { embeddings: this.embeddings, finalEmbeddings: this.finalEmbeddings }
  }

  /** @internal */
  protected override restoreParameters(arrays: Record<string, StoredArray>, source: string): void {
    const want = (this.numUsers + this.numItems) * this.config.dim
    const e0 = arrays.embeddings
    const fin = arrays.finalEmbeddings
    if (!(e0 instanceof Float32Array) || !(fin instanceof Float32Array) || e0.length !== want || fin.length !== want) {
      throw new Error(
        `${source}: LightGCN embeddings do not match ${this.numUsers} users + ${this.numItems} items × dim ${this.config.dim}`,
      )
    }
    this.embeddings = e0
    this.setFinal(fin)
  }

  /** Rebuilds a model from bytes written by {@link LightGcn.serialize}. */
  static deserialize(bytes: Uint8Array, source = '<bytes>'): LightGcn {
    const { header, arrays } = decodeModel(bytes, source, 'lightgcn')
    return LightGcn.fromDecoded(header, arrays, source)
  }

  /** @internal Builds a model from a decoded file. */
  static fromDecoded(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): LightGcn {
    const config = { ...lightGcnDefaults, ...(header.config as Partial<LightGcnConfig>) }
    const m = new LightGcn(config)
    m.restore(header, arrays, source, 'LightGCN')
    return m
  }
}

/**
 * Creates a LightGCN model. Nothing is allocated until `fit`.
 *
 * @example
 * ```ts
 * const model = lightGcn({ layers: 3, dim: 64 })
 * await model.fit(train, { sampler: uniformSampler(), seed: 42 })
 * const top = model.recommend(Int32Array.of(0), 10)
 * ```
 * @see He et al., "LightGCN: Simplifying and Powering Graph Convolution Network for Recommendation", SIGIR 2020.
 */
export function lightGcn(opts: LightGcnOptions = {}): LightGcn {
  const given = validateOptions(lightGcnOptionSchema, opts as Record<string, unknown>, 'lightGcn')
  const layers = (given.layers as number | undefined) ?? lightGcnDefaults.layers
  const layerWeights = resolveLayerWeights(layers, given.layerWeights as readonly number[] | string | undefined)
  return new LightGcn({ ...lightGcnDefaults, ...(given as Partial<LightGcnConfig>), layerWeights })
}
