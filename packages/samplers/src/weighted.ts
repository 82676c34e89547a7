/**
 * The shared kernel of the count-based strategies (`popularity` through an alias table, `random`
 * through the training log): a static proposal P(j), exact exclusion of I_u⁺ by rejection then a
 * weighted complement fallback, and logQ = log P(j) − log(1 − P(I_u⁺)).
 * @internal
 */
import type { Interactions } from '@decoy/core'
import { buildExclusion, cumulative, isPositive, positiveMass, weightedNonPositive, type Exclusion } from './exclusion.js'

/** Precomputed law of a static weighted proposal, built in prepare. */
export interface WeightedLaw {
  /** Σ w. */
  total: number
  /** `log(w_j / total)` per item (−Infinity for zero weight). */
  logP: Float64Array
  /** The same as float32, read by the kernel (half the cache footprint). */
  logP32: Float32Array
  /** Prefix sums of w, for the complement fallback. */
  cum: Float64Array
  /** Per user: Σ_{j ∉ I_u⁺} w_j (0 when no admissible negative). */
  complement: Float64Array
  /** Per user: −log(1 − P(I_u⁺)), added to logP. */
  logNorm: Float64Array
  /** Exclusion index (null without exclusion). */
  ex: Exclusion | null
}

/**
 * Builds the law of weights `w` over `train`'s items, with the per-user renormalisation when
 * `exclude` is set. Throws (unless `allowMasked`) for a user whose complement has zero mass.
 * @internal
 */
export function buildWeightedLaw(train: Interactions, w: Float64Array, kind: string, exclude: boolean, allowMasked: boolean): WeightedLaw {
  const n = train.numItems
  const cum = cumulative(w, n)
  const total = cum[n]
  if (!(total > 0)) throw new Error(`${kind} sampler: every item has zero weight (no training interactions?)`)
  const logP = new Float64Array(n)
  for (let j = 0; j < n; j++) logP[j] = Math.log(w[j] / total)
  const logP32 = Float32Array.from(logP)
  if (!exclude) return { total, logP, logP32, cum, complement: new Float64Array(0), logNorm: new Float64Array(0), ex: null }
  const ex = buildExclusion(train, kind, { allowMasked })
  const pos = positiveMass(train, w)
  const complement = new Float64Array(train.numUsers)
  const logNorm = new Float64Array(train.numUsers)
  let empty = 0
  let firstEmpty = -1
  for (let u = 0; u < train.numUsers; u++) {
    // Sum the complement's mass directly when it is small relative to the total, to avoid cancellation.
    let c = total - pos[u]
    if (c < total * 1e-6) {
      c = 0
      const indptr = train.indptr
      const items = train.items
      let p = indptr[u]
      const e = indptr[u + 1]
      for (let j = 0; j < n; j++) {
        if (p < e && items[p] === j) {
          p++
          continue
        }
        c += w[j]
      }
    }
    if (!(c > 0)) {
      c = 0
      empty++
      if (firstEmpty < 0) firstEmpty = u
    }
    complement[u] = c
    logNorm[u] = c > 0 ? -Math.log(c / total) : 0
  }
  if (empty > 0 && !allowMasked) {
    throw new Error(
      `${kind} sampler: user ${String(train.userIds.size > firstEmpty ? train.userIds.external(firstEmpty) : firstEmpty)} (internal ${firstEmpty}) ` +
        `has no admissible negative: every item outside the training positives has zero weight (${empty} such user(s)); ` +
        `set "allowMasked": true to mask their draws as -1, or use smoothing > 0`,
    )
  }
  return { total, logP, logP32, cum, complement, logNorm, ex }
}

/**
 * Packs a Vose alias table (`prob`, `alias` from `aliasBuild`) and the log-probabilities into one
 * `Uint32Array` of 4-word entries `[threshold, alias, logP(c), logP(alias)]` (the last two are
 * float32 bits), so a draw touches a single 16-byte entry. `threshold = ceil(prob · 2³¹)`: with a
 * 31-bit coin r, `r < threshold` ⟺ `r · 2⁻³¹ < prob`, so each column's split is exact to 2⁻³¹,
 * and the kernel turns the comparison into a mask without a branch. Columns with prob ≥ 1 alias
 * to themselves.
 * @remarks O(n); allocates the output.
 * @internal
 */
export function packAlias(prob: Float64Array, alias: Int32Array, logP: Float32Array, n: number): Uint32Array {
  const t = new Uint32Array(4 * n)
  const f = new Float32Array(t.buffer)
  for (let c = 0; c < n; c++) {
    const thr = Math.ceil(prob[c] * 2147483648)
    const a = thr >= 2147483648 ? c : alias[c]
    t[4 * c] = thr >= 2147483648 ? 2147483648 : thr
    t[4 * c + 1] = a
    f[4 * c + 2] = logP[c]
    f[4 * c + 3] = logP[a]
  }
  return t
}

const NO_DATA = new Int32Array(0)

/**
 * Draws `size·k` negatives from a static proposal — a packed alias table ({@link packAlias}; `tableF`
 * is its float32 view) when
 * `dataItems` is null, else the item of a uniformly drawn training interaction — excluding each
 * slot's positives when `law.ex` is set. Writes logQ = log P(j) − log(1 − P(I_u⁺)).
 *
 * @param tally - `[_, rejected, masked, fallbacks]` accumulators.
 * @remarks O(1) expected per draw without exclusion (two generator words), plus O(log |I_u⁺|)
 * per rejection test with it; allocates nothing. xoshiro128+ is inlined (same stream as `prngNext`).
 * @internal
 */
export function weightedDraw(
  users: Int32Array,
  size: number,
  k: number,
  items: Int32Array,
  logQ: Float32Array,
  law: WeightedLaw,
  table: Uint32Array,
  tableF: Float32Array,
  dataItems: Int32Array | null,
  maxTrials: number,
  state: Uint32Array,
  tally: Float64Array,
): void {
  const logP = law.logP32
  const n = logP.length
  let s0 = state[0] | 0
  let s1 = state[1] | 0
  let s2 = state[2] | 0
  let s3 = state[3] | 0
  const fromData = dataItems !== null
  const data = fromData ? dataItems : NO_DATA
  const m = fromData ? dataItems.length : n
  const scale = m * 2.3283064365386963e-10
  // Phase 1: draw every candidate from the static proposal (pure arithmetic, no data-dependent
  // branches). Phase 2 then tests them against the positives in a separate tight loop, whose
  // independent loads overlap in the memory system instead of stalling one draw at a time.
  // With exclusion, each slot's logQ already gets its user's renormalisation −log(1 − P(I_u⁺)) here
  // (the same float32(logP + norm) as a redraw's), so phase 2 writes only on a rejection.
  const exclude = law.ex !== null
  const logNorm = law.logNorm
  if (fromData) {
    for (let s = 0, o = 0; s < size; s++) {
      const norm = exclude ? logNorm[users[s]] : 0
      for (const end = o + k; o < end; o++) {
        const r = (s0 + s3) >>> 0
        const t = s1 << 9
        const a2 = s2 ^ s0
        const a3 = s3 ^ s1
        s1 ^= a2
        s0 ^= a3
        s2 = a2 ^ t
        s3 = (a3 << 11) | (a3 >>> 21)
        const j = data[(r * scale) | 0]
        items[o] = j
        logQ[o] = logP[j] + norm
      }
    }
  } else {
    const tf = tableF
    for (let s = 0, o = 0; s < size; s++) {
      const norm = exclude ? logNorm[users[s]] : 0
      for (const end = o + k; o < end; o++) {
        let r = (s0 + s3) >>> 0
        let t = s1 << 9
        let a2 = s2 ^ s0
        let a3 = s3 ^ s1
        s1 ^= a2
        s0 ^= a3
        s2 = a2 ^ t
        s3 = (a3 << 11) | (a3 >>> 21)
        const c = (r * scale) | 0
        const e = c << 2
        r = (s0 + s3) >>> 1
        t = s1 << 9
        a2 = s2 ^ s0
        a3 = s3 ^ s1
        s1 ^= a2
        s0 ^= a3
        s2 = a2 ^ t
        s3 = (a3 << 11) | (a3 >>> 21)
        // mask = −1 when the 31-bit coin r < threshold (keep column c), else 0 (take the alias).
        const mask = (r - table[e]) >> 31
        const al = table[e + 1] | 0
        items[o] = al ^ ((al ^ c) & mask)
        logQ[o] = tf[e + 3 + mask] + norm
      }
    }
  }
  const ex = law.ex
  if (ex !== null) {
    const indptr = ex.indptr
    const rows = ex.items
    const bitOffset = ex.bitOffset
    const bits = ex.bits
    const complement = law.complement
    const cum = law.cum
    let rejected = 0
    let masked = 0
    let fallbacks = 0
    for (let s = 0; s < size; s++) {
      const u = users[s]
      const len = indptr[u + 1] - indptr[u]
      const base = s * k
      const compl = complement[u]
      if (!(compl > 0)) {
        for (let d = 0; d < k; d++) {
          items[base + d] = -1
          logQ[base + d] = 0
        }
        masked += k
        continue
      }
      const norm = logNorm[u]
      // Heavy users (most draws) are tested against their bitset inline; the rest by isPositive.
      const off = bitOffset[u]
      for (let d = 0; d < k; d++) {
        let j = items[base + d]
        if (off >= 0 ? ((bits[off + (j >>> 5)] >>> (j & 31)) & 1) !== 0 : len > 0 && isPositive(indptr, rows, bitOffset, bits, u, j)) {
          // Rejected: redraw (trial 1 was phase 1's candidate), then the exact fallback.
          rejected++
          j = -1
          for (let tr = 1; tr < maxTrials; tr++) {
            let r = (s0 + s3) >>> 0
            let t = s1 << 9
            let a2 = s2 ^ s0
            let a3 = s3 ^ s1
            s1 ^= a2
            s0 ^= a3
            s2 = a2 ^ t
            s3 = (a3 << 11) | (a3 >>> 21)
            let c = (r * scale) | 0
            if (fromData) c = data[c]
            else {
              r = (s0 + s3) >>> 1
              t = s1 << 9
              a2 = s2 ^ s0
              a3 = s3 ^ s1
              s1 ^= a2
              s0 ^= a3
              s2 = a2 ^ t
              s3 = (a3 << 11) | (a3 >>> 21)
              if (r >= table[4 * c]) c = table[4 * c + 1]
            }
            if (!isPositive(indptr, rows, bitOffset, bits, u, c)) {
              j = c
              break
            }
            rejected++
          }
          if (j < 0) {
            // Exact fallback: weighted draw over the complement (redrawn on a float-rounding miss).
            fallbacks++
            while (j < 0) {
              const r = (s0 + s3) >>> 0
              const t = s1 << 9
              const a2 = s2 ^ s0
              const a3 = s3 ^ s1
              s1 ^= a2
              s0 ^= a3
              s2 = a2 ^ t
              s3 = (a3 << 11) | (a3 >>> 21)
              j = weightedNonPositive(indptr, rows, u, cum, n, r * 2.3283064365386963e-10 * compl)
            }
          }
          items[base + d] = j
          logQ[base + d] = logP[j] + norm
        }
      }
    }
    tally[1] += rejected
    tally[2] += masked
    tally[3] += fallbacks
  }
  state[0] = s0
  state[1] = s1
  state[2] = s2
  state[3] = s3
}
