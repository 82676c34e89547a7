import type { Batch, FactorView, Interactions, NegativeBuffer } from '@decoy/core'
import type { Stepper } from '../train/types.js'
import { allocFmScratch, fmRowSum, fmRowSum32, fmStepRange, type FmFeatureRows, type FmViews } from './kernels.js'
import { FmWasmKernel, fmWasmArrays, type FmWasmLayout } from './kernels-wasm.js'

/**
 * JSON spec of an FM stepper: everything but the parameter arrays (feature rows travel as typed
 * arrays, copied once into each worker; `wasm` is structured-clone safe).
 */
export interface FmStepperSpec extends FmFeatureRows {
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
  /**
   * The WebAssembly kernel's memory layout (see `createFmWasmLayout`), whose views the parameter
   * arrays must be: the steps then run `FmWasmKernel` instead of {@link fmStepRange}. While a
   * sampler keeps `userFactors` live the kernel runs one slot per call and the slot user's row of
   * P is rewritten in TypeScript after each, as {@link fmStepRange} does.
   */
  wasm?: FmWasmLayout | null
}

const EMPTY_F32 = new Float32Array(0)
const EMPTY_I32 = new Int32Array(0)

/**
 * The {@link FactorView} of an FM. With user row U and item row I the score is
 * `ŷ(u, i) = const(u) + bias(i) + ⟨P_u, Q_i⟩`, where `P_u = s_U = Σ_{m∈U} v_m x_m`,
 * `Q_i = s_I = Σ_{m∈I} v_m x_m`, `const(u) = w0 + c_U` and `bias(i) = c_I` (see {@link FmViews}):
 * `userFactors` holds the rows P_u and `itemFactors` the rows Q_i, so factor-based samplers (AOBPR)
 * drive an FM as they drive MF. With id features only, P_u and Q_i are the id features' factors.
 */
export interface FmFactorView extends FactorView {
  /**
   * Recomputes every row of `userFactors` from the current parameters.
   * @remarks O(nnz(users)·dim); allocates nothing.
   */
  refreshUserFactors(): void
}

/** Options of {@link createFmScorer}. */
export interface FmScorerOptions {
  /** Rows of `itemFactors`: the items a sampler draws from (default: every item row). */
  numItems?: number
  /**
   * Called once, with the array, when `userFactors` is first read: the stepper then keeps its rows
   * current as it trains (samplers that never read the factors cost nothing).
   */
  onUserFactors?: (userFactors: Float32Array) => void
  /**
   * The batched scorer to expose as `scoreBatch` (the FM stepper passes its WebAssembly kernel's
   * `scorePairs`, over the same parameters); default: the TypeScript loop described at
   * {@link createFmScorer}.
   */
  scoreBatch?: (users: Int32Array, items: Int32Array, count: number, out: Float32Array) => void
}

/**
 * A live {@link FmFactorView} over FM parameters.
 *
 * - `scoreItems` reads the parameters as they train: per call the user side's sum once
 *   (O(nnz_u·dim)), then each requested item's side (O(nnz_i·dim) per item). Allocates nothing.
 * - `scoreBatch` (the batched path of model-aware samplers) scores (user, item) pairs from the
 *   same live parameters, never from `userFactors`: the user side's sum once per run of equal
 *   users, then each item's side, exactly as `scoreItems` (float64 sums; −∞ for an item < 0), or
 *   `options.scoreBatch` when given. Allocates nothing.
 * - `itemFactors` (the rows Q_i) is **recomputed from the parameters at every read**
 *   (O(nnz(items)·dim), no allocation after the first read). AOBPR reads it once per refresh of its
 *   orderings (every ≈ |I|·ln|I| draws), so its orderings are exact at every refresh for about the
 *   cost of its own per-refresh sort; read it once and keep the array, not per element.
 * - `userFactors` (the rows P_u) is computed at its first read and then kept by whoever trains
 *   the parameters: the FM stepper rewrites a user's row after each of that user's steps and
 *   calls `refreshUserFactors` every |users| slots (see {@link createFmStepper}). Outside training
 *   the parameters do not move, so the first read stays exact; call `refreshUserFactors` after
 *   changing them.
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
  options: FmScorerOptions = {},
): FmFactorView {
  const su = new Float64Array(dim)
  const si = new Float64Array(dim)
  const tmp = new Float64Array(dim)
  const numUsers = uPtr.length - 1
  const numItems = options.numItems ?? iPtr.length - 1
  if (!(Number.isInteger(numItems) && numItems >= 0 && numItems <= iPtr.length - 1))
    throw new Error(`createFmScorer: numItems must be an integer in [0, ${iPtr.length - 1}], got ${numItems}`)
  let P: Float32Array | null = null
  let Q: Float32Array | null = null
  const refreshUsers = (out: Float32Array): void => {
    for (let u = 0; u < numUsers; u++) fmRowSum32(w, V, dim, uFeat, uVal, uPtr[u], uPtr[u + 1], out, u * dim, tmp)
  }
  return {
    dim,
    get userFactors(): Float32Array {
      if (P === null) {
        P = new Float32Array(numUsers * dim)
        refreshUsers(P)
        if (options.onUserFactors) options.onUserFactors(P)
      }
      return P
    },
    get itemFactors(): Float32Array {
      if (Q === null) Q = new Float32Array(numItems * dim)
      for (let i = 0; i < numItems; i++) fmRowSum32(w, V, dim, iFeat, iVal, iPtr[i], iPtr[i + 1], Q, i * dim, tmp)
      return Q
    },
    refreshUserFactors(): void {
      if (P !== null) refreshUsers(P)
    },
    scoreBatch:
      options.scoreBatch ??
      ((users: Int32Array, items: Int32Array, count: number, out: Float32Array): void => {
        let prev = -1
        let cu = 0
        for (let c = 0; c < count; c++) {
          const item = items[c]
          if (item < 0) {
            out[c] = -Infinity
            continue
          }
          const user = users[c]
          if (user !== prev) {
            cu = w0[0] + fmRowSum(w, V, dim, uFeat, uVal, uPtr[user], uPtr[user + 1], su, 0)
            prev = user
          }
          const ci = fmRowSum(w, V, dim, iFeat, iVal, iPtr[item], iPtr[item + 1], si, 0)
          let d = 0
          for (let f = 0; f < dim; f++) d += su[f] * si[f]
          out[c] = cu + ci + d
        }
      }),
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
 *
 * Its scorer is an {@link FmFactorView} whose `scoreBatch` runs the WebAssembly kernel's
 * `scorePairs` when `spec.wasm` is set (thread `thread`'s scratch; workers ≥ 2 each have their own
 * view), the TypeScript loop otherwise. Once a sampler has read `userFactors` (AOBPR does in
 * `prepare`), the user rows P_u are kept live at two cadences:
 * - after each slot's update, the slot user's row is recomputed from the updated parameters
 *   (inside {@link fmStepRange}, O(nnz_u·dim)). With user rows that share no feature (id features
 *   only, the default) a user's parameters move only in that user's own steps, so on one thread P
 *   is then exact at every `sample` call, as MF's factors are;
 * - when rows can move without a step of their own — user rows that share features
 *   (demographics, feature files) or parameters in shared memory (`workers ≥ 2`: the other
 *   threads' steps; each thread has its own view) — the whole of P is also recomputed every
 *   |users| slots (amortised one user row per slot), which bounds the lag to |users| slots.
 * On ml-latest-small (id features, BPR, k = 1, uniform negatives) this upkeep costs ≈ +10% CPU
 * per epoch (+24% with the periodic pass, hence it is skipped when it cannot matter); less with
 * more negatives or item features. The item rows need no upkeep: `itemFactors` is recomputed at each
 * read (see {@link createFmScorer}). Samplers that never read the factors pay nothing.
 */
export function createFmStepper(
  arrays: Record<string, Float32Array>,
  spec: FmStepperSpec,
  train: Interactions,
  k: number,
  thread = 0,
): Stepper {
  const { w0, w, V } = arrays
  if (!(w0 instanceof Float32Array) || !(w instanceof Float32Array) || !(V instanceof Float32Array))
    throw new Error('fm stepper: arrays "w0", "w" and "V" are required')
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
    userFactors: EMPTY_F32,
    ...allocFmScratch(k, spec.dim),
  }
  const numUsers = spec.uPtr.length - 1
  const sharedMemory = typeof SharedArrayBuffer !== 'undefined' && V.buffer instanceof SharedArrayBuffer
  const periodic = sharedMemory || rowsShareFeatures(spec.uPtr, spec.uFeat, w.length)
  let kernel: FmWasmKernel | null = null
  if (spec.wasm) {
    checkWasmViews(arrays, spec.wasm)
    kernel = new FmWasmKernel(spec.wasm, thread, {
      loss: spec.loss,
      hp: spec.hp,
      optimizer: spec.optimizer,
      l2: spec.l2,
      l2Bias: spec.l2Bias,
    })
  }
  const wasmKernel = kernel
  const scorer = createFmScorer(w0, w, V, spec.dim, spec.uPtr, spec.uFeat, spec.uVal, spec.iPtr, spec.iFeat, spec.iVal, {
    numItems: spec.numItems,
    onUserFactors: (P) => {
      views.userFactors = P
    },
    // Candidate scoring for model-aware samplers runs in the step kernel's module, over the same
    // memory and this thread's scratch.
    ...(wasmKernel ? { scoreBatch: (users, items, count, out) => wasmKernel.scorePairs(users, items, count, out) } : {}),
  })
  let sinceRefresh = 0
  return {
    scorer: () => scorer,
    step(batch: Batch, negs: NegativeBuffer, start: number, end: number, lr: number): number {
      let loss: number
      if (kernel === null)
        loss = fmStepRange(views, batch.users, batch.positives, negs.items, negs.logQ, negs.trials, negs.k, start, end, lr)
      else if (views.userFactors.length === 0)
        loss = kernel.step(batch.users, batch.positives, negs.items, negs.logQ, negs.k, start, end, lr)
      else {
        // fmStepRange's userFactors upkeep, slot by slot: the WebAssembly step of slot s, then the
        // slot user's row of P from the updated parameters (P lives outside the module's memory).
        const P = views.userFactors
        const users = batch.users
        loss = 0
        for (let s = start; s < end; s++) {
          loss += kernel.step(users, batch.positives, negs.items, negs.logQ, negs.k, s, s + 1, lr)
          const u = users[s]
          fmRowSum32(views.w, views.V, spec.dim, spec.uFeat, spec.uVal, spec.uPtr[u], spec.uPtr[u + 1], P, u * spec.dim, views.userSum)
        }
      }
      if (periodic && views.userFactors.length > 0) {
        sinceRefresh += end - start
        if (sinceRefresh >= numUsers) {
          scorer.refreshUserFactors()
          sinceRefresh = 0
        }
      }
      return loss
    },
  }
}

/** The kernel writes through the layout's offsets, so the arrays must be exactly its views. */
function checkWasmViews(arrays: Record<string, Float32Array>, l: FmWasmLayout): void {
  const want = fmWasmArrays(l)
  const buf = l.memory.buffer
  for (const name of ['w0', 'w', 'V', 'w0Acc', 'wAcc', 'VAcc']) {
    const a = arrays[name]
    const b = want[name]
    if (b === undefined) {
      if (a && a.length > 0) throw new Error(`fm stepper: array "${name}" is not in the WebAssembly layout`)
      continue
    }
    // Across a worker boundary the shared buffer arrives as another object over the same memory.
    const sameBuffer =
      a && (a.buffer === buf || (l.shared && a.buffer instanceof SharedArrayBuffer && a.buffer.byteLength === buf.byteLength))
    if (!sameBuffer || a.byteOffset !== b.byteOffset || a.length !== b.length) {
      throw new Error(`fm stepper: array "${name}" is not the WebAssembly layout's view (byte offset ${b.byteOffset}, ${b.length} values)`)
    }
  }
}

/** True when some feature occurs in two rows (then a step of one row moves the other's sum). */
function rowsShareFeatures(ptr: Int32Array, feat: Int32Array, numFeatures: number): boolean {
  const seen = new Uint8Array(numFeatures)
  const numRows = ptr.length - 1
  for (let r = 0; r < numRows; r++) {
    for (let p = ptr[r]; p < ptr[r + 1]; p++) {
      const m = feat[p]
      if (seen[m] === 1) {
        // A feature repeated inside one row still moves only with that row.
        let inRow = false
        for (let q = ptr[r]; q < p; q++) if (feat[q] === m) inRow = true
        if (!inRow) return true
      }
      seen[m] = 1
    }
  }
  return false
}
