/**
 * An FM as a binary classifier (a fraud or spam table: sparse feature rows with 0/1 labels),
 * trained with a weighted logistic loss; rare positives take `weights` (or negative subsampling
 * upstream), as in SageMaker's FM. Separate from the recommender: it ranks nothing.
 */
import { createRng, shuffleInPlace } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { basicOptimizerNames, optimizerCode, scheduleCode, scheduledRate, OPT_ADAGRAD, type OptimizerName } from '../optim/optim.js'
import { checkPositiveInt } from '../train/fit.js'
import type { FeatureRows } from './features.js'
import { allocFmScratch, fmClassifierStepRange, type FmViews } from './kernels.js'

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

/** Options of {@link fitClassifier}. */
export interface FmClassifierOptions {
  /** Factor dimension (default 16). */
  dim?: number
  /** Epochs (default 10). */
  epochs?: number
  /** Learning rate (default 0.05). */
  learningRate?: number
  /** L2 on touched factors (default 1e-4). */
  l2?: number
  /** L2 on touched linear weights (default l2). */
  l2Bias?: number
  /** Optimiser: `'sgd'` or `'adagrad'` (default; MF's row-wise `'adagrad-row'` is rejected). */
  optimizer?: OptimizerName
  /** Init std of factors (default 0.01). */
  initStd?: number
  /** Per-row weights (e.g. up-weight rare positives); default all 1. */
  weights?: ArrayLike<number>
  /** Seed (required). */
  seed: string | number
}

/** A fitted FM binary classifier. */
export interface FmClassifier {
  /** Global bias, linear weights and factors. */
  readonly w0: number
  /** Linear weights. */
  readonly w: Float32Array
  /** Factors `[numFeatures * dim]`. */
  readonly V: Float32Array
  /** Factor dimension. */
  readonly dim: number
  /** Mean weighted log-loss per epoch. */
  readonly epochLoss: number[]
  /**
   * Probability of the positive class for each row of `rows`.
   * @remarks O(nnz·dim); allocates the result only.
   */
  predict(rows: FeatureRows): Float32Array
}

/**
 * Fits a degree-2 FM as a plain binary classifier on labelled sparse rows (e.g. a fraud or spam
 * table read with `FmFeatureBuilder.addFeatureFile('item', …)`, its rows as `features.items`):
 * weighted logistic loss, SGD/Adagrad over a seeded shuffle each epoch. For rare positives pass
 * `weights` (say `(1 − p)/p` on positives).
 *
 * @param labels - 0/1 per row.
 * @throws Error for mismatched lengths or labels other than 0/1.
 * @remarks O(epochs·nnz·dim).
 */
export function fitClassifier(rows: FeatureRows, labels: ArrayLike<number>, opts: FmClassifierOptions): FmClassifier {
  const dim = opts.dim ?? 16
  const epochs = opts.epochs ?? 10
  const lr = opts.learningRate ?? 0.05
  const l2 = opts.l2 ?? 1e-4
  checkPositiveInt('dim', dim)
  checkPositiveInt('epochs', epochs)
  if (opts.seed === undefined || opts.seed === null) throw new Error('fitClassifier: a seed is required')
  const n = rows.numRows
  if (labels.length !== n) throw new Error(`fitClassifier: ${labels.length} labels for ${n} rows`)
  const y = new Float32Array(n)
  for (let r = 0; r < n; r++) {
    if (labels[r] !== 0 && labels[r] !== 1) throw new Error(`fitClassifier: label of row ${r} is ${labels[r]}, expected 0 or 1`)
    y[r] = labels[r]
  }
  const weights = opts.weights ? Float32Array.from(opts.weights) : EMPTY_F32
  if (opts.weights && weights.length !== n) throw new Error(`fitClassifier: ${weights.length} weights for ${n} rows`)
  let F = 0
  for (let p = 0; p < rows.features.length; p++) if (rows.features[p] + 1 > F) F = rows.features[p] + 1
  const rng = createRng(opts.seed).fork('fit')
  const init = rng.fork('init').state
  const V = new Float32Array(F * dim)
  const std = opts.initStd ?? 0.01
  for (let i = 0; i < V.length; i++) V[i] = std * prngNormal(init)
  const optimizer = optimizerCode(opts.optimizer ?? 'adagrad', basicOptimizerNames, 'the FM classifier')
  const adagrad = optimizer === OPT_ADAGRAD
  const views: FmViews = {
    dim,
    numItems: 0,
    w0: new Float32Array(1),
    w: new Float32Array(F),
    V,
    w0Acc: adagrad ? new Float32Array(1) : EMPTY_F32,
    wAcc: adagrad ? new Float32Array(F) : EMPTY_F32,
    VAcc: adagrad ? new Float32Array(F * dim) : EMPTY_F32,
    optimizer,
    loss: 0,
    hp: new Float64Array(0),
    l2,
    l2Bias: opts.l2Bias ?? l2,
    indptr: EMPTY_I32,
    uPtr: EMPTY_I32,
    uFeat: EMPTY_I32,
    uVal: EMPTY_F32,
    iPtr: EMPTY_I32,
    iFeat: EMPTY_I32,
    iVal: EMPTY_F32,
    userFactors: EMPTY_F32,
    ...allocFmScratch(0, dim),
  }
  const order = new Int32Array(n)
  for (let r = 0; r < n; r++) order[r] = r
  const shuffle = rng.fork('shuffle').state
  const minLr = lr * 1e-3
  const epochLoss: number[] = []
  let wsum = 0
  for (let r = 0; r < n; r++) wsum += weights.length ? weights[r] : 1
  for (let e = 0; e < epochs; e++) {
    shuffleInPlace(order, n, shuffle)
    const rate = adagrad ? lr : scheduledRate(scheduleCode('linear'), lr, minLr, e / epochs)
    const loss = fmClassifierStepRange(views, rows.indptr, rows.features, rows.values, y, weights, order, 0, n, rate)
    epochLoss.push(wsum > 0 ? loss / wsum : 0)
  }
  const tmp = new Float64Array(dim)
  return {
    w0: views.w0[0],
    w: views.w,
    V,
    dim,
    epochLoss,
    predict(test: FeatureRows): Float32Array {
      const out = new Float32Array(test.numRows)
      for (let r = 0; r < test.numRows; r++) {
        // Features beyond the training dictionary have no parameters: they are skipped.
        let lin = 0
        let sq = 0
        for (let f = 0; f < dim; f++) tmp[f] = 0
        for (let p = test.indptr[r]; p < test.indptr[r + 1]; p++) {
          const m = test.features[p]
          if (m >= F) continue
          const x = test.values[p]
          lin += views.w[m] * x
          for (let f = 0; f < dim; f++) {
            const t = V[m * dim + f] * x
            tmp[f] += t
            sq += t * t
          }
        }
        let ss = 0
        for (let f = 0; f < dim; f++) ss += tmp[f] * tmp[f]
        const c = views.w0[0] + lin + 0.5 * (ss - sq)
        out[r] = 1 / (1 + Math.exp(-c))
      }
      return out
    },
  }
}
