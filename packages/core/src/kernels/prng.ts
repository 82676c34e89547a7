/**
 * xoshiro128+ over a 4-word `Uint32Array` state: the generator every hot loop advances inline.
 * seedrandom seeds it (see `rng.ts`); its own default generator is ~15x slower per draw.
 *
 * @see Blackman & Vigna, "Scrambled linear pseudorandom number generators" (2021).
 * @remarks O(1) per draw, allocates nothing. The low bits of xoshiro128+ are weaker, so floats
 * and bounded ints are taken from the whole word by multiplication, never by `% n`.
 */
export function prngNext(s: Uint32Array): number {
  const s0 = s[0]
  const s1 = s[1]
  const s2 = s[2] ^ s0
  const s3 = s[3] ^ s1
  const result = (s0 + s[3]) >>> 0
  s[0] = s0 ^ s3
  s[1] = s1 ^ s2
  s[2] = s2 ^ (s1 << 9)
  s[3] = (s3 << 11) | (s3 >>> 21)
  return result
}

/** Uniform float in [0, 1) with 32 bits of resolution. Allocates nothing. */
export function prngFloat(s: Uint32Array): number {
  return prngNext(s) * 2.3283064365386963e-10
}

/**
 * Uniform integer in [0, n) by multiply-shift (Lemire). Bias is below n / 2^32, i.e. < 3e-4 for
 * ten million items. Allocates nothing.
 */
export function prngBelow(s: Uint32Array, n: number): number {
  return Math.floor(prngNext(s) * 2.3283064365386963e-10 * n)
}

/** Standard normal by Box–Muller (one of the pair is discarded: init code only, not hot loops). */
export function prngNormal(s: Uint32Array): number {
  let u = prngFloat(s)
  if (u < 1e-300) u = 1e-300
  const v = prngFloat(s)
  return Math.sqrt(-2 * Math.log(u)) * Math.cos(2 * Math.PI * v)
}

/**
 * Seeds a xoshiro state from four 32-bit words, avoiding the all-zero state.
 * @internal
 */
export function prngSeedState(out: Uint32Array, a: number, b: number, c: number, d: number): void {
  out[0] = a >>> 0
  out[1] = b >>> 0
  out[2] = c >>> 0
  out[3] = d >>> 0
  if ((out[0] | out[1] | out[2] | out[3]) === 0) out[0] = 0x9e3779b9
  // Warm up: the first outputs of a freshly seeded xoshiro are correlated with the seed words.
  for (let i = 0; i < 8; i++) prngNext(out)
}
