/**
 * Full ranking at scale for dot-product models: the top k items of many queries (users, or items
 * for item similarity) from a blocked [queries × dim]·[dim × items] product with the top-k fused
 * in, so no score matrix exists. Items are packed once into panels of 8; queries go by blocks of
 * {@link BLOCK_ROWS}; a per-row heap keeps the k best and lends its k-th score to the kernel as a
 * threshold, so only scores that can still enter reach JavaScript. This file is the single-thread
 * path (browser-safe); `@decoy/core/node` runs the same {@link BlockRanker} in worker threads.
 */
import type { DotFactors, TopK } from './contracts.js'
import {
  PANEL,
  QUAD,
  RECORD_BYTES,
  instantiateScoreBlock,
  scoreBlockJs,
  scoreBlockWasmSupported,
  type ScoreBlockFn,
} from './kernels/score-block.js'

/** Rows of items to leave out per query id (a CSR; an `Interactions` fits). Rows past `numUsers` exclude nothing. */
export interface ExclusionRows {
  /** Rows in the CSR. */
  readonly numUsers: number
  /** Row pointers, length `numUsers + 1`. */
  readonly indptr: Int32Array
  /** Item ids, ascending within each row. */
  readonly items: Int32Array
}

/** Options of {@link dotTopK}. */
export interface DotTopKOptions {
  /** Items to leave out per query id (e.g. the training rows: `excludeSeen`). */
  exclude?: ExclusionRows[]
  /** `'wasm'` (SIMD kernel), `'js'` (its TypeScript twin) or `'auto'` (default: wasm when supported). */
  kernel?: 'auto' | 'wasm' | 'js'
}

/** Query rows per block: one heap each, their factors packed in quads. */
export const BLOCK_ROWS = 64
/** Item panels per kernel call: the heaps' thresholds are refreshed between calls. */
export const CHUNK_PANELS = 32

const PAGE = 65536

/**
 * Writes `score(user, i)` for every item into `out[0..numItems)`, rounded exactly as the blocked
 * kernel rounds: `d = Σ_f u_f·v_if` accumulated in float32 in order f = 0..dim−1 (each product
 * and each sum rounded to float32), then `(d + itemBias[i]) + userBias[user]`, each rounded.
 * Models that lend {@link DotFactors} compute `scoreAll` with it, so per-user and blocked ranking
 * agree bit for bit (ties included).
 * @remarks O(numItems·dim); allocates nothing. (`Math.fround` of a float64 sum of two float32
 * values is the float32 sum: 53 ≥ 2·24 + 2 bits makes the double rounding innocuous.)
 */
export function dotScoreRow(f: DotFactors, user: number, out: Float32Array): void {
  dotScoreVector(f.userFactors, user * f.dim, f.userBias ? f.userBias[user] : 0, f.itemFactors, f.itemBias ?? null, f.numItems, f.dim, out)
}

/**
 * {@link dotScoreRow} for a query vector `u[uo..uo+dim)` with query bias `ub` (a float32 value),
 * e.g. a user row computed on the fly: `out[i] = (Σ_f u_f·v_if + itemBias[i]) + ub`, rounded as
 * the blocked kernel rounds.
 * @remarks O(numItems·dim); allocates nothing.
 */
export function dotScoreVector(
  u: Float32Array,
  uo: number,
  ub: number,
  itemFactors: Float32Array,
  itemBias: Float32Array | null,
  numItems: number,
  dim: number,
  out: Float32Array,
): void {
  const fr = Math.fround
  const Q = itemFactors
  for (let i = 0, o = 0; i < numItems; i++, o += dim) {
    let d = 0
    for (let x = 0; x < dim; x++) d = fr(d + fr(u[uo + x] * Q[o + x]))
    out[i] = fr(fr(d + (itemBias !== null ? itemBias[i] : 0)) + ub)
  }
}

/** Byte layout of a ranking memory: packed items, then one scratch slot per thread. */
export interface RankLayout {
  /** Factor dimension. */
  dim: number
  /** Real items. */
  numItems: number
  /** Panels of 8 items (the last padded with bias -Infinity). */
  panels: number
  /** Results per query. */
  k: number
  /** Byte offset of the item panels. */
  itemsAt: number
  /** Byte offset of the item biases (`panels * 8` floats). */
  biasAt: number
  /** Byte offset of slot 0's scratch. */
  scratchAt: number
  /** Bytes of one slot: query quads, query biases, thresholds, records. */
  scratchBytes: number
  /** Scratch slots (threads). */
  slots: number
  /** Total bytes (a multiple of 64 KiB). */
  bytes: number
}

function align16(n: number): number {
  return (n + 15) & ~15
}

/**
 * The layout of a memory ranking `numItems` items of `dim` factors for `slots` threads.
 * @throws RangeError when it would exceed WebAssembly's 4 GiB.
 */
export function rankLayout(numItems: number, dim: number, k: number, slots: number): RankLayout {
  const panels = Math.ceil(numItems / PANEL)
  const itemsAt = 0
  const biasAt = align16(panels * PANEL * dim * 4)
  const scratchAt = align16(biasAt + panels * PANEL * 4)
  const scratchBytes = align16(BLOCK_ROWS * dim * 4) + 2 * align16(BLOCK_ROWS * 4) + CHUNK_PANELS * BLOCK_ROWS * RECORD_BYTES
  const total = scratchAt + slots * scratchBytes
  const bytes = Math.ceil(total / PAGE) * PAGE
  if (bytes > 65536 * PAGE) {
    throw new RangeError(`dotTopK: ${numItems} items × dim ${dim} need ${bytes} bytes of ranking memory, over WebAssembly's 4 GiB`)
  }
  return { dim, numItems, panels, k, itemsAt, biasAt, scratchAt, scratchBytes, slots, bytes }
}

/**
 * Packs `itemFactors` (and `itemBias`) into the layout's panels in `buffer`: item 8p+l's factor x
 * at float `(p·dim + x)·8 + l`; padding items get zero factors and bias -Infinity.
 * @remarks O(numItems·dim); allocates nothing.
 */
export function packItems(
  itemFactors: Float32Array,
  itemBias: Float32Array | null | undefined,
  L: RankLayout,
  buffer: ArrayBufferLike,
): void {
  const dim = L.dim
  const n = L.numItems
  const q = new Float32Array(buffer, L.itemsAt, L.panels * PANEL * dim)
  const b = new Float32Array(buffer, L.biasAt, L.panels * PANEL)
  for (let i = 0; i < n; i++) {
    const base = (i >> 3) * dim * PANEL + (i & 7)
    const src = i * dim
    for (let x = 0; x < dim; x++) q[base + x * PANEL] = itemFactors[src + x]
    b[i] = itemBias ? itemBias[i] : 0
  }
  for (let i = n; i < L.panels * PANEL; i++) {
    const base = (i >> 3) * dim * PANEL + (i & 7)
    for (let x = 0; x < dim; x++) q[base + x * PANEL] = 0
    b[i] = -Infinity
  }
}

/** Offers (s, it) to the size-k min-heap at `base` (worst kept at the root); returns the new size. */
function offer(hs: Float64Array, hi: Int32Array, base: number, size: number, k: number, s: number, it: number): number {
  if (size < k) {
    let c = size
    while (c > 0) {
      const p = (c - 1) >> 1
      if (worse(hs[base + p], hi[base + p], s, it)) break
      hs[base + c] = hs[base + p]
      hi[base + c] = hi[base + p]
      c = p
    }
    hs[base + c] = s
    hi[base + c] = it
    return size + 1
  }
  if (!worse(hs[base], hi[base], s, it)) return size
  siftDown(hs, hi, base, size, s, it)
  return size
}

/** Places (s, it) at the root's hole and sifts it down a heap of `size`. */
function siftDown(hs: Float64Array, hi: Int32Array, base: number, size: number, s: number, it: number): void {
  let c = 0
  for (;;) {
    const l = 2 * c + 1
    if (l >= size) break
    const r = l + 1
    let m = l
    if (r < size && worse(hs[base + r], hi[base + r], hs[base + l], hi[base + l])) m = r
    if (worse(s, it, hs[base + m], hi[base + m])) break
    hs[base + c] = hs[base + m]
    hi[base + c] = hi[base + m]
    c = m
  }
  hs[base + c] = s
  hi[base + c] = it
}

/** True when `it` is in one of the exclusion rows; advances each row's cursor (items arrive ascending). */
function excluded(exclude: ExclusionRows[], nx: number, cur: Int32Array, ends: Int32Array, c0: number, it: number): boolean {
  let masked = false
  for (let e = 0; e < nx; e++) {
    const c = c0 + e
    const xi = exclude[e].items
    let j = cur[c]
    const je = ends[c]
    while (j < je && xi[j] < it) j++
    cur[c] = j
    if (j < je && xi[j] === it) masked = true
  }
  return masked
}

/** (sa, ia) ranks below (sb, ib): lower score, or equal score and higher item id (selectTopK's rule). */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib)
}

/**
 * Ranks blocks of query rows against the items packed in a memory laid out by {@link rankLayout}:
 * one instance per thread, each on its own scratch slot. Results match `selectTopK` over the
 * masked scores of {@link dotScoreRow}: the same items in the same order, ties to the lower id.
 */
export class BlockRanker {
  private readonly L: RankLayout
  private readonly fn: ScoreBlockFn
  private readonly f32: Float32Array
  private readonly i32: Int32Array
  private readonly U: number
  private readonly UB: number
  private readonly T: number
  private readonly out: number
  private readonly hs: Float64Array
  private readonly hi: Int32Array
  private readonly size: Int32Array
  private cursors: Int32Array = new Int32Array(0)
  private ends: Int32Array = new Int32Array(0)

  /**
   * @param buffer - the memory's buffer (items already packed).
   * @param memory - the WebAssembly memory over `buffer`, or null for the TypeScript twin.
   * @param slot - this thread's scratch slot.
   */
  constructor(L: RankLayout, buffer: ArrayBufferLike, memory: WebAssembly.Memory | null, slot: number) {
    this.L = L
    this.f32 = new Float32Array(buffer)
    this.i32 = new Int32Array(buffer)
    const base = L.scratchAt + slot * L.scratchBytes
    this.U = base
    this.UB = this.U + align16(BLOCK_ROWS * L.dim * 4)
    this.T = this.UB + align16(BLOCK_ROWS * 4)
    this.out = this.T + align16(BLOCK_ROWS * 4)
    if (memory) this.fn = instantiateScoreBlock(memory)
    else {
      const f32 = this.f32
      const i32 = this.i32
      this.fn = (U, rows, UB, T, Q, B, dim, p0, p1, out) => scoreBlockJs(f32, i32, U, rows, UB, T, Q, B, dim, p0, p1, out)
    }
    const k = L.k
    this.hs = new Float64Array(BLOCK_ROWS * k)
    this.hi = new Int32Array(BLOCK_ROWS * k)
    this.size = new Int32Array(BLOCK_ROWS)
  }

  /**
   * Top k of queries `queries[start..end)` (at most {@link BLOCK_ROWS}) against every item, the
   * rows of `exclude` masked; writes row q to `outItems/outScores[q·k ..]` (padding -1 / -Infinity).
   */
  rankBlock(
    queryFactors: Float32Array,
    queryBias: Float32Array | null | undefined,
    queries: Int32Array,
    start: number,
    end: number,
    exclude: ExclusionRows[],
    outItems: Int32Array,
    outScores: Float32Array,
  ): void {
    const L = this.L
    const dim = L.dim
    const k = L.k
    const rows = end - start
    const padded = (rows + QUAD - 1) & ~(QUAD - 1)
    const f32 = this.f32
    const i32 = this.i32
    const U = this.U >> 2
    const UB = this.UB >> 2
    const T = this.T >> 2
    // Pack the block's query factors in quads (row r's factor x at (⌊r/4⌋·dim + x)·4 + r%4).
    for (let r = 0; r < padded; r++) {
      const base = U + (r >> 2) * dim * QUAD + (r & 3)
      if (r < rows) {
        const src = queries[start + r] * dim
        for (let x = 0; x < dim; x++) f32[base + x * QUAD] = queryFactors[src + x]
        f32[UB + r] = queryBias ? queryBias[queries[start + r]] : 0
        f32[T + r] = -Infinity
      } else {
        for (let x = 0; x < dim; x++) f32[base + x * QUAD] = 0
        f32[UB + r] = 0
        f32[T + r] = Infinity
      }
    }
    const nx = exclude.length
    if (this.cursors.length < BLOCK_ROWS * nx) {
      this.cursors = new Int32Array(BLOCK_ROWS * nx)
      this.ends = new Int32Array(BLOCK_ROWS * nx)
    }
    const cur = this.cursors
    const ends = this.ends
    for (let r = 0; r < rows; r++) {
      const q = queries[start + r]
      for (let e = 0; e < nx; e++) {
        const x = exclude[e]
        const has = q < x.numUsers
        cur[r * nx + e] = has ? x.indptr[q] : 0
        ends[r * nx + e] = has ? x.indptr[q + 1] : 0
      }
    }
    const hs = this.hs
    const hi = this.hi
    const size = this.size
    size.fill(0)
    const recWords = RECORD_BYTES >> 2
    // A short first call fills the heaps, so later calls run with real thresholds.
    const first = Math.min(CHUNK_PANELS, Math.max(1, Math.ceil((2 * k) / PANEL)))
    for (let p0 = 0, p1 = 0; p0 < L.panels; p0 = p1) {
      p1 = Math.min(L.panels, p0 + (p0 === 0 ? first : CHUNK_PANELS))
      const n = this.fn(this.U, padded, this.UB, this.T, L.itemsAt, L.biasAt, dim, p0, p1, this.out)
      let o = this.out >> 2
      for (let rec = 0; rec < n; rec++, o += recWords) {
        const r = i32[o]
        const first = i32[o + 1] * PANEL
        const hb = r * k
        let sz = size[r]
        // Items reach a row in ascending order, so an equal score never displaces the root: a lane
        // enters only above the threshold (-Infinity until the heap is full, which skips NaN too).
        let thr = sz < k ? -Infinity : hs[hb]
        for (let l = 0; l < PANEL; l++) {
          const s = f32[o + 2 + l]
          if (!(s > thr)) continue
          const it = first + l
          if (nx > 0 && excluded(exclude, nx, cur, ends, r * nx, it)) continue
          sz = offer(hs, hi, hb, sz, k, s, it)
          if (sz === k) thr = hs[hb]
        }
        size[r] = sz
      }
      for (let r = 0; r < rows; r++) if (size[r] === k) f32[T + r] = hs[r * k]
    }
    // Pop each heap from worst to best into the output's tail, as selectTopK does.
    for (let r = 0; r < rows; r++) {
      const hb = r * k
      const ob = (start + r) * k
      let sz = size[r]
      const count = sz
      for (let j = count - 1; j >= 0; j--) {
        outItems[ob + j] = hi[hb]
        outScores[ob + j] = hs[hb]
        sz--
        if (sz > 0) siftDown(hs, hi, hb, sz, hs[hb + sz], hi[hb + sz])
      }
      for (let j = count; j < k; j++) {
        outItems[ob + j] = -1
        outScores[ob + j] = -Infinity
      }
    }
  }
}

/** Resolves the `kernel` option: true for WebAssembly. */
export function useWasmKernel(kernel: 'auto' | 'wasm' | 'js' | undefined): boolean {
  const k = kernel ?? 'auto'
  if (k === 'js') return false
  const ok = scoreBlockWasmSupported()
  if (k === 'wasm' && !ok) throw new Error("dotTopK: kernel 'wasm' needs WebAssembly with 128-bit SIMD")
  return ok
}

/** Checks a factor set's shapes; throws naming the mismatch. */
export function checkDotFactors(f: DotFactors): void {
  if (!Number.isInteger(f.dim) || f.dim < 1) throw new Error(`dotTopK: dim must be an integer >= 1, got ${f.dim}`)
  if (f.userFactors.length < f.numUsers * f.dim)
    throw new Error(`dotTopK: userFactors hold ${f.userFactors.length} floats, need ${f.numUsers} × ${f.dim}`)
  if (f.itemFactors.length < f.numItems * f.dim)
    throw new Error(`dotTopK: itemFactors hold ${f.itemFactors.length} floats, need ${f.numItems} × ${f.dim}`)
  if (f.itemBias && f.itemBias.length < f.numItems)
    throw new Error(`dotTopK: itemBias holds ${f.itemBias.length} values, need ${f.numItems}`)
  if (f.userBias && f.userBias.length < f.numUsers)
    throw new Error(`dotTopK: userBias holds ${f.userBias.length} values, need ${f.numUsers}`)
}

/** Checks that every query is a row of the factors. */
export function checkQueries(queries: Int32Array, numUsers: number): void {
  for (let r = 0; r < queries.length; r++) {
    const q = queries[r]
    if (!(q >= 0 && q < numUsers)) throw new RangeError(`dotTopK: query ${r} = ${q} is outside [0, ${numUsers})`)
  }
}

/**
 * The k best items of each query by `score(q, i)` of {@link dotScoreRow}, with the rows of
 * `exclude` masked, by the blocked kernel on this thread. Equal to scoring each query with
 * `dotScoreRow`, masking with -Infinity and calling `selectTopK` (ties to the lower item id;
 * -Infinity and NaN never selected; rows padded with -1 / -Infinity when fewer than k remain).
 *
 * @param f - factors: queries are rows of `userFactors` (`numUsers` of them).
 * @param queries - query ids, one output row each.
 * @param k - results per query (integer ≥ 1; may exceed `numItems`).
 * @returns a {@link TopK} with `queries.length` rows.
 * @example
 * ```ts
 * const top = dotTopK(model.factors()!, Int32Array.of(0, 1, 2), 10, { exclude: [train] })
 * ```
 * @remarks O(|queries| · numItems · dim) in SIMD, plus O(numItems·dim) to pack the items once;
 * memory O(numItems·dim + k·64) besides the output: never a score matrix.
 */
export function dotTopK(f: DotFactors, queries: Int32Array, k: number, opts: DotTopKOptions = {}): TopK {
  if (!Number.isInteger(k) || k < 1) throw new Error(`dotTopK: k must be an integer >= 1, got ${k}`)
  checkDotFactors(f)
  checkQueries(queries, f.numUsers)
  const items = new Int32Array(queries.length * k)
  const scores = new Float32Array(queries.length * k)
  if (queries.length === 0) return { k, items, scores }
  const wasm = useWasmKernel(opts.kernel)
  const L = rankLayout(f.numItems, f.dim, k, 1)
  let memory: WebAssembly.Memory | null = null
  let buffer: ArrayBufferLike
  if (wasm) {
    memory = new WebAssembly.Memory({ initial: L.bytes / PAGE })
    buffer = memory.buffer
  } else buffer = new ArrayBuffer(L.bytes)
  packItems(f.itemFactors, f.itemBias, L, buffer)
  const ranker = new BlockRanker(L, buffer, memory, 0)
  const exclude = opts.exclude ?? []
  for (let s = 0; s < queries.length; s += BLOCK_ROWS) {
    ranker.rankBlock(f.userFactors, f.userBias, queries, s, Math.min(queries.length, s + BLOCK_ROWS), exclude, items, scores)
  }
  return { k, items, scores }
}
