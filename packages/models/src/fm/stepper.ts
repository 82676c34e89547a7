import type { Batch, Interactions, NegativeBuffer, Scorer } from '@decoy/core'
import type { Stepper } from '../train/types.js'
import { allocFmScratch, fmRowSum, fmStepRange, type FmViews } from './kernels.js'

/**
 * JSON spec of an FM stepper: everything but the parameter arrays (feature rows travel as typed
 * arrays, copied once into each worker).
 */
export interface FmStepperSpec {
  /** Factor dimension. */
  dim: number
  /** Training items (the sampler's range; WARP's |I|). */
  numItems: number
  /** `LOSS_*` code. */
  loss: number
  /** Loss hyper-parameters. */
  hp: number[]
  /** `OPT_*` code. */
  optimizer: number
  /** L2 on factor rows. */
  l2: number
  /** L2 on linear weights. */
  l2Bias: number
  /** User rows. */
  uPtr: Int32Array
  uFeat: Int32Array
  uVal: Float32Array
  /** Item rows. */
  iPtr: Int32Array
  iFeat: Int32Array
  iVal: Float32Array
}

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

/**
 * A live {@link Scorer} over FM parameters: per call the user side's sum is computed once
 * (O(nnz_u·dim)), then each requested item's side from the current parameters (O(nnz_i·dim)
 * per item), so a model-aware sampler sees the model as it trains. Allocates nothing per call.
 */
export function createFmScorer(
  w0: Float32Array,
  w: Float32Array,
  V: Float32Array,
  dim: number,
  uPtr: Int32Array,
  uFeat: Int32Array,
  uVal: Float32Array,
  iPtr: Int32Array,
  iFeat: Int32Array,
  iVal: Float32Array,
): Scorer {
  const su = new Float64Array(dim)
  const si = new Float64Array(dim)
  return {
    scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
      const cu = w0[0] + fmRowSum(w, V, dim, uFeat, uVal, uPtr[user], uPtr[user + 1], su, 0)
      for (let c = 0; c < count; c++) {
        const item = items[c]
        if (item < 0) {
          out[c] = -Infinity
          continue
        }
        const ci = fmRowSum(w, V, dim, iFeat, iVal, iPtr[item], iPtr[item + 1], si, 0)
        let d = 0
        for (let f = 0; f < dim; f++) d += su[f] * si[f]
        out[c] = cu + ci + d
      }
    },
  }
}

/**
 * Builds the FM {@link Stepper} over arrays `w0`, `w`, `V` (and `w0Acc`, `wAcc`, `VAcc` for
 * Adagrad). Registered as `'fm'` in `stepperFactories`.
 */
export function createFmStepper(arrays: Record<string, Float32Array>, spec: FmStepperSpec, train: Interactions, k: number): Stepper {
  const { w0, w, V } = arrays
  if (!(w0 instanceof Float32Array) || !(w instanceof Float32Array) || !(V instanceof Float32Array)) throw new Error('fm stepper: arrays "w0", "w" and "V" are required')
  if (V.length !== w.length * spec.dim) throw new Error(`fm stepper: V has ${V.length} values, expected ${w.length}×${spec.dim}`)
  const views: FmViews = {
    dim: spec.dim,
    numItems: spec.numItems,
    w0,
    w,
    V,
    w0Acc: arrays.w0Acc ?? EMPTY_F32,
    wAcc: arrays.wAcc ?? EMPTY_F32,
    VAcc: arrays.VAcc ?? EMPTY_F32,
    optimizer: spec.optimizer,
    loss: spec.loss,
    hp: Float64Array.from(spec.hp),
    l2: spec.l2,
    l2Bias: spec.l2Bias,
    indptr: train.numItems === spec.numItems ? train.indptr : EMPTY_I32,
    uPtr: spec.uPtr,
    uFeat: spec.uFeat,
    uVal: spec.uVal,
    iPtr: spec.iPtr,
    iFeat: spec.iFeat,
    iVal: spec.iVal,
    ...allocFmScratch(k, spec.dim),
  }
  const scorer = createFmScorer(w0, w, V, spec.dim, spec.uPtr, spec.uFeat, spec.uVal, spec.iPtr, spec.iFeat, spec.iVal)
  return {
    scorer: () => scorer,
    step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
      return fmStepRange(views, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, lr)
    },
  }
}
