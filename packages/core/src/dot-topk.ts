/**
 * Full ranking at scale for dot-product models: the top k items of many queries (users, or items
 * for item similarity) from a blocked [queries × dim]·[dim × items] product with the top-k fused
 * in, so no score matrix exists. Items are packed once into panels of 8; queries go by blocks of
 * {@link BLOCK_ROWS}. The kernel keeps each row's k best in a heap in its own memory, the heap's
 * worst score serving as the row's threshold, and masks the excluded items with a per-row bitset
 * of the block; JavaScript packs a block, sets its masks and copies out the sorted lists. This
 * file is the single-thread path (browser-safe); `@decoy/core/node` runs the same
 * {@link BlockRanker} in worker threads.
 */
import type { DotFactors, TopK } from './contracts.js'
import { PANEL, QUAD, instantiateScoreBlock, scoreBlockJs, scoreBlockWasmSupported, type ScoreBlockKernel } from './kernels/score-block.js'

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

/** Query rows per block: one heap and one mask each, their factors packed in quads. */
export const BLOCK_ROWS = 64

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
  /** Heap capacity per row: min(k, numItems). */
  kk: number
  /** 32-bit words of one row's exclusion bitset. */
  maskWords: number
  /** Byte offset of the item panels. */
  itemsAt: number
  /** Byte offset of the item biases (`panels * 8` floats). */
  biasAt: number
  /** Byte offset of slot 0's scratch. */
  scratchAt: number
  /** Bytes of one slot: query quads, query biases, thresholds, heap sizes, heap scores and items, masks, records. */
  scratchBytes: number
  /** Scratch slots (threads). */
  slots: number
  /** Total bytes (a multiple of 64 KiB). */
  bytes: number
}

function align16(n: number): number {
  return (n + 15) & ~15
}

/** Bytes of one kernel record: i32 row, i32 mask of the lanes above the threshold, 8 f32 scores. */
const RECORD_BYTES = 40

/** Byte offsets of one slot's regions, relative to the slot (see kernels/wasm/score-block.wat); `end` is the slot's size. */
export function slotRegions(dim: number, kk: number, maskWords: number) {
  const U = 0
  const UB = U + align16(BLOCK_ROWS * dim * 4)
  const T = UB + align16(BLOCK_ROWS * 4)
  const HZ = T + align16(BLOCK_ROWS * 4)
  const HS = HZ + align16(BLOCK_ROWS * 4)
  const HI = HS + align16(BLOCK_ROWS * kk * 4)
  const X = HI + align16(BLOCK_ROWS * kk * 4)
  const R = X + align16(BLOCK_ROWS * maskWords * 4)
  const end = R + BLOCK_ROWS * RECORD_BYTES
  return { U, UB, T, HZ, HS, HI, X, R, end }
}

/**
 * The layout of a memory ranking `numItems` items of `dim` factors, `k` per query, for `slots`
 * threads. Per slot: O(64·(dim + k + numItems/32)) bytes: the block's queries, heaps and exclusion bitsets.
 * @throws RangeError when it would exceed WebAssembly's 4 GiB.
 */
export function rankLayout(numItems: number, dim: number, k: number, slots: number): RankLayout {
  const panels = Math.ceil(numItems / PANEL)
  const kk = Math.min(k, numItems)
  const maskWords = Math.ceil((panels * PANEL) / 32)
  const itemsAt = 0
  const biasAt = align16(panels * PANEL * dim * 4)
  const scratchAt = align16(biasAt + panels * PANEL * 4)
  const scratchBytes = slotRegions(dim, kk, maskWords).end
  const total = scratchAt + slots * scratchBytes
  const bytes = Math.ceil(total / PAGE) * PAGE
  if (bytes > 65536 * PAGE) {
    throw new RangeError(`dotTopK: ${numItems} items × dim ${dim} (k ${k}) need ${bytes} bytes of ranking memory, over WebAssembly's 4 GiB`)
  }
  return { dim, numItems, panels, k, kk, maskWords, itemsAt, biasAt, scratchAt, scratchBytes, slots, bytes }
}

/**
 * Packs `itemFactors` (and `itemBias`) into the layout's panels in `buffer`: item 8p+l's factor x
 * at float `(p·dim + x)·8 + l`; padding items get zero factors and bias -Infinity.
 * @remarks O(numItems·dim); allocates nothing. Writes the panels in order (8 strided reads per
 * write of 8), which runs well even before the engine optimises this once-per-call loop.
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
  const F = itemFactors
  let o = 0
  for (let p = 0; p < L.panels; p++) {
    const i0 = p * PANEL
    if (i0 + PANEL <= n) {
      for (let x = 0, s = i0 * dim; x < dim; x++, s++, o += PANEL) {
        q[o] = F[s]
        q[o + 1] = F[s + dim]
        q[o + 2] = F[s + 2 * dim]
        q[o + 3] = F[s + 3 * dim]
        q[o + 4] = F[s + 4 * dim]
        q[o + 5] = F[s + 5 * dim]
        q[o + 6] = F[s + 6 * dim]
        q[o + 7] = F[s + 7 * dim]
      }
    } else {
      for (let x = 0; x < dim; x++) for (let l = 0; l < PANEL; l++, o++) q[o] = i0 + l < n ? F[(i0 + l) * dim + x] : 0
    }
  }
  for (let i = 0; i < L.panels * PANEL; i++) b[i] = i >= n ? -Infinity : itemBias ? itemBias[i] : 0
}

/**
 * Ranks blocks of query rows against the items packed in a memory laid out by {@link rankLayout}:
 * one instance per thread, each on its own scratch slot. Results match `selectTopK` over the
 * masked scores of {@link dotScoreRow}: the same items in the same order, ties to the lower id.
 */
export class BlockRanker {
  private readonly L: RankLayout
  private readonly kernel: ScoreBlockKernel
  private readonly f32: Float32Array
  private readonly i32: Int32Array
  private readonly U: number
  private readonly UB: number
  private readonly T: number
  private readonly HZ: number
  private readonly HS: number
  private readonly HI: number
  private readonly X: number
  private readonly R: number

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
    const at = slotRegions(L.dim, L.kk, L.maskWords)
    this.U = base + at.U
    this.UB = base + at.UB
    this.T = base + at.T
    this.HZ = base + at.HZ
    this.HS = base + at.HS
    this.HI = base + at.HI
    this.X = base + at.X
    this.R = base + at.R
    this.kernel = memory ? instantiateScoreBlock(memory) : scoreBlockJs(buffer)
    // The masks start clear; rankBlock clears the bits it sets.
    this.i32.fill(0, this.X >> 2, (this.X >> 2) + BLOCK_ROWS * L.maskWords)
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
    const kk = L.kk
    const mw = L.maskWords
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
    i32.fill(0, this.HZ >> 2, (this.HZ >> 2) + padded)
    this.mask(queries, start, rows, exclude, true)
    this.kernel.scoreTopK(
      this.U,
      padded,
      this.UB,
      this.T,
      L.itemsAt,
      L.biasAt,
      dim,
      0,
      L.panels,
      this.HZ,
      this.HS,
      this.HI,
      kk,
      this.X,
      mw,
      this.R,
    )
    this.kernel.sortTopK(rows, this.HZ, this.HS, this.HI, kk)
    this.mask(queries, start, rows, exclude, false)
    for (let r = 0; r < rows; r++) {
      const n = i32[(this.HZ >> 2) + r]
      const ob = (start + r) * k
      const hs = (this.HS >> 2) + r * kk
      const hi = (this.HI >> 2) + r * kk
      outItems.set(i32.subarray(hi, hi + n), ob)
      outScores.set(f32.subarray(hs, hs + n), ob)
      if (n < k) {
        outItems.fill(-1, ob + n, ob + k)
        outScores.fill(-Infinity, ob + n, ob + k)
      }
    }
  }

  /**
   * Sets (`set`) or clears the block rows' exclusion bits. Clearing zeroes whole words: between
   * blocks every word is clear, so a word holding a bit of this block holds only this block's bits.
   */
  private mask(queries: Int32Array, start: number, rows: number, exclude: ExclusionRows[], set: boolean): void {
    const i32 = this.i32
    const n = this.L.numItems
    const mw = this.L.maskWords
    const X = this.X >> 2
    for (let e = 0; e < exclude.length; e++) {
      const x = exclude[e]
      const xi = x.items
      for (let r = 0; r < rows; r++) {
        const q = queries[start + r]
        if (q >= x.numUsers) continue
        const w0 = X + r * mw
        for (let j = x.indptr[q], je = x.indptr[q + 1]; j < je; j++) {
          const it = xi[j]
          if (!(it >= 0 && it < n)) continue
          const w = w0 + (it >>> 5)
          i32[w] = set ? i32[w] | (1 << (it & 31)) : 0
        }
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
 * @remarks O(|queries| · numItems · dim) in SIMD, plus O(numItems·dim) to pack the items once and
 * O(|exclude rows|) per block to set and clear its masks; the heaps run in WebAssembly too (about
 * k·ln(numItems/k) insertions per query on random scores). Memory O(numItems·dim + 64·(k +
 * numItems/32)) besides the output: never a score matrix.
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
