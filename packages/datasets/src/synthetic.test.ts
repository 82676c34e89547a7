import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { describe, expect, it } from 'vitest'
import { itemCounts } from '@decoy/core'
import { generateSynthetic, writeSyntheticMovieLens } from '@decoy/datasets'

describe('generateSynthetic', () => {
  it('plants the cluster structure: about `affinity` of interactions fall in the user cluster', () => {
    const d = generateSynthetic({ users: 400, items: 200, clusters: 4, interactionsPerUser: 20, affinity: 0.8, seed: 7 })
    const x = d.interactions
    expect(x.numUsers).toBe(400)
    expect(x.numItems).toBe(200)
    expect(x.indptr[x.numUsers]).toBe(400 * 20)
    let same = 0
    for (let u = 0; u < x.numUsers; u++) {
      for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) if (d.itemCluster[x.items[j]] === d.userCluster[u]) same++
    }
    const frac = same / x.indptr[x.numUsers]
    expect(frac).toBeCloseTo(d.inClusterFraction, 10)
    // 8000 Bernoulli(0.8) draws: sd ≈ 0.0045; rejection of seen items shifts it slightly.
    expect(frac).toBeGreaterThan(0.77)
    expect(frac).toBeLessThan(0.83)
    // Balanced clusters.
    const sizes = new Int32Array(4)
    for (let i = 0; i < 200; i++) sizes[d.itemCluster[i]]++
    expect(Array.from(sizes)).toEqual([50, 50, 50, 50])
  })

  it('gives a Zipf-like popularity within clusters: the top-ranked item beats the median one', () => {
    const d = generateSynthetic({
      users: 2000,
      items: 400,
      clusters: 4,
      interactionsPerUser: 10,
      affinity: 1,
      popularityExponent: 1,
      seed: 3,
    })
    const counts = itemCounts(d.interactions)
    let top = 0
    let mid = 0
    for (let i = 0; i < 400; i++) {
      if (d.itemWeight[i] === 1) top += counts[i]
      else if (d.itemWeight[i] === 1 / 50) mid += counts[i]
    }
    // Rank 1 has 50x the weight of rank 50 (dampened by without-replacement draws).
    expect(top).toBeGreaterThan(10 * mid)
    // affinity 1: every interaction in cluster.
    expect(d.inClusterFraction).toBe(1)
  })

  it('is deterministic for a seed and differs across seeds', () => {
    const o = { users: 50, items: 40, clusters: 3, interactionsPerUser: [2, 9] as const, ratings: true }
    const a = generateSynthetic({ ...o, seed: 11 })
    const b = generateSynthetic({ ...o, seed: 11 })
    const c = generateSynthetic({ ...o, seed: 12 })
    expect(Array.from(a.interactions.items)).toEqual(Array.from(b.interactions.items))
    expect(Array.from(a.interactions.indptr)).toEqual(Array.from(b.interactions.indptr))
    expect(Array.from(a.interactions.times!)).toEqual(Array.from(b.interactions.times!))
    expect(Array.from(a.interactions.weights!)).toEqual(Array.from(b.interactions.weights!))
    expect(Array.from(a.userCluster)).toEqual(Array.from(b.userCluster))
    expect(Array.from(a.interactions.items)).not.toEqual(Array.from(c.interactions.items))
  })

  it('respects the range, external ids 1..n, increasing per-user times and half-star ratings', () => {
    const d = generateSynthetic({ users: 30, items: 25, clusters: 5, interactionsPerUser: [3, 25], ratings: true, seed: 'r' })
    const x = d.interactions
    expect(x.userIds.external(0)).toBe(1)
    expect(x.itemIds.external(24)).toBe(25)
    for (let u = 0; u < x.numUsers; u++) {
      const n = x.indptr[u + 1] - x.indptr[u]
      expect(n).toBeGreaterThanOrEqual(3)
      expect(n).toBeLessThanOrEqual(25)
      const ts = Array.from(x.times!.subarray(x.indptr[u], x.indptr[u + 1])).sort((p, q) => p - q)
      for (let j = 1; j < ts.length; j++) expect(ts[j]).toBeGreaterThan(ts[j - 1])
    }
    for (const r of x.weights!) {
      expect(r * 2).toBe(Math.round(r * 2))
      expect(r).toBeGreaterThanOrEqual(0.5)
      expect(r).toBeLessThanOrEqual(5)
    }
  })

  it('rejects bad options', () => {
    expect(() => generateSynthetic({} as never)).toThrow(/seed is required/)
    expect(() => generateSynthetic({ items: 3, clusters: 4, seed: 1 })).toThrow(/clusters/)
    expect(() => generateSynthetic({ affinity: 1.5, seed: 1 })).toThrow(/affinity/)
    expect(() => generateSynthetic({ interactionsPerUser: [5, 2], seed: 1 })).toThrow(/interactionsPerUser/)
  })
})

describe('writeSyntheticMovieLens', () => {
  it('writes ratings.csv, movies.csv and tags.csv in the ml-latest-small layout', () => {
    const dir = mkdtempSync(join(tmpdir(), 'decoy-synth-'))
    try {
      const r = writeSyntheticMovieLens(dir, { users: 20, items: 30, clusters: 3, interactionsPerUser: 5, tagRate: 0.5, seed: 5 })
      const ratings = readFileSync(join(dir, 'ratings.csv'), 'utf8').trimEnd().split('\n')
      expect(ratings[0]).toBe('userId,movieId,rating,timestamp')
      expect(ratings.length).toBe(1 + 20 * 5)
      expect(ratings[1]).toMatch(/^1,\d+,\d\.\d,\d+$/)
      const movies = readFileSync(join(dir, 'movies.csv'), 'utf8').trimEnd().split('\n')
      expect(movies[0]).toBe('movieId,title,genres')
      expect(movies.length).toBe(31)
      expect(r.titles[0]).toMatch(/\(\d{4}\)$/)
      const tags = readFileSync(join(dir, 'tags.csv'), 'utf8').trimEnd().split('\n')
      expect(tags[0]).toBe('userId,movieId,tag,timestamp')
      expect(tags.length).toBeGreaterThan(20)
      expect(r.files).toHaveLength(3)
    } finally {
      rmSync(dir, { recursive: true, force: true })
    }
  })
})
