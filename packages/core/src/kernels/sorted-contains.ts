/**
 * True when `value` occurs in the ascending run `arr[start..end)`, by binary search.
 *
 * Invariant relied on: items are sorted ascending within a CSR row.
 * @remarks O(log n), allocates nothing.
 */
export function containsSorted(arr: Int32Array, start: number, end: number, value: number): boolean {
  let lo = start
  let hi = end - 1
  while (lo <= hi) {
    const mid = (lo + hi) >>> 1
    const v = arr[mid]
    if (v < value) lo = mid + 1
    else if (v > value) hi = mid - 1
    else return true
  }
  return false
}

/**
 * Index of the first element ≥ `value` in the ascending run `arr[start..end)` (`end` when none).
 * @remarks O(log n), allocates nothing.
 */
export function lowerBound(arr: Int32Array, start: number, end: number, value: number): number {
  let lo = start
  let hi = end
  while (lo < hi) {
    const mid = (lo + hi) >>> 1
    if (arr[mid] < value) lo = mid + 1
    else hi = mid
  }
  return lo
}
