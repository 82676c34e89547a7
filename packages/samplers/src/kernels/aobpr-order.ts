import { aliasBuild, prngFloat } from '@decoy/core/kernels'

/**
 * AOBPR kernels: per-factor item orderings, factor spreads, and the truncated-geometric rank law.
 *
 * @see Rendle & Freudenthaler, "Improving Pairwise Learning for Item Recommendation from Implicit
 * Feedback", WSDM 2014, §5 (adaptive oversampling).
 */

/**
 * The per-factor ranks of every item (`position[j·dim + f]`): 16-bit when the catalogue fits
 * (|I| ≤ 65,536), which halves the item row a draw's log q reads (the reads that miss the cache on
 * large catalogues); 32-bit otherwise.
 */
export type AobprPositions = Int32Array | Uint16Array

/**
 * Rebuilds, for every factor f, the ordering of items by `v_jf` descending and each item's
 * position in it, plus the spread `sigma[f]` (population standard deviation of `v_·f`).
 *
 * Sorting is an LSD radix sort on the float's order-preserving 32-bit key (4 passes of 8 bits),
 * so a refresh is O(dim·n), deterministic, and stable: ties keep ascending item id.
 *
 * @param itemFactors - `[n * dim]` item factors, row stride `dim`.
 * @param n - number of items.
 * @param dim - factor dimension.
 * @param order - out `[dim * n]`: `order[f*n + r]` is the item at rank r (0 = largest `v_jf`);
 *   16-bit when the items fit, like `position` (the draws' reads of it miss the cache too).
 * @param position - out `[n * dim]`, item-major: `position[j*dim + f]` is the rank of item j for
 *   factor f (item-major so that scoring one item's probability reads one contiguous row).
 * @param sigma - out `[dim]`: standard deviation of factor f over items.
 * @param colF32 - scratch `Float32Array(n)`; `colU32` must be a `Uint32Array` view of its buffer.
 * @param colU32 - scratch, the `Uint32Array` view of `colF32.buffer`.
 * @param keysA - scratch `Uint32Array(n)`.
 * @param keysB - scratch `Uint32Array(n)`.
 * @param idxB - scratch `Int32Array(n)`.
 * @param counts - scratch `Int32Array(256)`.
 * @remarks O(dim·n) time, allocates nothing. Non-finite factors sort by their bit pattern.
 */
export function aobprRefresh(
  itemFactors: Float32Array,
  n: number,
  dim: number,
  order: AobprPositions,
  position: AobprPositions,
  sigma: Float64Array,
  colF32: Float32Array,
  colU32: Uint32Array,
  keysA: Uint32Array,
  keysB: Uint32Array,
  idxB: Int32Array,
  counts: Int32Array,
): void {
  for (let f = 0; f < dim; f++) {
    // Two-pass standard deviation in float64 (population: divide by n).
    let mean = 0
    for (let j = 0, o = f; j < n; j++, o += dim) {
      const v = itemFactors[o]
      colF32[j] = v
      mean += v
    }
    mean /= n
    let ss = 0
    for (let j = 0; j < n; j++) {
      const d = colF32[j] - mean
      ss += d * d
    }
    sigma[f] = Math.sqrt(ss / n)
    // Order-preserving key of a float, complemented so ascending keys = descending values.
    const base = f * n
    for (let j = 0; j < n; j++) {
      const u = colU32[j]
      const asc = (u & 0x80000000) !== 0 ? ~u >>> 0 : (u | 0x80000000) >>> 0
      keysA[j] = ~asc >>> 0
      order[base + j] = j
    }
    // LSD radix: pass p reads (keysA, order-slice) or (keysB, idxB) alternately; 4 passes end in A.
    for (let pass = 0; pass < 4; pass++) {
      const shift = pass * 8
      const even = (pass & 1) === 0
      const srcK = even ? keysA : keysB
      const dstK = even ? keysB : keysA
      counts.fill(0)
      for (let j = 0; j < n; j++) counts[(srcK[j] >>> shift) & 255]++
      let sum = 0
      for (let b = 0; b < 256; b++) {
        const c = counts[b]
        counts[b] = sum
        sum += c
      }
      if (even) {
        for (let j = 0; j < n; j++) {
          const key = srcK[j]
          const d = counts[(key >>> shift) & 255]++
          dstK[d] = key
          idxB[d] = order[base + j]
        }
      } else {
        for (let j = 0; j < n; j++) {
          const key = srcK[j]
          const d = counts[(key >>> shift) & 255]++
          dstK[d] = key
          order[base + d] = idxB[j]
        }
      }
    }
    for (let r = 0; r < n; r++) position[order[base + r] * dim + f] = r
  }
}

/**
 * The truncated geometric rank law P(r) ∝ e^{−r/λ}, r ∈ [0, n), as two small alias tables, so that a draw needs no
 * logarithm: a geometric rank is memoryless, so r = a·B + b with b ∈ [0, B) drawn with
 * P(b) ∝ e^{−b/λ} and the block a ∈ [0, A) with P(a) ∝ e^{−a·B/λ}, independently; a rank ≥ n
 * (possible only in a partial last block) is redrawn, which leaves exactly the truncated law.
 * Both tables fit in L1 (B = min(256, n), A = ⌈n / B⌉ ≤ 256 up to 65,536 items).
 */
export interface AobprRankAlias {
  /** B, ranks per block. */
  readonly block: number
  /** A, the number of blocks. */
  readonly blocks: number
  /** Alias table of the offset within a block (`lowProb[c]`: keep column c; else `lowAlias[c]`). */
  readonly lowProb: Float64Array
  readonly lowAlias: Int32Array
  /** Alias table of the block. */
  readonly highProb: Float64Array
  readonly highAlias: Int32Array
}

/**
 * Builds {@link AobprRankAlias} for the truncated geometric law P(r) ∝ e^{−r/λ}, r ∈ [0, n).
 * @remarks O(B + A); allocates the tables (prepare time).
 */
export function aobprRankAlias(lambda: number, n: number): AobprRankAlias {
  const block = Math.min(256, n)
  const blocks = Math.ceil(n / block)
  const build = (m: number, step: number) => {
    const w = new Float64Array(m)
    // Weights relative to the first (1): later ones may underflow to 0, which the table handles.
    for (let i = 0; i < m; i++) w[i] = Math.exp(-(i * step) / lambda)
    const prob = new Float64Array(m)
    const alias = new Int32Array(m)
    aliasBuild(w, m, prob, alias, new Int32Array(m))
    return { prob, alias }
  }
  const low = build(block, 1)
  const high = build(blocks, block)
  return { block, blocks, lowProb: low.prob, lowAlias: low.alias, highProb: high.prob, highAlias: high.alias }
}

/**
 * One draw from an alias table of `m` columns with a single uniform `x` ∈ [0, 1): the column is
 * ⌊x·m⌋ and the coin the fractional part of x·m (resolution 2⁻³²·m, below the float32 logQ's
 * own rounding for the ≤ 256-column tables AOBPR uses).
 * @remarks O(1), allocates nothing.
 */
export function aobprAliasPick(x: number, prob: Float64Array, alias: Int32Array, m: number, o = 0): number {
  const y = x * m
  const c = Math.floor(y)
  return y - c < prob[o + c] ? c : alias[o + c]
}

/**
 * Draws a rank from {@link AobprRankAlias} (P(r) ∝ e^{−r/λ} on [0, n)) with the generator
 * `state`: one uniform for the offset, one for the block when there are several.
 * @remarks O(1) expected, allocates nothing.
 */
export function aobprDrawRankAlias(state: Uint32Array, t: AobprRankAlias, n: number): number {
  for (;;) {
    const b = aobprAliasPick(prngFloat(state), t.lowProb, t.lowAlias, t.block)
    const a = t.blocks > 1 ? aobprAliasPick(prngFloat(state), t.highProb, t.highAlias, t.blocks) : 0
    const r = a * t.block + b
    if (r < n) return r
  }
}

/**
 * The alias table of a user's factor law p(f|u) (`pf[o..o+count)`, from {@link aobprUserLaw}) into
 * `prob[o..)`, `alias[o..)` (indices relative to o), for {@link aobprAliasPick}.
 * @param w - scratch float64s, `work` scratch int32s, each ≥ count, with `sp`/`sa` of ≥ count for the table.
 * @remarks O(count), allocates nothing.
 */
export function aobprFactorAlias(
  pf: Float64Array,
  count: number,
  prob: Float64Array,
  alias: Int32Array,
  o: number,
  w: Float64Array,
  sp: Float64Array,
  sa: Int32Array,
  work: Int32Array,
): void {
  for (let t = 0; t < count; t++) w[t] = pf[o + t]
  aliasBuild(w, count, sp, sa, work)
  for (let t = 0; t < count; t++) {
    prob[o + t] = sp[t]
    alias[o + t] = sa[t]
  }
}

/**
 * Fills `cum[0..dim)` with the cumulative factor weights w_f = |v_uf|·σ_f of user `u` and returns
 * their total (0 when the user vector or every σ_f is zero).
 *
 * @remarks O(dim), allocates nothing.
 */
export function aobprFactorCdf(userFactors: Float32Array, uo: number, dim: number, sigma: Float64Array, cum: Float64Array): number {
  let total = 0
  for (let f = 0; f < dim; f++) {
    const v = userFactors[uo + f]
    total += (v < 0 ? -v : v) * sigma[f]
    cum[f] = total
  }
  return total
}

/** Entries of {@link aobprRankTable}'s table for a catalogue of n items. */
export function aobprRankTableSize(n: number): number {
  return 256 + Math.ceil(n / 256)
}

/**
 * Fills `out` (length {@link aobprRankTableSize}) with the rank law P(r) = (1 − e^{−1/λ}) e^{−r/λ}
 * / (1 − e^{−n/λ}) of {@link aobprDrawRankAlias} in two factors, P(r) = out[r & 255] · out[256 + (r >>> 8)]
 * (offset within a block of 256, then e^{−256·a/λ} for the block a): a draw's log q reads
 * probabilities instead of calling exp, from 2–4 KB that stay in L1 where a table of n float64s
 * (328 KB at 41k items) missed the cache on every read.
 * @remarks O(256 + n/256), allocates nothing.
 */
export function aobprRankTable(lambda: number, n: number, out: Float64Array): void {
  const logNorm = Math.log(-Math.expm1(-1 / lambda)) - Math.log(-Math.expm1(-n / lambda))
  for (let b = 0; b < 256; b++) out[b] = Math.exp(logNorm - b / lambda)
  for (let a = 0, e = Math.ceil(n / 256); a < e; a++) out[256 + a] = Math.exp(-(256 * a) / lambda)
}

/**
 * The AOBPR proposal probability q(j | u) = Σ_f p(f|u) · P(rank of j in f's oriented ordering),
 * exact for the current orderings and the live user vector.
 *
 * @param cum - cumulative factor weights from {@link aobprFactorCdf}; `total` their sum.
 * @param rankProb - the rank law from {@link aobprRankTable}.
 * @returns q(j | u) (not logged).
 * @remarks O(dim), allocates nothing.
 */
export function aobprItemProb(
  item: number,
  userFactors: Float32Array,
  uo: number,
  dim: number,
  n: number,
  position: AobprPositions,
  cum: Float64Array,
  total: number,
  rankProb: Float64Array,
): number {
  let q = 0
  const uniform = !(total > 0)
  let prev = 0
  const po = item * dim
  for (let f = 0; f < dim; f++) {
    const c = cum[f]
    const pf = uniform ? 1 / dim : (c - prev) / total
    prev = c
    if (pf === 0) continue
    const pos = position[po + f]
    const r = userFactors[uo + f] > 0 ? pos : n - 1 - pos
    q += pf * rankProb[r & 255] * rankProb[256 + (r >>> 8)]
  }
  return q
}

/**
 * The factors a user's draws choose from: all `dim` (`k` ≥ dim, `fidx` the identity), or the `k`
 * of largest weight w_f = |v_uf|·σ_f (ties to the lower index). Writes the min(k, dim) indices in
 * ascending order to `fidx[o..)` and their cumulative weights to `cum[o..)` (as
 * {@link aobprFactorCdf} over that subset).
 * @param w - scratch of at least `dim` float64s (the weights).
 * @param o - where the law starts in `fidx` and `cum` (default 0).
 * @returns the total weight (0 when every chosen weight is 0).
 * @remarks O(dim·k) worst case, allocates nothing.
 */
export function aobprTopFactors(
  userFactors: Float32Array,
  uo: number,
  dim: number,
  sigma: Float64Array,
  k: number,
  fidx: Int32Array,
  cum: Float64Array,
  w: Float64Array,
  o = 0,
): number {
  const kk = k < dim ? k : dim
  if (kk === dim) {
    for (let f = 0; f < dim; f++) fidx[o + f] = f
  } else {
    // Running top-k by weight (insertion; equal weights keep the lower index first); `least` is
    // the k-th weight once k are held.
    let m = 0
    let least = 0
    for (let f = 0; f < dim; f++) {
      const v = userFactors[uo + f]
      const x = (v < 0 ? -v : v) * sigma[f]
      w[f] = x
      let p: number
      if (m === kk) {
        if (!(x > least)) continue
        p = kk - 1
      } else p = m++
      while (p > 0 && w[fidx[o + p - 1]] < x) {
        fidx[o + p] = fidx[o + p - 1]
        p--
      }
      fidx[o + p] = f
      if (m === kk) least = w[fidx[o + kk - 1]]
    }
    // Ascending factor order, so that k = dim and the full law sum in the same order.
    for (let i = 1; i < kk; i++) {
      const f = fidx[o + i]
      let p = i
      while (p > 0 && fidx[o + p - 1] > f) {
        fidx[o + p] = fidx[o + p - 1]
        p--
      }
      fidx[o + p] = f
    }
  }
  let total = 0
  for (let t = 0; t < kk; t++) {
    const f = fidx[o + t]
    const v = userFactors[uo + f]
    total += (v < 0 ? -v : v) * sigma[f]
    cum[o + t] = total
  }
  return total
}

/**
 * The per-user part of {@link aobprItemProb}, hoisted out of the draws of one slot, over the
 * `count` factors `fidx[o..o+count)` of {@link aobprTopFactors}: p(f|u) into `pf[o + t]`, and the
 * oriented rank of an item at position `pos` of factor fidx[o + t] as `flip ? n − 1 − pos : pos`,
 * written as `off[o + t] + sgn[o + t]·pos`. Every array is read and written from offset `o`, so a
 * caller can keep one law per user in flat arrays.
 * @remarks O(count), allocates nothing.
 */
export function aobprUserLaw(
  userFactors: Float32Array,
  uo: number,
  count: number,
  fidx: Int32Array,
  n: number,
  cum: Float64Array,
  total: number,
  pf: Float64Array,
  off: Int32Array,
  sgn: Int32Array,
  o = 0,
): void {
  const uniform = !(total > 0)
  let prev = 0
  for (let t = 0; t < count; t++) {
    const c = cum[o + t]
    pf[o + t] = uniform ? 1 / count : (c - prev) / total
    prev = c
    const up = userFactors[uo + fidx[o + t]] > 0
    off[o + t] = up ? 0 : n - 1
    sgn[o + t] = up ? 1 : -1
  }
}

/**
 * The proposal probability q(j | u) from the hoisted law of {@link aobprUserLaw} (at offset `o`):
 * over all `dim` factors, {@link aobprItemProb}'s sum in the same order (so the same float).
 * @remarks O(count), allocates nothing.
 */
export function aobprItemProbHoisted(
  item: number,
  dim: number,
  count: number,
  fidx: Int32Array,
  position: AobprPositions,
  pf: Float64Array,
  off: Int32Array,
  sgn: Int32Array,
  rankProb: Float64Array,
  o = 0,
): number {
  let q = 0
  const po = item * dim
  // No skip of p(f|u) = 0: adding 0·P is adding 0, and the branch cost more than the lookup.
  for (let t = o, e = o + count; t < e; t++) {
    const r = off[t] + sgn[t] * position[po + fidx[t]]
    q += pf[t] * rankProb[r & 255] * rankProb[256 + (r >>> 8)]
  }
  return q
}
