import { prngNext } from './prng.js'

/**
 * Builds a Vose alias table for the weights `w[0..n)` (non-negative, not all zero).
 *
 * After the call, drawing column c uniformly and keeping c with probability `prob[c]`, else taking
 * `alias[c]`, draws i with probability `w[i] / Σw` exactly (up to float rounding).
 * Zero weights get `prob = 0`, so they are never returned.
 *
 * @param work - scratch of length ≥ n (indices), supplied by the caller.
 * @returns the total weight Σw.
 * @see Vose, "A linear algorithm for generating random numbers with a given distribution" (1991).
 * @remarks O(n), allocates nothing.
 */
export function aliasBuild(w: Float64Array, n: number, prob: Float64Array, alias: Int32Array, work: Int32Array): number {
  let total = 0
  let positive = -1
  for (let i = 0; i < n; i++) {
    const x = w[i]
    if (!(x >= 0) || x === Infinity) throw new Error(`aliasBuild: weight ${i} is ${x}; weights must be finite and >= 0`)
    total += x
    if (x > 0) positive = i
  }
  if (!(total > 0)) throw new Error('aliasBuild: all weights are zero')
  // Small indices grow from the front of `work`, large ones from the back.
  let nSmall = 0
  let nLarge = 0
  const scale = n / total
  for (let i = 0; i < n; i++) {
    const p = w[i] * scale
    prob[i] = p
    alias[i] = i
    if (p < 1) work[nSmall++] = i
    else work[n - 1 - nLarge++] = i
  }
  while (nSmall > 0 && nLarge > 0) {
    const s = work[--nSmall]
    const l = work[n - nLarge]
    alias[s] = l
    const pl = prob[l] + prob[s] - 1
    prob[l] = pl
    if (pl < 1) {
      nLarge--
      work[nSmall++] = l
    }
  }
  // Leftovers are 1 up to rounding.
  while (nLarge > 0) prob[work[n - nLarge--]] = 1
  while (nSmall > 0) {
    const s = work[--nSmall]
    // A zero-weight column left over only by rounding must still never return itself.
    if (w[s] === 0) {
      prob[s] = 0
      alias[s] = positive
    } else prob[s] = 1
  }
  return total
}

/**
 * One draw from an alias table built by {@link aliasBuild}. Two generator words: one for the
 * column, one for the coin, so the coin keeps full 32-bit resolution at any n.
 * @remarks O(1), allocates nothing.
 */
export function aliasDraw(prob: Float64Array, alias: Int32Array, n: number, state: Uint32Array): number {
  const c = Math.floor(prngNext(state) * 2.3283064365386963e-10 * n)
  return prngNext(state) * 2.3283064365386963e-10 < prob[c] ? c : alias[c]
}
