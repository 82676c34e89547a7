/**
 * One thread's batch slots inside a WebAssembly kernel's memory (users, positives, negatives,
 * logQ), and the copy of a chunk of the training loop's slots into them: the step kernels of MF
 * and FM read their slots from there.
 */

import { HP_BETA, HP_INV_TEMPERATURE, HP_LOGQ, LOSS_BPR, LOSS_GBCE, LOSS_LOGISTIC, LOSS_SOFTMAX } from '../losses/grad.js'
import { OPT_ADAGRAD, OPT_SGD } from '../optim/optim.js'
import { align16 } from './memory.js'

/**
 * Whether the kernels built on the shared prelude (`lossGrad` in wasm/common.wat; MF's and FM's
 * step kernels) implement a loss and optimiser: bpr, logistic, gbce or softmax (WARP stays in
 * TypeScript), with SGD or Adagrad, over rows of a `dim` that is a positive multiple of 4.
 */
export function wasmCoversLoss(loss: number, optimizer: number, dim: number): boolean {
  const lossOk = loss === LOSS_BPR || loss === LOSS_LOGISTIC || loss === LOSS_GBCE || loss === LOSS_SOFTMAX
  const optOk = optimizer === OPT_SGD || optimizer === OPT_ADAGRAD
  return lossOk && optOk && Number.isInteger(dim) && dim > 0 && dim % 4 === 0
}

/**
 * The loss hyper-parameters the MF and FM wasm kernels take as arguments, read once from the
 * resolved `hp` array, and whether the slots' logQ must be copied in (softmax with the correction).
 */
export interface WasmLossArgs {
  invTemperature: number
  logQOn: number
  beta: number
  copyLogQ: boolean
}

/** {@link WasmLossArgs} of a loss code and its `HP_*` hyper-parameters. */
export function wasmLossArgs(loss: number, hp: ArrayLike<number>): WasmLossArgs {
  const logQOn = hp[HP_LOGQ]
  return {
    invTemperature: hp[HP_INV_TEMPERATURE],
    logQOn,
    beta: loss === LOSS_GBCE ? hp[HP_BETA] : 1,
    copyLogQ: loss === LOSS_SOFTMAX && logQOn !== 0,
  }
}

/** Views of `batchSize` slots with `k` negatives each, laid out in 16-byte-aligned blocks. */
export class WasmSlots {
  /** `[batchSize]` slot users. */
  readonly users: Int32Array
  /** `[batchSize]` slot positives. */
  readonly positives: Int32Array
  /** `[batchSize * k]` negatives. */
  readonly negs: Int32Array
  /** `[batchSize * k]` log q of the negatives. */
  readonly logQ: Float32Array

  /** Bytes the slots take (what a layout reserves per thread for them). */
  static bytes(batchSize: number, k: number): number {
    return 2 * align16(batchSize * 4) + 2 * align16(batchSize * k * 4)
  }

  /** Views over `buffer` from byte offset `at` (16-byte aligned). */
  constructor(buffer: ArrayBufferLike, at: number, batchSize: number, k: number) {
    this.users = new Int32Array(buffer, at, batchSize)
    at += align16(batchSize * 4)
    this.positives = new Int32Array(buffer, at, batchSize)
    at += align16(batchSize * 4)
    this.negs = new Int32Array(buffer, at, batchSize * k)
    at += align16(batchSize * k * 4)
    this.logQ = new Float32Array(buffer, at, batchSize * k)
  }

  /**
   * Copies slots `[from, from + n)` of the loop's arrays into slots `[0, n)`; `logQ` only when
   * `withLogQ` (the kernel reads it only for softmax with the correction on).
   * @remarks O(n·k); allocates nothing.
   */
  stage(
    users: Int32Array,
    positives: Int32Array,
    negItems: Int32Array,
    logQ: Float32Array,
    k: number,
    from: number,
    n: number,
    withLogQ: boolean,
  ): void {
    const bu = this.users
    const bp = this.positives
    for (let i = 0; i < n; i++) {
      bu[i] = users[from + i]
      bp[i] = positives[from + i]
    }
    const bn = this.negs
    const o = from * k
    const m = n * k
    for (let i = 0; i < m; i++) bn[i] = negItems[o + i]
    if (withLogQ) {
      const bq = this.logQ
      for (let i = 0; i < m; i++) bq[i] = logQ[o + i]
    }
  }
}
