/**
 * The WebAssembly SIMD twins of {@link sgnsStep} and {@link hsStep} (source: `wasm/sgns.wat`),
 * run a whole batch per call. The parameters they update must live in the module's memory, so a
 * fit that uses them allocates `syn0`/`syn1` as views of a `WebAssembly.Memory` laid out by
 * {@link createSgnsLayout}; with `shared` the memory is a SharedArrayBuffer that worker threads
 * instantiate the same module over (Hogwild, as the TypeScript path).
 */
import { SGNS_WASM_PLAIN, SGNS_WASM_SHARED } from './wasm/sgns-module.js'
import { wasmModulePair } from '../wasm/modules.js'
import { align16, createArena, createWasmMemory } from '../wasm/memory.js'
import type { HsPaths } from './train.js'

/** The module's exports (see `wasm/sgns.wat`). */
interface SgnsExports {
  sgnsBatch(
    syn0: number,
    syn1: number,
    dim: number,
    cen: number,
    pos: number,
    neg: number,
    size: number,
    k: number,
    lr: number,
    neu: number,
    map0: number,
    priv0: number,
    map1: number,
    priv1: number,
  ): number
  hsBatch(
    syn0: number,
    syn1: number,
    dim: number,
    cen: number,
    pos: number,
    codes: number,
    points: number,
    offsets: number,
    size: number,
    lr: number,
    neu: number,
    map0: number,
    priv0: number,
    map1: number,
    priv1: number,
  ): number
  merge(shared: number, priv: number, base: number, ids: number, n: number, bytes: number): void
  sigmoid(x: number): number
}

const modules = wasmModulePair(SGNS_WASM_PLAIN, SGNS_WASM_SHARED)

/**
 * True when this engine runs WebAssembly with 128-bit SIMD (Node ≥ 16.4, current browsers).
 * @remarks Validates the module once and caches the answer.
 */
export function wasmSimdSupported(): boolean {
  return modules.supported()
}

/**
 * Where everything sits in the kernel's memory (byte offsets, 16-byte aligned). Structured-clone
 * safe: worker threads receive it whole, shared memory included.
 */
export interface SgnsLayout {
  memory: WebAssembly.Memory
  shared: boolean
  dim: number
  /** Negatives per slot. */
  k: number
  /** Slots per kernel call. */
  batchSize: number
  syn0: number
  syn0Length: number
  syn1: number
  syn1Length: number
  /** Hierarchical-softmax paths as int32 (`codes`, `points`, `offsets`), or -1 without them. */
  codes: number
  points: number
  offsets: number
  /**
   * Thread-private rows (see {@link SgnsPrivateRows}): `private0`/`private1` rows of syn0/syn1
   * listed at `ids0`/`ids1` (int32), int32 maps `map0`/`map1` from a row to its private slot
   * (−1: shared; the maps are −1 without private rows), merged every `mergeEvery` batches.
   */
  private0: number
  private1: number
  ids0: number
  ids1: number
  map0: number
  map1: number
  mergeEvery: number
  /**
   * Every row of syn0 (`whole0`) / syn1 (`whole1`) is private, listed in order: the kernels then
   * address the thread's private matrix directly, without the map lookup per row.
   */
  whole0: boolean
  whole1: boolean
  /** First thread's scratch; thread `w` uses `scratch + w·scratchBytes`. */
  scratch: number
  scratchBytes: number
  threads: number
}

/**
 * Rows each worker thread trains on a private copy of, publishing its change to the shared
 * matrices (and picking up the other threads') every `mergeEvery` batches.
 *
 * Why: with every row shared (plain Hogwild), two threads running this kernel at the same time
 * did 1.1–1.2× one thread, against 1.9–2.0× on separate parameters (bench shape: 5,000 items,
 * Zipf popularity). A row written by one core and then read by the other moves its cache lines
 * between cores and makes the reader's speculative loads replay; with a catalogue of thousands
 * of items nearly every row a thread touches was last written by the other. Private copies of
 * only the 512 hottest rows, merged after every batch, reached 1.3–1.4×; all rows merged every
 * 16 batches, 1.65× (kernel alone), and `fit` went from 1.6× to 2.1× one worker. When every
 * row is private and listed in order, the kernels run on the thread's private matrices directly
 * (no map lookup per row): `fit` with two workers, +11% (median of paired rounds).
 */
export interface SgnsPrivateRows {
  /** syn0 rows (item ids). */
  rows0: Int32Array
  /** syn1 rows (item ids with negative sampling, inner nodes with hierarchical softmax). */
  rows1: Int32Array
  /** Batches between merges (≥ 1). */
  mergeEvery: number
}

/** What {@link createSgnsLayout} needs. */
export interface SgnsLayoutSpec {
  dim: number
  k: number
  batchSize: number
  syn0Length: number
  syn1Length: number
  threads: number
  shared: boolean
  hs: HsPaths | null
  /** Rows each thread keeps private between merges (worth it with threads ≥ 2 only), or none. */
  privateRows?: SgnsPrivateRows | null
}

/** `dst[0..n) = src[0..n)` without the subarray views `set` would need. */
function copyInto(dst: Int32Array, src: Int32Array, n: number): void {
  for (let i = 0; i < n; i++) dst[i] = src[i]
}

/** True when `ids` is 0, 1, …, rows − 1. */
function isIdentity(ids: Int32Array, rows: number): boolean {
  if (ids.length !== rows) return false
  for (let h = 0; h < rows; h++) if (ids[h] !== h) return false
  return true
}

/**
 * Allocates the kernel's memory: `syn0`, `syn1` (zeroed), the Huffman paths copied as int32, and
 * one scratch block per thread (the `neu1e` accumulator, centres, contexts and negatives of a
 * batch, and the thread's private rows if `privateRows` lists any).
 * @returns the layout, or null when `dim` is not a multiple of 4 or the arrays exceed 4 GiB.
 */
export function createSgnsLayout(spec: SgnsLayoutSpec): SgnsLayout | null {
  const { dim, k, batchSize, syn0Length, syn1Length, threads, shared, hs } = spec
  if (dim % 4 !== 0) return null
  const hot = spec.privateRows && (spec.privateRows.rows0.length > 0 || spec.privateRows.rows1.length > 0) ? spec.privateRows : null
  if (hot && !(Number.isInteger(hot.mergeEvery) && hot.mergeEvery >= 1))
    throw new RangeError(`createSgnsLayout: mergeEvery must be a positive integer, got ${hot.mergeEvery}`)
  const arena = createArena()
  const take = arena.take
  const syn0 = take(syn0Length * 4)
  const syn1 = take(syn1Length * 4)
  const codes = hs ? take(hs.codes.length * 4) : -1
  const points = hs ? take(hs.points.length * 4) : -1
  const offsets = hs ? take(hs.offsets.length * 4) : -1
  const rows0 = syn0Length / dim
  const rows1 = syn1Length / dim
  const private0 = hot ? hot.rows0.length : 0
  const private1 = hot ? hot.rows1.length : 0
  const ids0 = hot ? take(private0 * 4) : -1
  const ids1 = hot ? take(private1 * 4) : -1
  const map0 = hot ? take(rows0 * 4) : -1
  const map1 = hot ? take(rows1 * 4) : -1
  // Whole cache lines per thread, so that threads never write the same line of scratch; then the
  // private rows and their bases (the rows as of the last merge).
  const scratchBytes =
    Math.ceil((align16(dim * 4) + align16(batchSize * 4) * 2 + align16(batchSize * k * 4) + 2 * (private0 + private1) * dim * 4) / 64) * 64
  arena.alignTo(64)
  const scratch = take(scratchBytes * threads)
  const memory = createWasmMemory(arena.size, shared)
  if (!memory) return null
  const layout: SgnsLayout = {
    memory,
    shared,
    dim,
    k,
    batchSize,
    syn0,
    syn0Length,
    syn1,
    syn1Length,
    codes,
    points,
    offsets,
    private0,
    private1,
    ids0,
    ids1,
    map0,
    map1,
    mergeEvery: hot ? hot.mergeEvery : 1,
    whole0: hot !== null && isIdentity(hot.rows0, rows0),
    whole1: hot !== null && isIdentity(hot.rows1, rows1),
    scratch,
    scratchBytes,
    threads,
  }
  if (hot) {
    const fillMap = (ids: Int32Array, at: number, map: number, rows: number, what: string): void => {
      const m = new Int32Array(memory.buffer, map, rows).fill(-1)
      new Int32Array(memory.buffer, at, ids.length).set(ids)
      for (let h = 0; h < ids.length; h++) {
        const r = ids[h]
        if (!(Number.isInteger(r) && r >= 0 && r < rows) || m[r] >= 0)
          throw new RangeError(`createSgnsLayout: private ${what} row ${r} is out of range [0, ${rows}) or repeated`)
        m[r] = h
      }
    }
    fillMap(hot.rows0, ids0, map0, rows0, 'syn0')
    fillMap(hot.rows1, ids1, map1, rows1, 'syn1')
  }
  if (hs) {
    new Int32Array(memory.buffer, codes, hs.codes.length).set(hs.codes)
    new Int32Array(memory.buffer, points, hs.points.length).set(hs.points)
    new Int32Array(memory.buffer, offsets, hs.offsets.length).set(hs.offsets)
  }
  return layout
}

/** The parameter views of a layout: the arrays the model keeps after the fit. */
export function layoutArrays(l: SgnsLayout): { syn0: Float32Array; syn1: Float32Array } {
  return { syn0: new Float32Array(l.memory.buffer, l.syn0, l.syn0Length), syn1: new Float32Array(l.memory.buffer, l.syn1, l.syn1Length) }
}

/**
 * One thread's instance of the kernels over a layout's memory and its own scratch block.
 * @example
 * ```ts
 * const layout = createSgnsLayout({ dim: 64, k: 5, batchSize: 2048, syn0Length, syn1Length, threads: 1, shared: false, hs: null })!
 * const { syn0, syn1 } = layoutArrays(layout)
 * const kernel = new SgnsWasmKernel(layout, 0)
 * const used = kernel.sgns(centres, contexts, negatives, size, 0.025)
 * ```
 */
export class SgnsWasmKernel {
  private readonly x: SgnsExports
  private readonly l: SgnsLayout
  private readonly neu: number
  private readonly cen: Int32Array
  private readonly pos: Int32Array
  private readonly neg: Int32Array
  /** Private rows and their bases (the rows as of the last merge), as byte offsets. */
  private readonly priv0: number
  private readonly base0: number
  private readonly priv1: number
  private readonly base1: number
  /** The matrices and row maps the batch calls address (the private matrix itself when whole). */
  private readonly syn0: number
  private readonly syn1: number
  private readonly map0: number
  private readonly map1: number
  /** Batches since the last merge. */
  private pending = 0

  /**
   * Instantiates the module over `layout.memory` for thread `slot` (< `layout.threads`). Private
   * rows, if any, start as the shared rows are now.
   */
  constructor(layout: SgnsLayout, slot: number) {
    if (!(slot >= 0 && slot < layout.threads)) throw new RangeError(`SgnsWasmKernel: slot ${slot} out of range [0, ${layout.threads})`)
    this.l = layout
    this.x = new WebAssembly.Instance(modules.module(layout.shared), { env: { memory: layout.memory } }).exports as unknown as SgnsExports
    const B = layout.batchSize
    const buf = layout.memory.buffer
    this.neu = layout.scratch + slot * layout.scratchBytes
    const cen = this.neu + align16(layout.dim * 4)
    const pos = cen + align16(B * 4)
    const neg = pos + align16(B * 4)
    this.cen = new Int32Array(buf, cen, B)
    this.pos = new Int32Array(buf, pos, B)
    this.neg = new Int32Array(buf, neg, B * layout.k)
    const rowBytes = layout.dim * 4
    this.priv0 = neg + align16(B * layout.k * 4)
    this.base0 = this.priv0 + layout.private0 * rowBytes
    this.priv1 = this.base0 + layout.private0 * rowBytes
    this.base1 = this.priv1 + layout.private1 * rowBytes
    this.syn0 = layout.whole0 ? this.priv0 : layout.syn0
    this.map0 = layout.whole0 ? -1 : layout.map0
    this.syn1 = layout.whole1 ? this.priv1 : layout.syn1
    this.map1 = layout.whole1 ? -1 : layout.map1
    this.merge()
  }

  /**
   * Publishes this thread's changes to its private rows into the shared matrices and refreshes
   * the private copies from them (a no-op without private rows). The batch calls do it every
   * `mergeEvery` batches; call it when the thread stops (an epoch's end) so that the shared
   * matrices hold all its work.
   * @remarks O(private rows·dim).
   */
  merge(): void {
    const l = this.l
    this.pending = 0
    if (l.map0 < 0) return
    const bytes = l.dim * 4
    this.x.merge(l.syn0, this.priv0, this.base0, l.ids0, l.private0, bytes)
    this.x.merge(l.syn1, this.priv1, this.base1, l.ids1, l.private1, bytes)
  }

  /**
   * {@link sgnsStep} for slots `0..size)`: centre `centres[s]`, context `contexts[s]`, negatives
   * `negatives[s·k .. s·k+k)`.
   * @returns the number of negatives used.
   * @remarks O(size·(k+1)·dim); copies the batch into the module's memory; allocates nothing.
   */
  sgns(centres: Int32Array, contexts: Int32Array, negatives: Int32Array, size: number, lr: number): number {
    const l = this.l
    copyInto(this.cen, centres, size)
    copyInto(this.pos, contexts, size)
    copyInto(this.neg, negatives, size * l.k)
    const used = this.x.sgnsBatch(
      this.syn0,
      this.syn1,
      l.dim,
      this.cen.byteOffset,
      this.pos.byteOffset,
      this.neg.byteOffset,
      size,
      l.k,
      lr,
      this.neu,
      this.map0,
      this.priv0,
      this.map1,
      this.priv1,
    )
    if (++this.pending >= l.mergeEvery) this.merge()
    return used
  }

  /**
   * {@link hsStep} for slots `0..size)` over the layout's Huffman paths.
   * @returns the number of inner nodes trained.
   */
  hs(centres: Int32Array, contexts: Int32Array, size: number, lr: number): number {
    const l = this.l
    if (l.codes < 0) throw new Error('SgnsWasmKernel.hs: the layout has no Huffman paths')
    copyInto(this.cen, centres, size)
    copyInto(this.pos, contexts, size)
    const nodes = this.x.hsBatch(
      this.syn0,
      this.syn1,
      l.dim,
      this.cen.byteOffset,
      this.pos.byteOffset,
      l.codes,
      l.points,
      l.offsets,
      size,
      lr,
      this.neu,
      this.map0,
      this.priv0,
      this.map1,
      this.priv1,
    )
    if (++this.pending >= l.mergeEvery) this.merge()
    return nodes
  }

  /** The module's logistic function (clamped at ±30), exposed for tests. */
  sigmoid(x: number): number {
    return this.x.sigmoid(x)
  }
}
