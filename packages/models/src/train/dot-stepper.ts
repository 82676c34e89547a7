import type { Batch, FactorView, Interactions, NegativeBuffer } from '@decoy/core'
import { allocDotScratch, dotStepRange, type DotViews } from './dot-step.js'
import type { Stepper } from './types.js'

/**
 * JSON spec of a dot-product stepper (MF, item2vec): everything but the arrays, so that a worker
 * thread rebuilds the same stepper over shared memory.
 */
export interface DotStepperSpec {
  /** Factor dimension. */
  dim: number
  /** Right-hand rows (items). */
  numItems: number
  /** `LOSS_*` code. */
  loss: number
  /** Loss hyper-parameters (`HP_*` indices). */
  hp: number[]
  /** `OPT_*` code. */
  optimizer: number
  /** 1 for cosine scores. */
  normalize: number
  /** L2 on factor rows. */
  l2: number
  /** L2 on biases. */
  l2Bias: number
}

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

/**
 * A live {@link FactorView} over dot-product factors: score = left[u]·right[i] + bias[i], or the
 * cosine when `normalize` is 1 (then biases are ignored, as in training).
 * @remarks `scoreItems` is O(count·dim) and allocates nothing.
 */
export function createDotScorer(left: Float32Array, right: Float32Array, bias: Float32Array, dim: number, normalize: number): FactorView {
  const hasBias = bias.length > 0 && normalize === 0
  return {
    dim,
    userFactors: left,
    itemFactors: right,
    scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
      const uo = user * dim
      let nu = 1
      if (normalize !== 0) {
        let n2 = 0
        for (let f = 0; f < dim; f++) n2 += left[uo + f] * left[uo + f]
        nu = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
      }
      for (let c = 0; c < count; c++) {
        const item = items[c]
        if (item < 0) {
          out[c] = -Infinity
          continue
        }
        const io = item * dim
        let d = 0
        if (normalize !== 0) {
          let n2 = 0
          for (let f = 0; f < dim; f++) {
            const q = right[io + f]
            d += left[uo + f] * q
            n2 += q * q
          }
          out[c] = d / (nu * (n2 > 1e-24 ? Math.sqrt(n2) : 1e-12))
        } else {
          for (let f = 0; f < dim; f++) d += left[uo + f] * right[io + f]
          out[c] = hasBias ? d + bias[item] : d
        }
      }
    },
  }
}

/**
 * Builds the dot-product {@link Stepper} over arrays `left`, `right` and optional `bias`,
 * `leftAcc`, `rightAcc`, `biasAcc` (Adagrad state). Registered as `'dot'` in `stepperFactories`.
 */
export function createDotStepper(arrays: Record<string, Float32Array>, spec: DotStepperSpec, train: Interactions, k: number): Stepper {
  const left = arrays.left
  const right = arrays.right
  if (!(left instanceof Float32Array) || !(right instanceof Float32Array)) throw new Error('dot stepper: arrays "left" and "right" are required')
  if (right.length !== spec.numItems * spec.dim) throw new Error(`dot stepper: right has ${right.length} values, expected ${spec.numItems}×${spec.dim}`)
  const views: DotViews = {
    dim: spec.dim,
    numItems: spec.numItems,
    left,
    right,
    bias: arrays.bias ?? EMPTY_F32,
    leftAcc: arrays.leftAcc ?? EMPTY_F32,
    rightAcc: arrays.rightAcc ?? EMPTY_F32,
    biasAcc: arrays.biasAcc ?? EMPTY_F32,
    optimizer: spec.optimizer,
    loss: spec.loss,
    hp: Float64Array.from(spec.hp),
    normalize: spec.normalize,
    l2: spec.l2,
    l2Bias: spec.l2Bias,
    indptr: train.numItems === spec.numItems ? train.indptr : EMPTY_I32,
    ...allocDotScratch(k, spec.dim),
  }
  const scorer = createDotScorer(left, right, views.bias, spec.dim, spec.normalize)
  return {
    scorer: () => scorer,
    step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
      return dotStepRange(views, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, lr)
    },
  }
}
