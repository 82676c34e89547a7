/**
 * Partial selection of the k largest of `scores[0..n)`, written in descending order to
 * `outItems/outScores[outOffset..outOffset+k)`. Entries equal to -Infinity are treated as masked
 * and never selected; short results are padded with item -1 and score -Infinity. Ties go to the
 * lower item id, so results are deterministic.
 *
 * A size-k min-heap over (score, item): O(n log k) worst case, O(n) when most scores lose to the
 * heap's root, which is the common case for a full catalogue.
 *
 * @param heapItems - scratch of length ≥ k.
 * @param heapScores - scratch of length ≥ k.
 * @returns the number of real (unmasked) items written.
 * @remarks Allocates nothing.
 */
export function selectTopK(
  scores: Float32Array,
  n: number,
  k: number,
  heapItems: Int32Array,
  heapScores: Float64Array,
  outItems: Int32Array,
  outScores: Float32Array,
  outOffset: number,
): number {
  let size = 0
  for (let i = 0; i < n; i++) {
    const s = scores[i]
    // biome-ignore lint/suspicious/noSelfCompare: the NaN test, without a call in the hot loop
    if (s === -Infinity || s !== s) continue
    if (size < k) {
      // sift up
      let c = size++
      while (c > 0) {
        const p = (c - 1) >> 1
        if (worse(heapScores[p], heapItems[p], s, i)) break
        heapScores[c] = heapScores[p]
        heapItems[c] = heapItems[p]
        c = p
      }
      heapScores[c] = s
      heapItems[c] = i
    } else if (worse(heapScores[0], heapItems[0], s, i)) {
      // replace root (the worst kept) and sift down
      let c = 0
      for (;;) {
        const l = 2 * c + 1
        if (l >= size) break
        const r = l + 1
        let m = l
        if (r < size && worse(heapScores[r], heapItems[r], heapScores[l], heapItems[l])) m = r
        if (worse(s, i, heapScores[m], heapItems[m])) break
        heapScores[c] = heapScores[m]
        heapItems[c] = heapItems[m]
        c = m
      }
      heapScores[c] = s
      heapItems[c] = i
    }
  }
  // Pop the heap from worst to best into the output's tail.
  const count = size
  for (let j = count - 1; j >= 0; j--) {
    outItems[outOffset + j] = heapItems[0]
    outScores[outOffset + j] = heapScores[0]
    size--
    const ls = heapScores[size]
    const li = heapItems[size]
    let c = 0
    for (;;) {
      const l = 2 * c + 1
      if (l >= size) break
      const r = l + 1
      let m = l
      if (r < size && worse(heapScores[r], heapItems[r], heapScores[l], heapItems[l])) m = r
      if (worse(ls, li, heapScores[m], heapItems[m])) break
      heapScores[c] = heapScores[m]
      heapItems[c] = heapItems[m]
      c = m
    }
    heapScores[c] = ls
    heapItems[c] = li
  }
  for (let j = count; j < k; j++) {
    outItems[outOffset + j] = -1
    outScores[outOffset + j] = -Infinity
  }
  return count
}

/** (sa, ia) ranks below (sb, ib): lower score, or equal score and higher item id. */
function worse(sa: number, ia: number, sb: number, ib: number): boolean {
  return sa < sb || (sa === sb && ia > ib)
}
