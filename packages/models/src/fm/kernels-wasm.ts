/**
 * The WebAssembly SIMD twin of {@link fmStepRange} (source: `wasm/fm.wat`) for the losses bpr,
 * logistic, gbce and softmax with SGD or Adagrad; the TypeScript kernel stays the reference and the
 * fallback (WARP, other optimisers, dim not a multiple of 4). The `userFactors` upkeep is not in
 * the module: the stepper then runs it one slot per call and rewrites the user row itself. The same
 * module scores candidate pairs for model-aware samplers ({@link FmWasmKernel.scorePairs}, the
 * stepper's `scoreBatch`). The parameters it updates live in the module's memory, laid out by
 * {@link createFmWasmLayout} together with the (read-only) training feature rows; with `shared`
 * the memory is a SharedArrayBuffer that worker threads instantiate the same module over (Hogwild).
 */
import type { FmFeatureRows } from './kernels.js'
import { WasmSlots, wasmCoversLoss, wasmLossArgs, type WasmLossArgs } from '../wasm/slots.js'
import { FM_WASM_PLAIN, FM_WASM_SHARED } from './wasm/fm-module.js'
import { wasmModulePair } from '../wasm/modules.js'
import { align16, createArena, createWasmMemory } from '../wasm/memory.js'
import { OPT_ADAGRAD } from '../optim/optim.js'

/** The module's exports (see `wasm/fm.wat`). */
interface FmExports {
  fmRange(
    w0: number,
    w: number,
    V: number,
    w0Acc: number,
    wAcc: number,
    VAcc: number,
    dim: number,
    rows: number,
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
  ): number
  scorePairs(
    w0: number,
    w: number,
    V: number,
    dim: number,
    rows: number,
    users: number,
    items: number,
    count: number,
    out: number,
    su: number,
    si: number,
  ): void
  sigmoid(x: number): number
  softplus(x: number): number
}

const modules = wasmModulePair(FM_WASM_PLAIN, FM_WASM_SHARED)

/** True when this engine runs the FM kernel (WebAssembly with 128-bit SIMD). Cached. */
export function fmWasmSupported(): boolean {
  return modules.supported()
}

/** What the kernel needs to know of an FM's training configuration to say whether it covers it. */
export interface FmWasmConfig {
  dim: number
  /** `LOSS_*` code. */
  loss: number
  /** `OPT_*` code. */
  optimizer: number
}

/**
 * Whether the WebAssembly FM kernel implements a configuration: loss bpr, logistic, gbce or
 * softmax, SGD or Adagrad, `dim` a multiple of 4. (It does not check engine support: see
 * {@link fmWasmSupported}.)
 */
export function fmWasmCovers(c: FmWasmConfig): boolean {
  // The losses of the shared prelude, as MF's kernel.
  return wasmCoversLoss(c.loss, c.optimizer, c.dim)
}

/**
 * Where everything sits in the kernel's memory (byte offsets, 16-byte aligned; −1 for an absent
 * array). Structured-clone safe: worker threads receive it whole, shared memory included.
 */
export interface FmWasmLayout {
  memory: WebAssembly.Memory
  shared: boolean
  dim: number
  /** Negatives per slot. */
  k: number
  /** Slots per kernel call (longer ranges run in chunks). */
  batchSize: number
  numFeatures: number
  w0: number
  w: number
  V: number
  w0Acc: number
  wAcc: number
  VAcc: number
  /** Six int32 words: the byte offsets of uPtr, uFeat, uVal, iPtr, iFeat, iVal (copied in at creation). */
  rows: number
  /** First thread's scratch; thread `t` uses `scratch + t·scratchBytes`. */
  scratch: number
  scratchBytes: number
  threads: number
}

/** What {@link createFmWasmLayout} needs; the training feature rows are copied into the memory. */
export interface FmWasmLayoutSpec extends FmFeatureRows {
  dim: number
  k: number
  batchSize: number
  numFeatures: number
  /** Adagrad accumulators for `w0`, `w` and `V`. */
  adagrad: boolean
  threads: number
  shared: boolean
}

/** Pairs per call of the module's `scorePairs` (longer requests run in chunks): 24 KiB of scratch per thread. */
export const FM_SCORE_PAIRS_CHUNK = 2048

/**
 * One thread's scratch: scores, grads, exps (float64), user sum, user gradient, candidate sums
 * (float32), the batch copy, then the candidate-scoring block (user and item sums, float32 dim
 * each; users, items, scores of `FM_SCORE_PAIRS_CHUNK` pairs).
 */
function scratchBytesFor(dim: number, k: number, batchSize: number): number {
  return align16(3 * 8 * (k + 1)) + (k + 3) * dim * 4 + WasmSlots.bytes(batchSize, k) + 2 * dim * 4 + 3 * 4 * FM_SCORE_PAIRS_CHUNK
}

/**
 * Allocates the kernel's memory: `w0`, `w`, `V` (zeroed; initialise them through
 * {@link fmWasmArrays}), the Adagrad accumulators, the feature rows (copied) and one scratch block
 * per thread.
 * @returns the layout, or null when `dim` is not a positive multiple of 4 or the memory would
 * exceed 4 GiB (or the engine will not reserve it).
 */
export function createFmWasmLayout(spec: FmWasmLayoutSpec): FmWasmLayout | null {
  const { dim, k, batchSize, numFeatures, adagrad, threads, shared } = spec
  if (!(dim > 0 && dim % 4 === 0)) return null
  const arena = createArena()
  const take = arena.take
  const w0 = take(4)
  const w = take(numFeatures * 4)
  const V = take(numFeatures * dim * 4)
  const w0Acc = adagrad ? take(4) : -1
  const wAcc = adagrad ? take(numFeatures * 4) : -1
  const VAcc = adagrad ? take(numFeatures * dim * 4) : -1
  const rows = take(6 * 4)
  const rowArrays = [spec.uPtr, spec.uFeat, spec.uVal, spec.iPtr, spec.iFeat, spec.iVal]
  const rowAt = rowArrays.map((a) => take(a.length * 4))
  const scratchBytes = scratchBytesFor(dim, k, batchSize)
  const scratch = take(scratchBytes * threads)
  const memory = createWasmMemory(arena.size, shared)
  if (!memory) return null
  const buf = memory.buffer
  new Int32Array(buf, rows, 6).set(rowAt)
  rowArrays.forEach((a, j) =>
    (a instanceof Int32Array ? new Int32Array(buf, rowAt[j], a.length) : new Float32Array(buf, rowAt[j], a.length)).set(a as never),
  )
  return { memory, shared, dim, k, batchSize, numFeatures, w0, w, V, w0Acc, wAcc, VAcc, rows, scratch, scratchBytes, threads }
}

/** The parameter arrays of a layout as views of its memory: `w0`, `w`, `V`, and `w0Acc`, `wAcc`, `VAcc` with Adagrad. */
export function fmWasmArrays(l: FmWasmLayout): Record<string, Float32Array> {
  const buf = l.memory.buffer
  const out: Record<string, Float32Array> = {
    w0: new Float32Array(buf, l.w0, 1),
    w: new Float32Array(buf, l.w, l.numFeatures),
    V: new Float32Array(buf, l.V, l.numFeatures * l.dim),
  }
  if (l.w0Acc >= 0) out.w0Acc = new Float32Array(buf, l.w0Acc, 1)
  if (l.wAcc >= 0) out.wAcc = new Float32Array(buf, l.wAcc, l.numFeatures)
  if (l.VAcc >= 0) out.VAcc = new Float32Array(buf, l.VAcc, l.numFeatures * l.dim)
  return out
}

/** Loss and optimiser settings of an {@link FmWasmKernel}. */
export interface FmWasmSettings {
  /** `LOSS_*` code (covered: bpr, logistic, gbce, softmax). */
  loss: number
  /** Loss hyper-parameters (`HP_*` indices). */
  hp: ArrayLike<number>
  /** `OPT_*` code; must match the layout (Adagrad needs its accumulators). */
  optimizer: number
  /** L2 on touched factor rows. */
  l2: number
  /** L2 on touched linear weights. */
  l2Bias: number
}

/**
 * One thread's instance of the FM kernel over a layout's memory and its own scratch block.
 * @example
 * ```ts
 * const layout = createFmWasmLayout({ dim: 64, k: 32, batchSize: 256, numFeatures, adagrad: true, uPtr, uFeat, uVal, iPtr, iFeat, iVal, threads: 1, shared: false })!
 * const arrays = fmWasmArrays(layout) // initialise arrays.V here
 * const kernel = new FmWasmKernel(layout, 0, { loss: LOSS_SOFTMAX, hp, optimizer: OPT_ADAGRAD, l2: 0.05, l2Bias: 0.05 })
 * const loss = kernel.step(batch.users, batch.positives, negs.items, negs.logQ, 32, 0, batch.size, 0.1)
 * ```
 */
export class FmWasmKernel {
  private readonly x: FmExports
  private readonly l: FmWasmLayout
  private readonly s: FmWasmSettings
  private readonly scratch: number
  private readonly slots: WasmSlots
  private readonly lossArgs: WasmLossArgs
  private readonly pairSums: number
  private readonly pairUsers: Int32Array
  private readonly pairItems: Int32Array
  private readonly pairOut: Float32Array

  /**
   * Instantiates the module over `layout.memory` for thread `slot` (< `layout.threads`).
   * @throws Error for a configuration the kernel does not cover or that does not match the layout.
   */
  constructor(layout: FmWasmLayout, slot: number, settings: FmWasmSettings) {
    if (!(slot >= 0 && slot < layout.threads)) throw new RangeError(`FmWasmKernel: slot ${slot} out of range [0, ${layout.threads})`)
    if (!fmWasmCovers({ dim: layout.dim, loss: settings.loss, optimizer: settings.optimizer })) {
      throw new Error(`FmWasmKernel: loss ${settings.loss} with optimizer ${settings.optimizer} at dim ${layout.dim} is not covered`)
    }
    if ((settings.optimizer === OPT_ADAGRAD) !== layout.VAcc >= 0)
      throw new Error('FmWasmKernel: the layout has Adagrad accumulators exactly when the optimiser is Adagrad')
    this.l = layout
    this.s = settings
    this.x = new WebAssembly.Instance(modules.module(layout.shared), { env: { memory: layout.memory } }).exports as unknown as FmExports
    this.lossArgs = wasmLossArgs(settings.loss, settings.hp)
    const B = layout.batchSize
    const k = layout.k
    const buf = layout.memory.buffer
    this.scratch = layout.scratch + slot * layout.scratchBytes
    let at = this.scratch + align16(3 * 8 * (k + 1)) + (k + 3) * layout.dim * 4
    this.slots = new WasmSlots(buf, at, B, k)
    at += WasmSlots.bytes(B, k)
    this.pairSums = at
    at += 2 * layout.dim * 4
    this.pairUsers = new Int32Array(buf, at, FM_SCORE_PAIRS_CHUNK)
    this.pairItems = new Int32Array(buf, at + 4 * FM_SCORE_PAIRS_CHUNK, FM_SCORE_PAIRS_CHUNK)
    this.pairOut = new Float32Array(buf, at + 8 * FM_SCORE_PAIRS_CHUNK, FM_SCORE_PAIRS_CHUNK)
  }

  /**
   * The batched candidate scorer: `out[c]` = ŷ(`users[c]`, `items[c]`) for c in `[0, count)`, −∞
   * for an item < 0, by the module's `scorePairs` over the live parameters (the step kernel's
   * float32 row sums and SIMD dot; the user side once per run of equal users). Agrees with
   * `createFmScorer(...).scoreItems` (float64 sums) to float32 rounding.
   * @remarks O(runs·nnz_u·dim + count·nnz_i·dim); copies the pairs through this thread's scoring
   * block in chunks of `FM_SCORE_PAIRS_CHUNK`; allocates nothing.
   */
  scorePairs(users: Int32Array, items: Int32Array, count: number, out: Float32Array): void {
    const l = this.l
    const pu = this.pairUsers
    const pi = this.pairItems
    const po = this.pairOut
    const su = this.pairSums
    for (let c0 = 0; c0 < count; c0 += FM_SCORE_PAIRS_CHUNK) {
      const n = Math.min(FM_SCORE_PAIRS_CHUNK, count - c0)
      for (let c = 0; c < n; c++) {
        pu[c] = users[c0 + c]
        pi[c] = items[c0 + c]
      }
      this.x.scorePairs(l.w0, l.w, l.V, l.dim, l.rows, pu.byteOffset, pi.byteOffset, n, po.byteOffset, su, su + l.dim * 4)
      for (let c = 0; c < n; c++) out[c0 + c] = po[c]
    }
  }

  /**
   * {@link fmStepRange} without the `userFactors` upkeep, for slots `[start, end)`: slot s reads
   * `users[s]`, `positives[s]`, `negItems[s·k .. s·k+k)` and `logQ` at the same offsets (masked
   * negatives are −1).
   * @returns the summed loss of the slots.
   * @remarks O((end − start)·(k + 1)·nnz·dim); copies the slots into the module's memory in chunks
   * of `layout.batchSize`; allocates nothing.
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
    if (k !== l.k) throw new Error(`FmWasmKernel.step: k ${k} differs from the layout's ${l.k}`)
    const slots = this.slots
    const bu = slots.users
    const bp = slots.positives
    const bn = slots.negs
    const bq = slots.logQ
    const a = this.lossArgs
    let total = 0
    for (let c0 = start; c0 < end; c0 += l.batchSize) {
      const n = Math.min(l.batchSize, end - c0)
      slots.stage(users, positives, negItems, logQ, k, c0, n, a.copyLogQ)
      total += this.x.fmRange(
        l.w0,
        l.w,
        l.V,
        l.w0Acc,
        l.wAcc,
        l.VAcc,
        l.dim,
        l.rows,
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
      )
    }
    return total
  }

  /** The module's logistic function, exposed for tests. */
  sigmoid(x: number): number {
    return this.x.sigmoid(x)
  }
}
