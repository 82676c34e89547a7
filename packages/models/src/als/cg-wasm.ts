/**
 * The WebAssembly SIMD twins of {@link gram} and {@link cgRows} (source: `wasm/als.wat`). The
 * factors they update live in the module's memory, so a fit that uses them allocates the user and
 * item factors as views of a `WebAssembly.Memory` laid out by {@link createAlsWasmLayout}, next to
 * both sides of the confidence matrix, the Gram matrix and per-thread CG scratch. With `shared` the
 * memory is a SharedArrayBuffer that worker threads instantiate the same module over; rows are
 * independent within a half-sweep, so threads solving disjoint row ranges never race.
 */
import { ALS_WASM_PLAIN, ALS_WASM_SHARED } from './wasm/als-module.js'
import { wasmModulePair } from '../wasm/modules.js'
import type { ConfidenceCsr } from './csr.js'

/** The module's exports (see `wasm/als.wat`). */
interface AlsExports {
  gram(Y: number, rows: number, dim: number, reg: number, G: number): void
  cgRows(
    G: number,
    X: number,
    Y: number,
    dim: number,
    indptr: number,
    indices: number,
    conf: number,
    start: number,
    end: number,
    steps: number,
    r: number,
    p: number,
    ap: number,
  ): void
}

const PAGE = 65536
/** wasm32 addresses 4 GiB: 65536 pages. */
const MAX_PAGES = 65536

const modules = wasmModulePair(ALS_WASM_PLAIN, ALS_WASM_SHARED)

/**
 * True when this engine runs the ALS kernels (WebAssembly with 128-bit SIMD: Node ≥ 16.4, current
 * browsers). Validates the module once and caches the answer.
 */
export function alsWasmSupported(): boolean {
  return modules.supported()
}

/** One side of the confidence matrix inside the kernel's memory (byte offsets). */
export interface AlsWasmCsr {
  rows: number
  indptr: number
  indices: number
  conf: number
}

/**
 * Where everything sits in the kernel's memory (byte offsets, 16-byte aligned). Structured-clone
 * safe: worker threads receive it whole, shared memory included.
 */
export interface AlsWasmLayout {
  memory: WebAssembly.Memory
  shared: boolean
  dim: number
  numUsers: number
  numItems: number
  /** `[numUsers*dim]` user factors. */
  userFactors: number
  /** `[numItems*dim]` item factors. */
  itemFactors: number
  /** The user-major confidence matrix (rows of the user factors). */
  users: AlsWasmCsr
  /** Its item-major transpose. */
  items: AlsWasmCsr
  /** `[dim*dim]` float32 Gram matrix of the fixed side plus reg·I. */
  gram: number
  /** First thread's CG scratch (r, p, ap); thread `w` uses `scratch + w·scratchBytes`. */
  scratch: number
  scratchBytes: number
  threads: number
}

/** What {@link createAlsWasmLayout} needs. */
export interface AlsWasmLayoutSpec {
  dim: number
  users: ConfidenceCsr
  items: ConfidenceCsr
  threads: number
  shared: boolean
}

const align16 = (n: number): number => Math.ceil(n / 16) * 16

/**
 * Allocates the kernel's memory and copies both sides of the confidence matrix into it; the
 * factors start at zero.
 * @returns the layout, or null when `dim` is not a multiple of 4 or everything exceeds 4 GiB.
 */
export function createAlsWasmLayout(spec: AlsWasmLayoutSpec): AlsWasmLayout | null {
  const { dim, users, items, threads, shared } = spec
  if (!(Number.isInteger(dim) && dim > 0 && dim % 4 === 0)) return null
  let at = 0
  const take = (bytes: number): number => {
    const o = at
    at = align16(at + bytes)
    return o
  }
  const userFactors = take(users.rows * dim * 4)
  const itemFactors = take(items.rows * dim * 4)
  const side = (c: ConfidenceCsr): AlsWasmCsr => ({
    rows: c.rows,
    indptr: take((c.rows + 1) * 4),
    indices: take(c.indices.length * 4),
    conf: take(c.conf.length * 4),
  })
  const u = side(users)
  const i = side(items)
  const gram = take(dim * dim * 4)
  // Whole cache lines per thread, so that threads never write the same line of scratch.
  const scratchBytes = Math.ceil((3 * dim * 4) / 64) * 64
  at = Math.ceil(at / 64) * 64
  const scratch = take(scratchBytes * threads)
  const pages = Math.max(1, Math.ceil(at / PAGE))
  if (pages > MAX_PAGES) return null
  const memory = new WebAssembly.Memory(shared ? { initial: pages, maximum: pages, shared: true } : { initial: pages })
  const buf = memory.buffer
  const copy = (c: ConfidenceCsr, w: AlsWasmCsr): void => {
    new Int32Array(buf, w.indptr, c.rows + 1).set(c.indptr.subarray(0, c.rows + 1))
    new Int32Array(buf, w.indices, c.indices.length).set(c.indices)
    new Float32Array(buf, w.conf, c.conf.length).set(c.conf)
  }
  copy(users, u)
  copy(items, i)
  return {
    memory,
    shared,
    dim,
    numUsers: users.rows,
    numItems: items.rows,
    userFactors,
    itemFactors,
    users: u,
    items: i,
    gram,
    scratch,
    scratchBytes,
    threads,
  }
}

/** The factor views of a layout: the arrays the model keeps after the fit. */
export function alsWasmArrays(l: AlsWasmLayout): { userFactors: Float32Array; itemFactors: Float32Array } {
  return {
    userFactors: new Float32Array(l.memory.buffer, l.userFactors, l.numUsers * l.dim),
    itemFactors: new Float32Array(l.memory.buffer, l.itemFactors, l.numItems * l.dim),
  }
}

/**
 * One thread's instance of the ALS kernels over a layout's memory and its own scratch block.
 * @example
 * ```ts
 * const layout = createAlsWasmLayout({ dim: 64, users, items, threads: 1, shared: false })!
 * const k = new AlsWasmKernel(layout, 0)
 * k.gram('users', 30)                      // G = YᵀY + 30·I over the item factors
 * k.solve('users', 0, layout.numUsers, 3)  // 3 CG steps per user row
 * ```
 */
export class AlsWasmKernel {
  private readonly x: AlsExports
  private readonly l: AlsWasmLayout
  private readonly r: number
  private readonly p: number
  private readonly ap: number

  /** Instantiates the module over `layout.memory` for thread `slot` (< `layout.threads`). */
  constructor(layout: AlsWasmLayout, slot: number) {
    if (!(slot >= 0 && slot < layout.threads)) throw new RangeError(`AlsWasmKernel: slot ${slot} out of range [0, ${layout.threads})`)
    this.l = layout
    this.x = new WebAssembly.Instance(modules.module(layout.shared), { env: { memory: layout.memory } }).exports as unknown as AlsExports
    this.r = layout.scratch + slot * layout.scratchBytes
    this.p = this.r + layout.dim * 4
    this.ap = this.p + layout.dim * 4
  }

  /**
   * Writes `G = YᵀY + reg·I` for solving the rows of `side`, Y being the other side's factors.
   * @remarks O(rows·dim²/2) over the fixed side.
   */
  gram(side: 'users' | 'items', reg: number): void {
    const l = this.l
    if (side === 'users') this.x.gram(l.itemFactors, l.numItems, l.dim, reg, l.gram)
    else this.x.gram(l.userFactors, l.numUsers, l.dim, reg, l.gram)
  }

  /**
   * `steps` CG steps on each row `[start, end)` of `side`, against the current Gram matrix.
   * @remarks O(steps·(dim² + nnz·dim)) over the range; allocates nothing.
   */
  solve(side: 'users' | 'items', start: number, end: number, steps: number): void {
    const l = this.l
    const users = side === 'users'
    const c = users ? l.users : l.items
    if (!(start >= 0 && end <= c.rows && start <= end))
      throw new RangeError(`AlsWasmKernel.solve: rows [${start}, ${end}) outside [0, ${c.rows})`)
    const X = users ? l.userFactors : l.itemFactors
    const Y = users ? l.itemFactors : l.userFactors
    this.x.cgRows(l.gram, X, Y, l.dim, c.indptr, c.indices, c.conf, start, end, steps, this.r, this.p, this.ap)
  }

  /** The Gram matrix as a float32 view (for tests). */
  gramView(): Float32Array {
    return new Float32Array(this.l.memory.buffer, this.l.gram, this.l.dim * this.l.dim)
  }
}
