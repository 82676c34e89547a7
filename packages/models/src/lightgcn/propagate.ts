/**
 * LightGCN's kernels behind one {@link Propagator}: the WebAssembly SIMD twin (source
 * `wasm/lightgcn.wat`: the sparse products of {@link propagateLayer} and the slots' gradients of
 * `slotGradients`) and the TypeScript reference. The twin reads the graph and the embeddings from
 * its own linear memory, so a fit that uses it allocates every node-sized array (E⁰, its optimiser
 * state, the final embeddings, gradients, layer scratch) as a view of that memory; the step code
 * works on the views either way.
 */
import { chooseKernel, type KernelOption } from '../wasm/backend.js'
import { createArena, createWasmMemory } from '../wasm/memory.js'
import { wasmModulePair } from '../wasm/modules.js'
import { propagateBackward, propagateForward, propagateLayer, type NormalizedGraph } from './graph.js'
import { LOSS_BPR, LOSS_GBCE, LOSS_LOGISTIC, LOSS_SOFTMAX } from '../losses/grad.js'
import { WasmSlots, wasmLossArgs } from '../wasm/slots.js'
import { LIGHTGCN_WASM_PLAIN, LIGHTGCN_WASM_SHARED } from './wasm/lightgcn-module.js'
import type { PropagationPool } from './threads.js'

/** Arguments of one `spmm` call, and calls per worker job (one per CSR of a layer). */
export const SPMM_ARGS = 13
export const MAX_CALLS = 2

/** The module's exports (see `wasm/lightgcn.wat`). */
interface LightGcnExports {
  spmm(
    indptr: number,
    cols: number,
    w: number,
    r0: number,
    r1: number,
    src: number,
    dst: number,
    dim: number,
    add: number,
    beta: number,
    out: number,
    alpha: number,
    mode: number,
  ): void
  scale(src: number, dst: number, n: number, alpha: number): void
  slotGrads(
    F: number,
    G: number,
    dim: number,
    nu: number,
    users: number,
    pos: number,
    negs: number,
    logQ: number,
    n: number,
    k: number,
    grads: number,
    scores: number,
    exps: number,
    loss: number,
    invT: number,
    correct: number,
    beta: number,
  ): number
  denseUpdate(E: number, acc: number, g: number, n: number, lr: number, adagrad: number): void
  scorePairs(F: number, dim: number, nu: number, users: number, items: number, count: number, out: number): void
  cachedRows(
    list: number,
    counts: number,
    nt: number,
    dim: number,
    E: number,
    acc: number,
    G: number,
    D: number,
    F: number,
    w0: number,
    l2: number,
    lr: number,
    adagrad: number,
  ): void
}

const modules = wasmModulePair(LIGHTGCN_WASM_PLAIN, LIGHTGCN_WASM_SHARED)

/** True when this engine runs the propagation kernel (WebAssembly with 128-bit SIMD). Cached. */
export function spmmWasmSupported(): boolean {
  return modules.supported()
}

/** The kernel's mode bits (see `wasm/spmm.wat`). */
const MODE_ADD = 1
const MODE_OUT = 2

/**
 * The sparse products LightGCN trains with, on arrays it allocated ({@link Propagator.floats}).
 * The two implementations agree to float32 rounding (the twin sums in f32, the reference in f64).
 */
export interface Propagator {
  /** Which kernel runs the products. */
  readonly kernel: 'wasm' | 'js'
  /** The graph (for the twin: views of its memory). */
  readonly graph: NormalizedGraph
  /** A zeroed `[(users + items) × dim]` array the kernel can read and write. */
  floats(): Float32Array
  /** A zeroed `[users + items]` int array the kernel can read and write (row counts and lists; at most two). */
  ints(): Int32Array
  /** One layer `dst = Ã·src` ({@link propagateLayer}). */
  layer(src: Float32Array, dst: Float32Array): void
  /** `out = Σ_k w_k Ã^k e0` ({@link propagateForward}). */
  forward(e0: Float32Array, weights: Float64Array, out: Float32Array, a: Float32Array, b: Float32Array): void
  /** `Σ_k w_k Ã^k grad` into `out`, `a` or `b` ({@link propagateBackward}); returns that buffer. */
  backward(grad: Float32Array, weights: Float64Array, out: Float32Array, a: Float32Array, b: Float32Array): Float32Array
  /** The twin's slot kernel when it was laid out for one and covers the loss; null: `slotGradients` in TypeScript. */
  readonly slots: SlotKernel | null
  /** The twin's optimiser steps on E⁰; null: the TypeScript loops of step.ts. */
  readonly update: UpdateKernel | null
  /** The twin's memory (shared when laid out for worker threads); null for the reference. */
  readonly memory: WebAssembly.Memory | null
  /**
   * Splits every sparse product's rows between this thread and `pool`'s workers (null: this
   * thread alone). The twin over a shared memory only.
   */
  useThreads(pool: PropagationPool | null): void
  /**
   * `out[c] = f_{users[c]}·f_{items[c]}` on final embeddings `F` (one of `floats()`; −∞ for an
   * item < 0), for the training scorer's `scoreBatch`; null: the TypeScript loop of `createDotScorer`.
   */
  readonly scorePairs: ((F: Float32Array, users: Int32Array, items: Int32Array, count: number, out: Float32Array) => void) | null
}

/** Pairs per call of the module's `scorePairs` (longer requests run in chunks). */
const PAIRS_CHUNK = 2048

/**
 * The WebAssembly optimiser steps on E⁰ (SGD, or Adagrad when `acc` is non-empty), in f32 lanes;
 * every array must come from the propagator's `floats()` / `ints()`.
 */
export interface UpdateKernel {
  /** `e0 −= step(g)` over every element. */
  dense(e0: Float32Array, acc: Float32Array, g: Float32Array, lr: number): void
  /**
   * The cached-layers step on rows `list[0..nt)`: `x = w0·G + l2·counts[row]·E⁰`, `E⁰ −= step(x)`,
   * `F −= w0·step(x)`, `D += G`, `G = 0`, `counts[row] = 0` (see step.ts `cachedStep`).
   */
  cachedRows(
    list: Int32Array,
    counts: Int32Array,
    nt: number,
    e0: Float32Array,
    acc: Float32Array,
    G: Float32Array,
    D: Float32Array,
    F: Float32Array,
    w0: number,
    l2: number,
    lr: number,
  ): void
}

/** The losses the slot kernel implements (common.wat's lossGrad): bpr, logistic, gbce, softmax. */
export function slotKernelCovers(loss: number): boolean {
  return loss === LOSS_BPR || loss === LOSS_LOGISTIC || loss === LOSS_GBCE || loss === LOSS_SOFTMAX
}

/**
 * The WebAssembly twin of `slotGradients`' arithmetic: scores of each slot's candidates on the
 * final embeddings, dL/ds, and ∂L/∂final accumulated into G (both arrays of its propagator).
 */
export interface SlotKernel {
  /** Negatives per slot and slots per run it was laid out for (other batches take the TypeScript path). */
  readonly k: number
  readonly batchSize: number
  /** dL/ds of the last run's slots: `[slot·(k + 1) + c]`, c = 0 the positive. */
  readonly grads: Float64Array
  /**
   * Slots `[start, end)` of the loop's arrays (at most the laid-out batch size).
   * @returns the summed loss.
   */
  run(
    F: Float32Array,
    G: Float32Array,
    users: Int32Array,
    positives: Int32Array,
    negItems: Int32Array,
    logQ: Float32Array,
    start: number,
    end: number,
  ): number
}

/** What the slot kernel is laid out for: batch size, negatives per slot, loss code and its hyper-parameters. */
export interface SlotSpec {
  batchSize: number
  k: number
  loss: number
  hp: ArrayLike<number>
}

/** The TypeScript reference propagator over `g` (plain arrays). */
export function jsPropagator(g: NormalizedGraph, dim: number): Propagator {
  const n = (g.numUsers + g.numItems) * dim
  return {
    kernel: 'js',
    graph: g,
    floats: () => new Float32Array(n),
    ints: () => new Int32Array(g.numUsers + g.numItems),
    layer: (src, dst) => propagateLayer(g, src, dst, dim),
    forward: (e0, weights, out, a, b) => propagateForward(g, e0, weights, dim, out, a, b),
    backward: (grad, weights, out, a, b) => propagateBackward(g, grad, weights, dim, out, a, b),
    slots: null,
    update: null,
    scorePairs: null,
    memory: null,
    useThreads(pool): void {
      if (pool) throw new Error('lightgcn: worker threads need the WebAssembly kernel')
    },
  }
}

/**
 * The WebAssembly propagator: copies `g` into a fresh memory with room for `nodeArrays`
 * node-sized float arrays (handed out by `floats()`, at most that many) and, with `slotSpec` of a
 * loss it covers, the slot kernel's staging and scratch.
 * @returns null when `dim` is not a positive multiple of 4 or the memory would exceed 4 GiB.
 */
export function wasmPropagator(
  g: NormalizedGraph,
  dim: number,
  nodeArrays: number,
  slotSpec?: SlotSpec,
  shared = false,
): Propagator | null {
  if (!(Number.isInteger(dim) && dim > 0 && dim % 4 === 0)) return null
  const nu = g.numUsers
  const ni = g.numItems
  const nnz = g.userItems.length
  const n = (nu + ni) * dim
  const arena = createArena()
  const at = {
    userIndptr: arena.take((nu + 1) * 4),
    userItems: arena.take(nnz * 4),
    userWeights: arena.take(nnz * 4),
    itemIndptr: arena.take((ni + 1) * 4),
    itemUsers: arena.take(nnz * 4),
    itemWeights: arena.take(nnz * 4),
  }
  const sl = slotSpec && slotKernelCovers(slotSpec.loss) ? slotSpec : null
  const slotAt = sl
    ? {
        slots: arena.take(WasmSlots.bytes(sl.batchSize, sl.k)),
        grads: arena.take(sl.batchSize * (sl.k + 1) * 8),
        scores: arena.take((sl.k + 1) * 8),
        exps: arena.take((sl.k + 1) * 8),
      }
    : null
  const intsAt = [arena.take((nu + ni) * 4), arena.take((nu + ni) * 4)]
  const pairsAt = arena.take(3 * 4 * PAIRS_CHUNK)
  // Node arrays on cache-line boundaries.
  arena.alignTo(64)
  const first = arena.take(0)
  const stride = Math.ceil((n * 4) / 64) * 64
  arena.take(stride * nodeArrays)
  const memory = createWasmMemory(arena.size, shared)
  if (!memory) return null
  const x = new WebAssembly.Instance(modules.module(shared), { env: { memory } }).exports as unknown as LightGcnExports
  const buf = memory.buffer
  const copy = <T extends Int32Array | Float32Array>(src: T, offset: number): T => {
    const view = (src instanceof Int32Array ? new Int32Array(buf, offset, src.length) : new Float32Array(buf, offset, src.length)) as T
    view.set(src)
    return view
  }
  const graph: NormalizedGraph = {
    numUsers: nu,
    numItems: ni,
    userIndptr: copy(g.userIndptr, at.userIndptr),
    userItems: copy(g.userItems, at.userItems),
    userWeights: copy(g.userWeights, at.userWeights),
    itemIndptr: copy(g.itemIndptr, at.itemIndptr),
    itemUsers: copy(g.itemUsers, at.itemUsers),
    itemWeights: copy(g.itemWeights, at.itemWeights),
  }
  let slots: SlotKernel | null = null
  if (sl && slotAt) {
    const staged = new WasmSlots(buf, slotAt.slots, sl.batchSize, sl.k)
    const args = wasmLossArgs(sl.loss, sl.hp)
    const k = sl.k
    slots = {
      k,
      batchSize: sl.batchSize,
      grads: new Float64Array(buf, slotAt.grads, sl.batchSize * (k + 1)),
      run(F, G, users, positives, negItems, logQ, start, end): number {
        const m = end - start
        staged.stage(users, positives, negItems, logQ, k, start, m, args.copyLogQ)
        return x.slotGrads(
          own(F, 'F'),
          own(G, 'G'),
          dim,
          nu,
          staged.users.byteOffset,
          staged.positives.byteOffset,
          staged.negs.byteOffset,
          staged.logQ.byteOffset,
          m,
          k,
          slotAt.grads,
          slotAt.scores,
          slotAt.exps,
          sl.loss,
          args.invTemperature,
          args.logQOn,
          args.beta,
        )
      },
    }
  }
  let handed = 0
  let handedInts = 0
  const pairUsers = new Int32Array(buf, pairsAt, PAIRS_CHUNK)
  const pairItems = new Int32Array(buf, pairsAt + 4 * PAIRS_CHUNK, PAIRS_CHUNK)
  const pairOut = new Float32Array(buf, pairsAt + 8 * PAIRS_CHUNK, PAIRS_CHUNK)
  const userBytes = nu * dim * 4
  const own = (a: Float32Array, what: string): number => {
    if (a.buffer !== buf || a.length !== n) throw new Error(`lightgcn: ${what} is not an array of this propagator`)
    return a.byteOffset
  }
  let pool: PropagationPool | null = null
  // Row boundaries of each thread's share of the two CSRs (about equal edges + rows) when threaded.
  let userBounds: Int32Array = Int32Array.of(0, nu)
  let itemBounds: Int32Array = Int32Array.of(0, ni)
  const jobArgs = new Float64Array(MAX_CALLS * SPMM_ARGS)
  /** Writes call `c` of a worker job in the kernel's argument order. */
  const spmmArgs = (
    c: number,
    indptr: number,
    cols: number,
    w: number,
    r0: number,
    r1: number,
    src: number,
    dst: number,
    add: number,
    beta: number,
    out: number,
    alpha: number,
    mode: number,
  ): void => {
    const j = jobArgs
    const o = c * SPMM_ARGS
    j[o] = indptr
    j[o + 1] = cols
    j[o + 2] = w
    j[o + 3] = r0
    j[o + 4] = r1
    j[o + 5] = src
    j[o + 6] = dst
    j[o + 7] = dim
    j[o + 8] = add
    j[o + 9] = Math.fround(beta)
    j[o + 10] = out
    j[o + 11] = Math.fround(alpha)
    j[o + 12] = mode
  }
  /**
   * One layer: users' rows from the items' block of src, items' rows from the users' block; with
   * workers, each runs its share of both CSRs' rows while this thread runs the first share.
   */
  const layer = (src: number, dst: number, add: number, beta: number, out: number, alpha: number, mode: number): void => {
    const su = src + userBytes
    const di = dst + userBytes
    const ai = add + userBytes
    const oi = out + userBytes
    if (pool) {
      for (let t = 0; t < pool.size; t++) {
        spmmArgs(0, at.userIndptr, at.userItems, at.userWeights, userBounds[t + 1], userBounds[t + 2], su, dst, add, beta, out, alpha, mode)
        spmmArgs(1, at.itemIndptr, at.itemUsers, at.itemWeights, itemBounds[t + 1], itemBounds[t + 2], src, di, ai, beta, oi, alpha, mode)
        pool.post(t, jobArgs, 2)
      }
    }
    x.spmm(at.userIndptr, at.userItems, at.userWeights, 0, userBounds[1], su, dst, dim, add, beta, out, alpha, mode)
    x.spmm(at.itemIndptr, at.itemUsers, at.itemWeights, 0, itemBounds[1], src, di, dim, ai, beta, oi, alpha, mode)
    pool?.wait()
  }
  return {
    kernel: 'wasm',
    graph,
    slots,
    memory,
    useThreads(p): void {
      if (p && !shared) throw new Error('lightgcn: worker threads need the propagator laid out over shared memory')
      pool = p
      const parts = p ? p.size + 1 : 1
      userBounds = splitByEdges(graph.userIndptr, nu, parts)
      itemBounds = splitByEdges(graph.itemIndptr, ni, parts)
    },
    scorePairs(F, users, items, count, out): void {
      const f = own(F, 'F')
      for (let c0 = 0; c0 < count; c0 += PAIRS_CHUNK) {
        const m = Math.min(PAIRS_CHUNK, count - c0)
        for (let c = 0; c < m; c++) {
          pairUsers[c] = users[c0 + c]
          pairItems[c] = items[c0 + c]
        }
        x.scorePairs(f, dim, nu, pairsAt, pairsAt + 4 * PAIRS_CHUNK, m, pairsAt + 8 * PAIRS_CHUNK)
        for (let c = 0; c < m; c++) out[c0 + c] = pairOut[c]
      }
    },
    update: {
      dense(e0, acc, g, lr): void {
        const adagrad = acc.length > 0
        x.denseUpdate(own(e0, 'e0'), adagrad ? own(acc, 'acc') : 0, own(g, 'g'), n, lr, adagrad ? 1 : 0)
      },
      cachedRows(list, counts, nt, e0, acc, G, D, F, w0, l2, lr): void {
        if (list.buffer !== buf || counts.buffer !== buf) throw new Error('lightgcn: the row list is not an array of this propagator')
        const adagrad = acc.length > 0
        const A = adagrad ? own(acc, 'acc') : 0
        x.cachedRows(
          list.byteOffset,
          counts.byteOffset,
          nt,
          dim,
          own(e0, 'e0'),
          A,
          own(G, 'G'),
          own(D, 'D'),
          own(F, 'F'),
          w0,
          l2,
          lr,
          adagrad ? 1 : 0,
        )
      },
    },
    floats(): Float32Array {
      if (handed >= nodeArrays) throw new Error(`lightgcn: the wasm propagator was laid out for ${nodeArrays} node arrays`)
      return new Float32Array(buf, first + stride * handed++, n)
    },
    ints(): Int32Array {
      if (handedInts >= intsAt.length) throw new Error(`lightgcn: the wasm propagator was laid out for ${intsAt.length} int arrays`)
      return new Int32Array(buf, intsAt[handedInts++], nu + ni)
    },
    layer(src, dst): void {
      layer(own(src, 'src'), own(dst, 'dst'), 0, 0, 0, 0, 0)
    },
    forward(e0, weights, out, a, b): void {
      const e = own(e0, 'e0')
      const o = own(out, 'out')
      x.scale(e, o, n, weights[0])
      let src = e
      let dst = own(a, 'a')
      let other = own(b, 'b')
      for (let k = 1; k < weights.length; k++) {
        layer(src, dst, 0, 0, o, weights[k], MODE_OUT)
        src = dst
        const t = dst
        dst = other
        other = t
      }
    },
    backward(grad, weights, out, a, b): Float32Array {
      const G = own(grad, 'grad')
      const K = weights.length - 1
      const bufs = [own(a, 'a'), own(b, 'b')]
      const views = [a, b]
      let h = K === 0 ? own(out, 'out') : bufs[0]
      let hv = K === 0 ? out : a
      x.scale(G, h, n, weights[K])
      for (let k = K - 1; k >= 0; k--) {
        const j = hv === a ? 1 : 0
        const next = k === 0 ? own(out, 'out') : bufs[j]
        const nextView = k === 0 ? out : views[j]
        const wk = weights[k]
        layer(h, next, G, wk, 0, 0, wk !== 0 ? MODE_ADD : 0)
        h = next
        hv = nextView
      }
      return hv
    },
  }
}

/**
 * Splits rows `[0, rows)` into `parts` contiguous ranges of about equal cost (a row's edges plus
 * one, for its store). @returns `parts + 1` boundaries.
 */
export function splitByEdges(indptr: Int32Array, rows: number, parts: number): Int32Array {
  const bounds = new Int32Array(parts + 1)
  const total = indptr[rows] - indptr[0] + rows
  let p = 1
  for (let r = 0; r < rows && p < parts; r++) if (indptr[r + 1] - indptr[0] + r + 1 >= (total * p) / parts) bounds[p++] = r + 1
  for (; p <= parts; p++) bounds[p] = rows
  return bounds
}

/**
 * Chooses the kernels for a fit: the WebAssembly twin for `'wasm'` or `'auto'` when the engine
 * runs it, `dim` is a multiple of 4 and the memory fits (its slot kernel too when `slotSpec`'s loss
 * is one it covers; WARP and CCL stay in TypeScript); the TypeScript reference otherwise.
 * @throws Error when `'wasm'` is forced and cannot run.
 */
export function lightGcnPropagator(
  kernel: KernelOption | undefined,
  g: NormalizedGraph,
  dim: number,
  nodeArrays: number,
  slotSpec?: SlotSpec,
  shared = false,
): Propagator {
  const choice = chooseKernel<Propagator>(kernel, 'fit', {
    covers: Number.isInteger(dim) && dim % 4 === 0,
    supported: spmmWasmSupported,
    layout: () => wasmPropagator(g, dim, nodeArrays, slotSpec, shared),
    needs: `WebAssembly SIMD, dim a multiple of 4 (got ${dim}) and the graph and embeddings under 4 GiB`,
  })
  return choice.layout ?? jsPropagator(g, dim)
}
