import { checkAllocation, createRng, userOfInteraction, type DotFactors, type FactorView, type Interactions } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { resolveLoss, type LossName, type LossOptions } from '../losses/index.js'
import {
  optimizerCode,
  optimizerNames,
  scheduleCode,
  OPT_ADAGRAD,
  OPT_ADAGRAD_ROW,
  type OptimizerName,
  type ScheduleName,
} from '../optim/optim.js'
import { createDotScorer } from '../dot-scorer.js'
import { createDotStepper, type DotStepperSpec } from './stepper.js'
import { mfBackend } from './backend.js'
import { checkPositiveInt, trainLoop, type TrainPlan } from '../train/fit.js'
import { threadHost } from '../train/threads.js'
import { gemmWasmSupported } from './gemm.js'
import { createSharedStepper, type SharedStepperSpec } from './shared-step.js'
import { mergeFitConfig } from '../train/fit-config.js'
import type { FitOptions, FitResult, TrainTarget } from '../train/types.js'
import type { Model } from '../model.js'
import { validateOptions, type OptionSchema } from '../schema.js'
import { trainerOptionSchema } from '../train/options.js'
import { DotProductModel } from '../dot-model.js'
import { decodeModel, type ModelHeader, type StoredArray } from '../persist/format.js'

/** Options of {@link matrixFactorization}; every training option can be overridden per `fit`. */
export interface MatrixFactorizationOptions extends LossOptions {
  /** Factor dimension (default 64). */
  dim?: number
  /** Loss (default `'softmax'`). */
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
  /** L2 on touched biases (default: l2). */
  l2Bias?: number
  /**
   * Optimiser (default `'adagrad'`): `'sgd'`, `'adagrad'` (one accumulator per coordinate), or
   * `'adagrad-row'`, row-wise Adagrad (one accumulator per factor row, as FBGEMM's
   * `rowwise_adagrad`: G_r += mean_f(g_f²), θ_r −= lr·g/√(G_r + ε); biases keep scalar Adagrad).
   * Row-wise state is `dim` times smaller and a step costs one square root per row instead of one
   * per coordinate; its learning-rate scale differs from Adagrad's (see the package README for
   * measured speed and quality).
   */
  optimizer?: OptimizerName
  /** Schedule (default `'constant'` for Adagrad, `'linear'` for SGD). */
  schedule?: ScheduleName
  /** Standard deviation of the normal initialisation (default 0.1). */
  initStd?: number
  /** Learn item biases (default true; ignored with `normalize`). */
  bias?: boolean
  /** Cosine scores over L2-normalised embeddings (default false); pair with a small `temperature`. */
  normalize?: boolean
  /**
   * With batch-shared negatives (samplers `shared`, `all`), batches hold users' pairs together, cut
   * into chunks of at most this many pairs of one user (one GEMM row each; default 8); 0: whole users.
   */
  userChunk?: number
  /** CCL's weight of the mean negative term (default 1). */
  negativeWeight?: number
}

/** The option schema of {@link matrixFactorization} (validation, CLI flags, experiment configs). */
export const mfOptionSchema: OptionSchema = Object.freeze({
  ...trainerOptionSchema,
  optimizer: {
    type: 'string',
    values: optimizerNames,
    doc: 'sgd|adagrad|adagrad-row (row-wise Adagrad: one accumulator per row; mf only)',
    defaultText: 'adagrad',
  },
  bias: { type: 'boolean', doc: 'learn item biases (ignored with normalize)', defaultText: 'true' },
  normalize: { type: 'boolean', doc: 'cosine scores over L2-normalised embeddings', defaultText: 'false' },
  userChunk: {
    type: 'int',
    min: 0,
    doc: 'batch-shared negatives (samplers shared, all): pairs of one user per GEMM row, 0 = whole users',
    defaultText: '8',
  },
  negativeWeight: { type: 'number', min: 0, doc: 'ccl: weight of the mean negative term', defaultText: '1' },
})

/** Options of {@link MatrixFactorization.fit}: the shared `FitOptions` and the step kernel. */
export interface MatrixFactorizationFitOptions extends FitOptions {
  /**
   * Step kernel: `'wasm'` runs the WebAssembly SIMD twin of `dotStepRange` (float32 rows, several
   * times the TypeScript kernel at dim 64), `'js'` the TypeScript kernel (float64 accumulators),
   * `'auto'` (default) picks `'wasm'` when the engine supports WebAssembly SIMD and the kernel
   * covers the configuration: loss bpr, logistic, gbce or softmax, unnormalised scores, `dim` a
   * multiple of 4. The two agree to float32 rounding per step, not bit for bit; each is
   * deterministic for a seed with one worker. `'wasm'` on an uncovered configuration throws.
   */
  kernel?: 'auto' | 'wasm' | 'js'
  /** With batch-shared negatives: pairs of one user per GEMM row (default: the model's `userChunk`). */
  userChunk?: number
}

/** The resolved configuration stored in a model and in its saved file. */
export interface MatrixFactorizationConfig {
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
  bias: boolean
  normalize: boolean
  margin: number
  temperature: number
  logQCorrection: boolean
  gbceT: number
  userChunk: number
  negativeWeight: number
}

/**
 * Defaults of {@link matrixFactorization}: the configuration that reached the best NDCG@10 on
 * ml-latest-small (random 80/20 per-user split, full ranking) in the package README's table:
 * sampled softmax over 32 uniform negatives with logQ correction, Adagrad at 0.1, L2 0.05 on the
 * touched rows, 10 epochs, dim 64 (NDCG@10 ≈ 0.35; popularity ≈ 0.19). Re-checked across four
 * datasets (docs/defaults.md): these options stay, and the family's default sampler became
 * popularity^0.3 (logQ-corrected), which ranks best across them; `fit` still takes the sampler.
 */
export const mfDefaults: Readonly<MatrixFactorizationConfig> = Object.freeze({
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
  bias: true,
  normalize: false,
  margin: 1,
  temperature: 1,
  logQCorrection: true,
  gbceT: 0.75,
  userChunk: 8,
  negativeWeight: 1,
})

const EMPTY_F32 = new Float32Array(0)

/**
 * Matrix factorization for implicit feedback: score(u, i) = p_u·q_i + b_i (or the cosine of
 * normalised embeddings), trained by the shared loop with any sampler and loss. Implements
 * `Recommender`; `scorer()` is a live `FactorView` for model-aware samplers.
 */
export class MatrixFactorization extends DotProductModel<MatrixFactorizationConfig> implements Model {
  /** Registry key of the family. */
  readonly kind = 'mf'
  /**
   * `[numItems]` item biases (length 0 without biases). After a fit with the WebAssembly kernel a
   * view of the kernel's memory, as the factors, which also holds the Adagrad accumulators until
   * the model is dropped or re-fitted.
   */
  itemBias: Float32Array = EMPTY_F32

  /**
   * Trains on `train` with negatives from `opts.sampler`. Options given here override the
   * model's; the resolved ones are stored in `config`. Re-fitting starts from a fresh
   * initialisation.
   *
   * @returns per-epoch statistics and timing.
   * @throws Error naming the option when an option is invalid.
   */
  async fit(train: Interactions, opts: MatrixFactorizationFitOptions): Promise<FitResult> {
    const c = this.config
    const { seed, ...merged } = mergeFitConfig(c, opts, 'matrixFactorization')
    const workers = opts.workers ?? 1
    checkPositiveInt('workers', workers)
    // Before shared memory is allocated: the same clear error as every model where threads cannot run.
    if (workers >= 2) threadHost('fit', workers)
    if (opts.userChunk !== undefined) merged.userChunk = opts.userChunk
    if (opts.negativeWeight !== undefined) merged.negativeWeight = opts.negativeWeight
    if (!(Number.isInteger(merged.userChunk) && merged.userChunk >= 0)) {
      throw new Error(`fit: userChunk must be an integer >= 0, got ${merged.userChunk}`)
    }
    const loss = resolveLoss(merged.loss, merged, merged.negatives, train.numItems)
    const optimizer = optimizerCode(merged.optimizer, optimizerNames, 'mf')
    const adagrad = optimizer === OPT_ADAGRAD || optimizer === OPT_ADAGRAD_ROW
    const schedule = merged.schedule ?? (adagrad ? 'constant' : 'linear')
    Object.assign(this.config, merged)

    const dim = c.dim
    const useBias = c.bias && !c.normalize
    const normalize = c.normalize ? 1 : 0
    // Batch-shared negatives (samplers shared, all): users' pairs grouped, one GEMM per batch, over
    // plain arrays (the GEMM arena holds only the batch's copies).
    const shared = opts.sampler?.requires?.shared !== undefined
    if (shared && workers !== 1) {
      throw new Error(`fit: batch-shared negatives (sampler ${opts.sampler.config.kind}) run on one worker; set workers to 1`)
    }
    // Before anything is allocated: factors (twice with AdaGrad's accumulators, one more float per
    // row with row-wise Adagrad's), the negative buffer.
    checkAllocation(
      `mf with dim ${dim} on ${train.numUsers} users × ${train.numItems} items`,
      [
        {
          what: 'the user and item factors',
          elements: (train.numUsers + train.numItems) * dim,
          bytesPer: optimizer === OPT_ADAGRAD ? 8 : 4,
        },
        ...(optimizer === OPT_ADAGRAD_ROW
          ? [{ what: "row-wise Adagrad's accumulators", elements: train.numUsers + train.numItems, bytesPer: 4 }]
          : []),
        { what: 'the negative buffer', elements: merged.batchSize * merged.negatives, bytesPer: 8 },
        { what: 'score scratch', elements: train.numItems * 2, bytesPer: 4 },
      ],
      'lower the dimension (--dim) or the batch size × negatives',
    )
    // The backend decides which step kernel runs and where the parameters live (its memory).
    const backend = mfBackend(shared ? 'js' : opts.kernel, {
      dim,
      k: merged.negatives,
      batchSize: merged.batchSize,
      rows: train.numUsers,
      numItems: train.numItems,
      bias: useBias,
      loss: loss.code,
      optimizer,
      adagrad,
      normalize,
      workers,
      lossName: merged.loss,
    })
    const arrays = backend.arrays
    this.initialize(train, seed, arrays)
    const spec: DotStepperSpec = {
      dim,
      numItems: train.numItems,
      loss: loss.code,
      hp: Array.from(loss.hp),
      optimizer,
      normalize,
      l2: merged.l2,
      l2Bias: merged.l2Bias ?? merged.l2,
      wasm: backend.wasm,
    }
    const sharedSpec: SharedStepperSpec = {
      dim,
      numItems: train.numItems,
      loss: loss.code,
      hp: Array.from(loss.hp),
      optimizer,
      normalize,
      l2: merged.l2,
      l2Bias: merged.l2Bias ?? merged.l2,
      wasm: opts.kernel !== 'js',
    }
    let live = arrays
    const target: TrainTarget = {
      stepperKind: shared ? 'shared' : 'dot',
      createStepper: shared ? createSharedStepper : createDotStepper,
      spec: shared ? sharedSpec : spec,
      arrays: () => live,
      paramNames: useBias ? ['left', 'right', 'bias'] : ['left', 'right'],
      adopt: (next) => {
        live = next
        this.userFactors = next.left
        this.itemFactors = next.right
        if (next.bias) this.itemBias = next.bias
      },
      model: this,
    }
    const plan: TrainPlan = {
      seed,
      epochs: merged.epochs,
      batchSize: merged.batchSize,
      // The shared step reads the sampler's shared block; its per-slot view is one draw.
      k: shared ? 1 : merged.negatives,
      learningRate: merged.learningRate,
      minLearningRate: merged.minLearningRate ?? merged.learningRate * 1e-3,
      schedule: scheduleCode(schedule),
      workers,
      samplerModule: opts.samplerModule ?? '@decoy/samplers/registry',
      order: shared ? 'users' : 'pairs',
      userChunk: merged.userChunk,
    }
    const examples = { users: userOfInteraction(train), positives: train.items, count: train.items.length }
    const result = await trainLoop(target, train, examples, plan, opts)
    const ran = shared ? (opts.kernel !== 'js' && gemmWasmSupported() ? 'wasm' : 'js') : backend.kernel
    result.kernel = ran
    const negativesMode = shared ? 'batch-shared' : 'per-slot'
    result.config = { model: 'mf', ...this.config, seed, schedule, workers, kernel: ran, negativesMode, sampler: opts.sampler.config }
    this.seed = seed
    this.lastFit = result
    return result
  }

  /**
   * Adopts the backend's `left`, `right`, `bias` arrays as the parameters for `train` and
   * initialises them from `<seed>/fit/init` (the same values whichever kernel runs).
   */
  private initialize(train: Interactions, seed: string, into: Record<string, Float32Array>): void {
    this.adoptTraining(train)
    const state = createRng(seed).fork('fit').fork('init').state
    const std = this.config.initStd
    this.userFactors = into.left
    this.itemFactors = into.right
    for (let i = 0; i < this.userFactors.length; i++) this.userFactors[i] = std * prngNormal(state)
    for (let i = 0; i < this.itemFactors.length; i++) this.itemFactors[i] = std * prngNormal(state)
    const useBias = this.config.bias && !this.config.normalize
    this.itemBias = useBias ? into.bias : EMPTY_F32
    this.itemBias.fill(0)
  }

  /** @internal */
  protected override itemBiasRow(): Float32Array | null {
    return this.itemBias.length > 0 ? this.itemBias : null
  }

  /** @internal */
  protected override storedParameters(): Record<string, StoredArray> {
    return { ...super.storedParameters(), itemBias: this.itemBias }
  }

  /** @internal */
  protected override restoreParameters(arrays: Record<string, StoredArray>, source: string, label: string): void {
    super.restoreParameters(arrays, source, label)
    this.itemBias = arrays.itemBias as Float32Array
  }

  /** Live scorer over the current parameters (a `FactorView`). */
  override scorer(): FactorView {
    return createDotScorer(this.userFactors, this.itemFactors, this.itemBias, this.config.dim, this.config.normalize ? 1 : 0)
  }

  /**
   * Writes the score of every item for `user` into `out[0..numItems)`.
   * @remarks O(numItems·dim), allocates nothing.
   */
  override scoreAll(user: number, out: Float32Array): void {
    if (!this.config.normalize) {
      super.scoreAll(user, out)
      return
    }
    const dim = this.config.dim
    const P = this.userFactors
    const Q = this.itemFactors
    const uo = user * dim
    const n = this.numItems
    let n2 = 0
    for (let f = 0; f < dim; f++) n2 += P[uo + f] * P[uo + f]
    const nu = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
    for (let i = 0, o = 0; i < n; i++, o += dim) {
      let d = 0
      let q2 = 0
      for (let f = 0; f < dim; f++) {
        const q = Q[o + f]
        d += P[uo + f] * q
        q2 += q * q
      }
      out[i] = d / (nu * (q2 > 1e-24 ? Math.sqrt(q2) : 1e-12))
    }
  }

  /**
   * The model's factors for blocked ranking (`dotTopK`): `score = p_u·q_i + b_i`, exactly as
   * `scoreAll` computes it. Null before a fit and with `normalize` (cosine scores).
   */
  override factors(): DotFactors | null {
    return this.config.normalize ? null : super.factors()
  }

  /**
   * Rebuilds a model from bytes written by {@link MatrixFactorization.serialize}.
   * @param source - file name for errors.
   * @throws Error naming `source` for a truncated file or another model kind.
   */
  static deserialize(bytes: Uint8Array, source = '<bytes>'): MatrixFactorization {
    const { header, arrays } = decodeModel(bytes, source, 'mf')
    return MatrixFactorization.fromDecoded(header, arrays, source)
  }

  /** @internal Builds a model from a decoded file. */
  static fromDecoded(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): MatrixFactorization {
    // Files written before the seed left the config carry it there too.
    const { seed: _seed, ...stored } = header.config as Partial<MatrixFactorizationConfig> & { seed?: unknown }
    void _seed
    const config = { ...mfDefaults, ...stored }
    const m = new MatrixFactorization(config)
    m.restore(header, arrays, source, 'MF')
    return m
  }
}

/**
 * Creates a matrix-factorization model. Nothing is allocated until `fit`.
 *
 * @example
 * ```ts
 * const model = matrixFactorization({ dim: 64, loss: 'softmax' })
 * await model.fit(train, { sampler: uniformSampler(), negatives: 64, epochs: 20, seed: 42 })
 * const top = model.recommend(Int32Array.of(0), 10)
 * ```
 * @see Koren, Bell & Volinsky, "Matrix Factorization Techniques for Recommender Systems", 2009.
 */
export function matrixFactorization(opts: MatrixFactorizationOptions = {}): MatrixFactorization {
  const given = validateOptions(mfOptionSchema, opts as Record<string, unknown>, 'matrixFactorization')
  return new MatrixFactorization({ ...mfDefaults, ...(given as Partial<MatrixFactorizationConfig>) })
}
