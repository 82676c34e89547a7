/**
 * Top-n selection by one native sort: float keys become order-preserving integers packed with the
 * reversed index into float64s, so `Float64Array.prototype.sort` orders them with ties broken
 * towards the lower index (as a first-maximum linear scan does).
 */

/** Scratch of {@link topOrder} for up to `capacity` keys. */
export interface TopOrderScratch {
  readonly packed: Float64Array
  readonly f32: Float32Array
  readonly u32: Uint32Array
}

const SPAN = 131072 // > any key count used here: the index fits below the key in a float64

/** Allocates a {@link TopOrderScratch} for up to `capacity` (≤ 131,072) keys. */
export function createTopOrderScratch(capacity: number): TopOrderScratch {
  if (capacity > SPAN) throw new RangeError(`topOrder: capacity ${capacity} exceeds ${SPAN}`)
  const f32 = new Float32Array(1)
  return { packed: new Float64Array(capacity), f32, u32: new Uint32Array(f32.buffer) }
}

/**
 * Writes into `order[0..count)` the indices of the `count` largest of `keys[0..n)`, in descending
 * key order, ties to the lower index. Keys compare as float32 (−∞ allowed; NaN not).
 * @remarks O(n²) insertion sort for n ≤ 32, else O(capacity·log capacity) by a native sort of the
 * whole scratch (the tail beyond n sorts first); allocates nothing.
 */
export function topOrder(keys: Float64Array, n: number, count: number, order: Int32Array, sc: TopOrderScratch): void {
  const packed = sc.packed
  const f32 = sc.f32
  const u32 = sc.u32
  for (let c = 0; c < n; c++) {
    f32[0] = keys[c] + 0 // −0 → +0: they compare equal
    const bits = u32[0]
    const key = bits & 0x80000000 ? ~bits >>> 0 : (bits | 0x80000000) >>> 0
    packed[c] = key * SPAN + (SPAN - 1 - c)
  }
  if (n <= 32) {
    // Small: insertion sort of packed[0..n) beats a native call.
    for (let i = 1; i < n; i++) {
      const v = packed[i]
      let j = i - 1
      while (j >= 0 && packed[j] > v) {
        packed[j + 1] = packed[j]
        j--
      }
      packed[j + 1] = v
    }
    for (let d = 0; d < count; d++) order[d] = SPAN - 1 - (packed[n - 1 - d] % SPAN)
    return
  }
  packed.fill(-1, n)
  packed.sort()
  const len = packed.length
  for (let d = 0; d < count; d++) order[d] = SPAN - 1 - (packed[len - 1 - d] % SPAN)
}
