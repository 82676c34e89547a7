/**
 * The WebAssembly SIMD twin of {@link dotStepRange} (source: `wasm/dot.wat`) for unnormalised
 * scores with the losses bpr, logistic, gbce and softmax and the optimisers SGD, Adagrad and
 * row-wise Adagrad; the
 * TypeScript kernel stays the reference and the fallback (cosine scores, WARP, dim not a multiple
 * of 4). The parameters it updates must live in the module's memory, so a fit that uses it
 * allocates `left`, `right`, `bias` and the Adagrad accumulators as views of a
 * `WebAssembly.Memory` laid out by {@link createDotWasmLayout}; with `shared` the memory is a
 * SharedArrayBuffer that worker threads instantiate the same module over (Hogwild).
 */
import type { Batch, NegativeBuffer } from '@decoy/core'
import { WasmSlots, wasmCoversLoss, wasmLossArgs, type WasmLossArgs } from '../wasm/slots.js'
import { DOT_WASM_PLAIN, DOT_WASM_SHARED } from './wasm/dot-module.js'
import { wasmModulePair } from '../wasm/modules.js'
import { align16, createArena, createWasmMemory } from '../wasm/memory.js'
import { LOSS_BPR } from '../losses/grad.js'
import { OPT_ADAGRAD, OPT_ADAGRAD_ROW, OPT_SGD } from '../optim/optim.js'

/** The module's exports (see `wasm/dot.wat`). */
interface DotExports {
  dotRange(
    P: number,
    Q: number,
    bias: number,
    leftAcc: number,
    rightAcc: number,
    biasAcc: number,
    dim: number,
    users: number,
    positives: number,
    negs: number,
    logQ: number,
    size: number,
    k: number,
    lr: number,
    scratch: number,
    loss: number,
    l2: number,
    l2Bias: number,
    invTemperature: number,
    logQOn: number,
    beta: number,
    rowwise: number,
  ): number
  bprSgd(
    P: number,
    Q: number,
    bias: number,
    dim: number,
    users: number,
    positives: number,
    negs: number,
    size: number,
    lr: number,
    l2: number,
    l2Bias: number,
  ): number
  scorePairs(P: number, Q: number, bias: number, dim: number, users: number, items: number, count: number, out: number): void
  sigmoid(x: number): number
  softplus(x: number): number
}

const modules = wasmModulePair(DOT_WASM_PLAIN, DOT_WASM_SHARED)

/**
 * True when this engine runs the dot-product kernel (WebAssembly with 128-bit SIMD: Node ≥ 16.4,
 * current browsers).
 * @remarks Validates the module once and caches the answer.
 */
export function dotWasmSupported(): boolean {
  return modules.supported()
}

/** What the kernel needs to know of a model's training configuration to say whether it covers it. */
export interface DotWasmConfig {
  dim: number
  /** `LOSS_*` code. */
  loss: number
  /** `OPT_*` code. */
  optimizer: number
  /** 1 for cosine scores. */
  normalize: number
}

/**
 * Whether the WebAssembly kernel implements a configuration: unnormalised scores, loss bpr,
 * logistic, gbce or softmax, SGD, Adagrad or row-wise Adagrad, `dim` a multiple of 4. (It does not
 * check engine support: see {@link dotWasmSupported}.)
 */
export function dotWasmCovers(c: DotWasmConfig): boolean {
  // Row-wise Adagrad is this kernel's own (FM's kernel, which shares wasmCoversLoss, has none).
  const optimizer = c.optimizer === OPT_ADAGRAD_ROW ? OPT_ADAGRAD : c.optimizer
  return c.normalize === 0 && wasmCoversLoss(c.loss, optimizer, c.dim)
}

/**
 * Where everything sits in the kernel's memory (byte offsets, 16-byte aligned; −1 for an absent
 * array). Structured-clone safe: worker threads receive it whole, shared memory included.
 */
export interface DotWasmLayout {
  memory: WebAssembly.Memory
  shared: boolean
  dim: number
  /** Negatives per slot. */
  k: number
  /** Slots per kernel call (longer ranges are run in chunks). */
  batchSize: number
  left: number
  leftLength: number
  right: number
  rightLength: number
  bias: number
  biasLength: number
  leftAcc: number
  /** Floats at `leftAcc`: `leftLength` (Adagrad), left rows (row-wise Adagrad), 0. */
  leftAccLength: number
  rightAcc: number
  /** Floats at `rightAcc`: `rightLength` (Adagrad), right rows (row-wise Adagrad), 0. */
  rightAccLength: number
  biasAcc: number
  /** 1: row-wise Adagrad (one accumulator per factor row), else 0. */
  rowwise: number
  /** First thread's scratch; thread `w` uses `scratch + w·scratchBytes`. */
  scratch: number
  scratchBytes: number
  threads: number
}

/** What {@link createDotWasmLayout} needs. */
export interface DotWasmLayoutSpec {
  dim: number
  k: number
  batchSize: number
  /** Left rows (users). */
  rows: number
  /** Right rows (items). */
  numItems: number
  /** Item biases. */
  bias: boolean
  /** Adagrad accumulators for every parameter array. */
  adagrad: boolean
  /** With `adagrad`: row-wise Adagrad, one accumulator per factor row (biases keep one each). */
  rowwise?: boolean
  threads: number
  shared: boolean
}

/** Pairs per call of the module's `scorePairs` (longer requests run in chunks): 24 KiB of scratch per thread. */
export const SCORE_PAIRS_CHUNK = 2048

/**
 * Bytes of the float64 blocks before the left gradient: scores, grads, exps (k + 1 each), and
 * row-wise Adagrad's p·q and ‖q‖² (k + 2 each: a spare slot for the f64x2 pair past an odd k + 1).
 */
function f64Bytes(k: number): number {
  return align16(3 * 8 * (k + 1) + 2 * 8 * (k + 2))
}

/**
 * Bytes of one thread's scratch: the float64 blocks, the left gradient, the batch copy, then the
 * candidate-scoring block (users, items, scores of `SCORE_PAIRS_CHUNK` pairs).
 */
function scratchBytesFor(dim: number, k: number, batchSize: number): number {
  return f64Bytes(k) + align16(dim * 4) + WasmSlots.bytes(batchSize, k) + 3 * 4 * SCORE_PAIRS_CHUNK
}

/**
 * Allocates the kernel's memory: the parameter arrays (zeroed; the caller initialises them through
 * {@link dotWasmArrays}), the Adagrad accumulators, and one scratch block per thread.
 * @returns the layout, or null when `dim` is not a positive multiple of 4 or the memory would
 * exceed 4 GiB.
 */
export function createDotWasmLayout(spec: DotWasmLayoutSpec): DotWasmLayout | null {
  const { dim, k, batchSize, rows, numItems, bias, adagrad, threads, shared } = spec
  const rowwise = adagrad && spec.rowwise === true
  if (!(dim > 0 && dim % 4 === 0)) return null
  const arena = createArena()
  const take = arena.take
  const leftLength = rows * dim
  const rightLength = numItems * dim
  const biasLength = bias ? numItems : 0
  const left = take(leftLength * 4)
  const right = take(rightLength * 4)
  const biasAt = bias ? take(biasLength * 4) : -1
  const leftAccLength = adagrad ? (rowwise ? rows : leftLength) : 0
  const rightAccLength = adagrad ? (rowwise ? numItems : rightLength) : 0
  const leftAcc = adagrad ? take(leftAccLength * 4) : -1
  const rightAcc = adagrad ? take(rightAccLength * 4) : -1
  const biasAcc = adagrad && bias ? take(biasLength * 4) : -1
  const scratchBytes = scratchBytesFor(dim, k, batchSize)
  const scratch = take(scratchBytes * threads)
  const memory = createWasmMemory(arena.size, shared)
  if (!memory) return null
  return {
    memory,
    shared,
    dim,
    k,
    batchSize,
    left,
    leftLength,
    right,
    rightLength,
    bias: biasAt,
    biasLength,
    leftAcc,
    leftAccLength,
    rightAcc,
    rightAccLength,
    biasAcc,
    rowwise: rowwise ? 1 : 0,
    scratch,
    scratchBytes,
    threads,
  }
}

/**
 * The arrays of a layout as views of its memory, named as the dot stepper's arrays (`left`,
 * `right`, and `bias`, `leftAcc`, `rightAcc`, `biasAcc` when present).
 */
export function dotWasmArrays(l: DotWasmLayout): Record<string, Float32Array> {
  const buf = l.memory.buffer
  const out: Record<string, Float32Array> = {
    left: new Float32Array(buf, l.left, l.leftLength),
    right: new Float32Array(buf, l.right, l.rightLength),
  }
  if (l.bias >= 0) out.bias = new Float32Array(buf, l.bias, l.biasLength)
  if (l.leftAcc >= 0) out.leftAcc = new Float32Array(buf, l.leftAcc, l.leftAccLength)
  if (l.rightAcc >= 0) out.rightAcc = new Float32Array(buf, l.rightAcc, l.rightAccLength)
  if (l.biasAcc >= 0) out.biasAcc = new Float32Array(buf, l.biasAcc, l.biasLength)
  return out
}

/** Loss and optimiser settings of a {@link DotWasmKernel}. */
export interface DotWasmSettings {
  /** `LOSS_*` code (covered: bpr, logistic, gbce, softmax). */
  loss: number
  /** Loss hyper-parameters (`HP_*` indices). */
  hp: ArrayLike<number>
  /** `OPT_*` code; must match the layout (Adagrad needs its accumulators, row-wise Adagrad a row-wise layout). */
  optimizer: number
  /** L2 on touched factor rows. */
  l2: number
  /** L2 on touched biases. */
  l2Bias: number
}

/**
 * One thread's instance of the dot-product kernel over a layout's memory and its own scratch block.
 * @example
 * ```ts
 * const layout = createDotWasmLayout({ dim: 64, k: 32, batchSize: 256, rows, numItems, bias: true, adagrad: true, threads: 1, shared: false })!
 * const arrays = dotWasmArrays(layout) // initialise arrays.left / arrays.right here
 * const kernel = new DotWasmKernel(layout, 0, { loss: LOSS_SOFTMAX, hp, optimizer: OPT_ADAGRAD, l2: 0.05, l2Bias: 0.05 })
 * const loss = kernel.step(batch.users, batch.positives, negs.items, negs.logQ, 32, 0, batch.size, 0.1)
 * ```
 */
export class DotWasmKernel {
  private readonly x: DotExports
  private readonly l: DotWasmLayout
  private readonly s: DotWasmSettings
  private readonly fused: boolean
  private readonly scratch: number
  private readonly slots: WasmSlots
  private readonly lossArgs: WasmLossArgs
  private readonly pairUsers: Int32Array
  private readonly pairItems: Int32Array
  private readonly pairOut: Float32Array

  /**
   * Instantiates the module over `layout.memory` for thread `slot` (< `layout.threads`).
   * @throws Error for a configuration the kernel does not cover or that does not match the layout.
   */
  constructor(layout: DotWasmLayout, slot: number, settings: DotWasmSettings) {
    if (!(slot >= 0 && slot < layout.threads)) throw new RangeError(`DotWasmKernel: slot ${slot} out of range [0, ${layout.threads})`)
    if (!dotWasmCovers({ dim: layout.dim, loss: settings.loss, optimizer: settings.optimizer, normalize: 0 })) {
      throw new Error(`DotWasmKernel: loss ${settings.loss} with optimizer ${settings.optimizer} at dim ${layout.dim} is not covered`)
    }
    const rowwise = settings.optimizer === OPT_ADAGRAD_ROW
    if ((settings.optimizer === OPT_ADAGRAD || rowwise) !== layout.leftAcc >= 0 || rowwise !== (layout.rowwise === 1))
      throw new Error(
        'DotWasmKernel: the layout has Adagrad accumulators exactly when the optimiser is Adagrad, one per row exactly when it is row-wise Adagrad',
      )
    this.l = layout
    this.s = settings
    this.x = new WebAssembly.Instance(modules.module(layout.shared), { env: { memory: layout.memory } }).exports as unknown as DotExports
    // dotStepRange takes the fused classic loop for BPR + SGD with one negative.
    this.fused = settings.loss === LOSS_BPR && settings.optimizer === OPT_SGD && layout.k === 1
    this.lossArgs = wasmLossArgs(settings.loss, settings.hp)
    const B = layout.batchSize
    const k = layout.k
    const buf = layout.memory.buffer
    this.scratch = layout.scratch + slot * layout.scratchBytes
    let at = this.scratch + f64Bytes(k) + align16(layout.dim * 4)
    this.slots = new WasmSlots(buf, at, B, k)
    at += WasmSlots.bytes(B, k)
    this.pairUsers = new Int32Array(buf, at, SCORE_PAIRS_CHUNK)
    this.pairItems = new Int32Array(buf, at + 4 * SCORE_PAIRS_CHUNK, SCORE_PAIRS_CHUNK)
    this.pairOut = new Float32Array(buf, at + 8 * SCORE_PAIRS_CHUNK, SCORE_PAIRS_CHUNK)
  }

  /**
   * The batched candidate scorer: `out[c]` = left[users[c]]·right[items[c]] (+ bias) for c in
   * `[0, count)`, −∞ for an item < 0, by the module's `scorePairs` (the step kernel's SIMD dot) over
   * the live parameters. Agrees with `createDotScorer(...).scoreItems` to float32 rounding.
   * @remarks O(count·dim); copies the pairs through this thread's scoring block in chunks of
   * `SCORE_PAIRS_CHUNK`; allocates nothing.
   */
  scorePairs(users: Int32Array, items: Int32Array, count: number, out: Float32Array): void {
    const l = this.l
    const pu = this.pairUsers
    const pi = this.pairItems
    const po = this.pairOut
    for (let c0 = 0; c0 < count; c0 += SCORE_PAIRS_CHUNK) {
      const n = Math.min(SCORE_PAIRS_CHUNK, count - c0)
      for (let c = 0; c < n; c++) {
        pu[c] = users[c0 + c]
        pi[c] = items[c0 + c]
      }
      this.x.scorePairs(l.left, l.right, l.bias, l.dim, pu.byteOffset, pi.byteOffset, n, po.byteOffset)
      for (let c = 0; c < n; c++) out[c0 + c] = po[c]
    }
  }

  /**
   * {@link dotStepRange} for slots `[start, end)`: slot s reads `users[s]`, `positives[s]`,
   * `negItems[s·k .. s·k+k)` and `logQ` at the same offsets (masked negatives are −1).
   * @returns the summed loss of the slots.
   * @remarks O((end − start)·(k + 1)·dim); copies the slots into the module's memory in chunks of
   * `layout.batchSize`; allocates nothing.
   */
  step(
    users: Int32Array,
    positives: Int32Array,
    negItems: Int32Array,
    logQ: Float32Array,
    k: number,
    start: number,
    end: number,
    lr: number,
  ): number {
    const l = this.l
    const s = this.s
    if (k !== l.k) throw new Error(`DotWasmKernel.step: k ${k} differs from the layout's ${l.k}`)
    const slots = this.slots
    const bu = slots.users
    const bp = slots.positives
    const bn = slots.negs
    const bq = slots.logQ
    const a = this.lossArgs
    let total = 0
    // The loop's buffers may be these very slots (see `buffers`): then there is nothing to copy.
    const inPlace = users === bu && positives === bp && negItems === bn && logQ === bq && start === 0 && end <= l.batchSize
    for (let c0 = start; c0 < end; c0 += l.batchSize) {
      const n = Math.min(l.batchSize, end - c0)
      if (!inPlace) slots.stage(users, positives, negItems, logQ, k, c0, n, a.copyLogQ)
      if (this.fused) {
        total += this.x.bprSgd(l.left, l.right, l.bias, l.dim, bu.byteOffset, bp.byteOffset, bn.byteOffset, n, lr, s.l2, s.l2Bias)
      } else {
        total += this.x.dotRange(
          l.left,
          l.right,
          l.bias,
          l.leftAcc,
          l.rightAcc,
          l.biasAcc,
          l.dim,
          bu.byteOffset,
          bp.byteOffset,
          bn.byteOffset,
          bq.byteOffset,
          n,
          k,
          lr,
          this.scratch,
          s.loss,
          s.l2,
          s.l2Bias,
          a.invTemperature,
          a.logQOn,
          a.beta,
          l.rowwise,
        )
      }
    }
    return total
  }

  /**
   * A batch and negative buffer over this thread's slots in the module's memory, of the layout's
   * batch size and k: {@link step} reads them in place instead of copying them in. Null when
   * `batchSize` or `k` differ from the layout's. Each call returns views of the same slots.
   * @remarks Allocates the two small wrapper objects and the `trials` array.
   */
  buffers(batchSize: number, k: number): { batch: Batch; negs: NegativeBuffer } | null {
    const l = this.l
    if (batchSize !== l.batchSize || k !== l.k) return null
    const slots = this.slots
    const trials = new Int32Array(batchSize).fill(1)
    return {
      batch: { size: 0, users: slots.users, positives: slots.positives },
      negs: { k, capacity: batchSize, items: slots.negs, logQ: slots.logQ, trials },
    }
  }

  /** The module's logistic function, exposed for tests. */
  sigmoid(x: number): number {
    return this.x.sigmoid(x)
  }

  /** The module's log(1 + eˣ), exposed for tests. */
  softplus(x: number): number {
    return this.x.softplus(x)
  }
}
