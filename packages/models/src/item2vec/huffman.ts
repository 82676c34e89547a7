/**
 * Huffman tree over item counts for hierarchical softmax, built the way word2vec.c's
 * `CreateBinaryTree` builds it.
 */

/** A Huffman coding of items, flattened into typed arrays. */
export interface HuffmanTree {
  /** Number of coded items (leaves). Items with count 0 (or below `minCount`) get no code. */
  readonly numLeaves: number
  /** Number of inner nodes, `numLeaves - 1`; the output layer has one vector per inner node. */
  readonly numInner: number
  /** `[numItems + 1]` offsets: the path of item i is `[offsets[i], offsets[i+1])`; empty when uncoded. */
  readonly offsets: Int32Array
  /** Code bits from the root down to the leaf (0 = the smaller child, 1 = the larger one). */
  readonly codes: Uint8Array
  /** Inner-node index (`0..numInner-1`, root = `numInner - 1`) whose vector decides each bit. */
  readonly points: Int32Array
}

/**
 * Builds a Huffman tree over `counts[0..n)`; items whose count is below `minCount` (or zero) are
 * left out.
 *
 * Follows word2vec.c: leaves are sorted by count descending, the two lightest nodes are merged
 * repeatedly, the lighter gets bit 0 and the heavier bit 1, and inner node `a` (created a-th) is
 * numbered `a`, so the root is `numInner - 1`. Ties are broken as word2vec.c breaks them (an
 * inner node before a leaf of equal count; equal leaves by item id), so the tree is deterministic.
 *
 * @param counts - occurrence count per item.
 * @param n - number of items.
 * @param minCount - smallest count that gets a code (default 1).
 * @returns the flattened codes and points (a single-leaf vocabulary gets one inner node and
 *   code `0`, so every coded item has a path of length ≥ 1).
 * @example
 * ```ts
 * const t = buildHuffman(new Int32Array([5, 9, 12, 13, 16, 45]), 6)
 * // item 5 (count 45) has code "0"; item 0 (count 5) has code "1100"
 * ```
 * @see Mikolov et al., "Distributed Representations of Words and Phrases and their Compositionality" (2013).
 * @remarks O(n log n) for the sort, O(n) for the merge (two-queue method); allocates the result.
 */
export function buildHuffman(counts: ArrayLike<number>, n: number, minCount = 1): HuffmanTree {
  const thr = Math.max(1, minCount)
  let m = 0
  for (let i = 0; i < n; i++) {
    const c = counts[i]
    if (!(c >= 0) || !Number.isFinite(c)) throw new Error(`buildHuffman: count of item ${i} is ${c}; counts must be finite and >= 0`)
    if (c >= thr) m++
  }
  const offsets = new Int32Array(n + 1)
  if (m === 0) return { numLeaves: 0, numInner: 0, offsets, codes: new Uint8Array(0), points: new Int32Array(0) }
  // Leaves sorted by count descending, then item ascending (word2vec sorts its vocabulary so).
  const leaves = new Int32Array(m)
  for (let i = 0, j = 0; i < n; i++) if (counts[i] >= thr) leaves[j++] = i
  leaves.sort((a, b) => counts[b] - counts[a] || a - b)

  if (m === 1) {
    // One item: word2vec would give it an empty code; give it a single-bit path so HS still trains.
    const codes = new Uint8Array(1)
    const points = new Int32Array(1)
    for (let i = 0; i <= n; i++) offsets[i] = i > leaves[0] ? 1 : 0
    return { numLeaves: 1, numInner: 1, offsets, codes, points }
  }

  // count[0..m) leaves (descending), count[m..2m-1) inner nodes in creation order (ascending).
  const total = 2 * m - 1
  const weight = new Float64Array(total)
  for (let a = 0; a < m; a++) weight[a] = counts[leaves[a]]
  const parent = new Int32Array(total)
  const bit = new Uint8Array(total)
  let pos1 = m - 1 // lightest unused leaf (scanning down)
  let pos2 = m // lightest unused inner node (scanning up)
  for (let a = 0; a < m - 1; a++) {
    let min1: number
    let min2: number
    if (pos1 >= 0 && (pos2 >= m + a || weight[pos1] < weight[pos2])) min1 = pos1--
    else min1 = pos2++
    if (pos1 >= 0 && (pos2 >= m + a || weight[pos1] < weight[pos2])) min2 = pos1--
    else min2 = pos2++
    weight[m + a] = weight[min1] + weight[min2]
    parent[min1] = m + a
    parent[min2] = m + a
    bit[min2] = 1
  }
  // Path lengths first, then codes root → leaf.
  const root = total - 1
  const len = new Int32Array(m)
  let sum = 0
  for (let a = 0; a < m; a++) {
    let l = 0
    for (let b = a; b !== root; b = parent[b]) l++
    len[a] = l
    sum += l
  }
  const itemLen = new Int32Array(n)
  for (let a = 0; a < m; a++) itemLen[leaves[a]] = len[a]
  for (let i = 0; i < n; i++) offsets[i + 1] = offsets[i] + itemLen[i]
  const codes = new Uint8Array(sum)
  const points = new Int32Array(sum)
  for (let a = 0; a < m; a++) {
    const item = leaves[a]
    const l = len[a]
    const o = offsets[item]
    // Walk leaf → root and fill backwards; the node deciding a bit is the parent of the child.
    let b = a
    for (let d = l - 1; d >= 0; d--) {
      codes[o + d] = bit[b]
      points[o + d] = parent[b] - m
      b = parent[b]
    }
  }
  return { numLeaves: m, numInner: m - 1, offsets, codes, points }
}

/**
 * The code of `item` as a string of '0'/'1' from the root (for tests and debugging).
 * @returns '' when the item has no code.
 */
export function huffmanCode(tree: HuffmanTree, item: number): string {
  let s = ''
  for (let j = tree.offsets[item]; j < tree.offsets[item + 1]; j++) s += tree.codes[j] === 1 ? '1' : '0'
  return s
}
