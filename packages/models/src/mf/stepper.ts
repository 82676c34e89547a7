import type { Batch, FactorView, Interactions, NegativeBuffer } from '@decoy/core'
import { allocDotScratch, dotStepRange, type DotViews } from './kernels.js'
import { DotWasmKernel, type DotWasmLayout } from './kernels-wasm.js'
import { createDotScorer } from '../dot-scorer.js'
import type { Stepper } from '../train/types.js'

/**
 * Spec of MF's dot-product stepper: everything but the arrays, so that a worker
 * thread rebuilds the same stepper over shared memory. JSON, except `wasm` (structured-clone safe).
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
  /**
   * The WebAssembly kernel's memory layout when the arrays are views of it (see
   * `createDotWasmLayout`): the stepper then runs `DotWasmKernel` instead of `dotStepRange`.
   * Absent or null: the TypeScript kernel.
   */
  wasm?: DotWasmLayout | null
}

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

/**
 * Builds the dot-product {@link Stepper} over arrays `left`, `right` and optional `bias`,
 * `leftAcc`, `rightAcc`, `biasAcc` (Adagrad state: per coordinate, or one float per factor row with
 * row-wise Adagrad). Registered as `'dot'` in `stepperFactories`.
 * With `spec.wasm` the arrays must be that layout's views and the steps run the WebAssembly
 * kernel with thread `thread`'s scratch.
 * @throws Error when the arrays do not match the spec or its layout.
 */
export function createDotStepper(
  arrays: Record<string, Float32Array>,
  spec: DotStepperSpec,
  train: Interactions,
  k: number,
  thread = 0,
): Stepper {
  const left = arrays.left
  const right = arrays.right
  if (!(left instanceof Float32Array) || !(right instanceof Float32Array))
    throw new Error('dot stepper: arrays "left" and "right" are required')
  if (right.length !== spec.numItems * spec.dim)
    throw new Error(`dot stepper: right has ${right.length} values, expected ${spec.numItems}×${spec.dim}`)
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
  if (spec.wasm) {
    const layout = spec.wasm
    checkWasmViews(arrays, layout)
    const kernel = new DotWasmKernel(layout, thread, {
      loss: spec.loss,
      hp: spec.hp,
      optimizer: spec.optimizer,
      l2: spec.l2,
      l2Bias: spec.l2Bias,
    })
    // Candidate scoring for model-aware samplers runs in the same module, over the same memory.
    const wasmScorer: FactorView = {
      dim: scorer.dim,
      userFactors: scorer.userFactors,
      itemFactors: scorer.itemFactors,
      scoreItems: scorer.scoreItems,
      scoreBatch: (users, items, count, out) => kernel.scorePairs(users, items, count, out),
    }
    return {
      scorer: () => wasmScorer,
      step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
        return kernel.step(batch.users, batch.positives, negs.items, negs.logQ, negs.k, start, end, lr)
      },
      buffers: (batchSize, bk) => kernel.buffers(batchSize, bk),
    }
  }
  return {
    scorer: () => scorer,
    step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
      return dotStepRange(views, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, lr)
    },
  }
}

/** The kernel writes through the layout's offsets, so the arrays must be exactly its views. */
function checkWasmViews(arrays: Record<string, Float32Array>, l: DotWasmLayout): void {
  const want: [string, number, number][] = [
    ['left', l.left, l.leftLength],
    ['right', l.right, l.rightLength],
    ['bias', l.bias, l.biasLength],
    ['leftAcc', l.leftAcc, l.leftAccLength],
    ['rightAcc', l.rightAcc, l.rightAccLength],
    ['biasAcc', l.biasAcc, l.biasLength],
  ]
  const buf = l.memory.buffer
  for (const [name, offset, length] of want) {
    const a = arrays[name]
    if (offset < 0) {
      if (a && a.length > 0) throw new Error(`dot stepper: array "${name}" is not in the WebAssembly layout`)
      continue
    }
    // Across a worker boundary the shared buffer arrives as another object over the same memory.
    const sameBuffer =
      a && (a.buffer === buf || (l.shared && a.buffer instanceof SharedArrayBuffer && a.buffer.byteLength === buf.byteLength))
    if (!sameBuffer || a.byteOffset !== offset || a.length !== length) {
      throw new Error(`dot stepper: array "${name}" is not the WebAssembly layout's view (byte offset ${offset}, ${length} values)`)
    }
  }
}
