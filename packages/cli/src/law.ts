import type { Interactions, NegativeSampler } from '@decoy/core'
import { itemCounts } from '@decoy/core'
import { popularityLaw } from '@decoy/samplers'

/**
 * The closed-form marginal law of a sampler's proposal over items, before exclusion, for the kinds
 * that have one: `uniform` (1/|I|), `random` (c_j / nnz), `popularity` ((c_j + s)^α normalised).
 * Returns null for the others (their law depends on a model or on the batch).
 */
export function samplerLaw(sampler: NegativeSampler, train: Interactions): { name: string; p: Float64Array } | null {
  const c = sampler.config as Record<string, unknown>
  const n = train.numItems
  if (c.kind === 'uniform') return { name: 'uniform', p: new Float64Array(n).fill(1 / n) }
  if (c.kind === 'random') return { name: 'count', p: popularityLaw(itemCounts(train), 1, 0) }
  if (c.kind === 'popularity') {
    const alpha = typeof c.alpha === 'number' ? c.alpha : 0.75
    const smoothing = typeof c.smoothing === 'number' ? c.smoothing : 0
    return { name: `(count${smoothing ? ' + ' + smoothing : ''})^${alpha}`, p: popularityLaw(itemCounts(train), alpha, smoothing) }
  }
  return null
}

/**
 * Expected count of each item among the draws, given the base law `p`, the number of (unmasked)
 * draws made for each user, and whether the user's training positives were excluded. With
 * exclusion the law of a draw for user u is p_j / (1 − P(I_u⁺)) on j ∉ I_u⁺, so
 * E[count_j] = p_j · (Σ_u m_u/Z_u − Σ_{u ∋ j} m_u/Z_u).
 *
 * @remarks O(nnz + numItems); allocates the output.
 */
export function expectedCounts(p: Float64Array, train: Interactions, drawsPerUser: Float64Array, exclude: boolean): Float64Array {
  const n = p.length
  const out = new Float64Array(n)
  if (!exclude) {
    let total = 0
    for (let u = 0; u < drawsPerUser.length; u++) total += drawsPerUser[u]
    for (let j = 0; j < n; j++) out[j] = p[j] * total
    return out
  }
  const indptr = train.indptr
  const items = train.items
  const sub = new Float64Array(n)
  let all = 0
  for (let u = 0; u < train.numUsers; u++) {
    const m = drawsPerUser[u]
    if (m === 0) continue
    let mass = 0
    for (let j = indptr[u]; j < indptr[u + 1]; j++) mass += p[items[j]]
    const z = 1 - mass
    if (!(z > 1e-15)) continue
    const w = m / z
    all += w
    for (let j = indptr[u]; j < indptr[u + 1]; j++) sub[items[j]] += w
  }
  for (let j = 0; j < n; j++) out[j] = p[j] * Math.max(0, all - sub[j])
  return out
}
