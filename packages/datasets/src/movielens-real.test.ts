import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { zipSync } from 'fflate'
import { describe, expect, it } from 'vitest'
import { loadDataset, loadInteractions, MANIFEST } from '@decoy/datasets'

const dataDir = process.env.DECOY_DATA_DIR
const reason = 'set DECOY_DATA_DIR to the folder that contains ml-latest-small/ to run the real-data tests'

describe('ml-latest-small (real data)', () => {
  if (!dataDir) it.skip(`skipped: ${reason}`, () => {})

  it.skipIf(!dataDir)('loads 100836 interactions, 610 users, 9724 items with titles', async () => {
    const ml = await loadDataset('ml-latest-small', { download: false })
    const x = ml.interactions
    expect(x.indptr[x.numUsers]).toBe(100836)
    expect(x.numUsers).toBe(610)
    expect(x.numItems).toBe(9724)
    const toy = x.itemIds.get(1)
    expect(ml.items!.titles[toy]).toBe('Toy Story (1995)')
    expect(ml.items!.year[toy]).toBe(1995)
    expect(ml.items!.genres[toy]).toEqual(['Adventure', 'Animation', 'Children', 'Comedy', 'Fantasy'])
    expect(ml.tags!.tags.length).toBe(3683)
    // Ratings are half stars in [0.5, 5].
    let min = Infinity
    let max = -Infinity
    for (const r of x.weights!) {
      if (r < min) min = r
      if (r > max) max = r
    }
    expect([min, max]).toEqual([0.5, 5])
  })

  it.skipIf(!dataDir)('passes the manifest verification (counts and file checksums)', async () => {
    const { verifyExtracted } = await import('./download.js')
    expect(() => verifyExtracted(MANIFEST['ml-latest-small'], join(dataDir!, 'ml-latest-small'))).not.toThrow()
  })

  it.skipIf(!dataDir)('goes through the real download pipeline with the real manifest entry (zip built in-test)', async () => {
    const src = join(dataDir!, 'ml-latest-small')
    const files: Record<string, Uint8Array> = {}
    for (const f of ['ratings.csv', 'movies.csv', 'tags.csv', 'links.csv']) files[`ml-latest-small/${f}`] = readFileSync(join(src, f))
    const zip = zipSync(files, { level: 1 })
    const cache = mkdtempSync(join(tmpdir(), 'decoy-real-dl-'))
    try {
      const fetch = async () => ({ ok: true, status: 200, body: null, arrayBuffer: async () => zip.slice().buffer })
      const ml = await loadDataset('ml-latest-small', { cacheDir: cache, fetch, env: {} })
      expect(ml.interactions.numItems).toBe(9724)
      expect(readdirSync(cache)).toEqual(['ml-latest-small'])
    } finally {
      rmSync(cache, { recursive: true, force: true })
    }
  })

  it.skipIf(!dataDir)('loads through loadInteractions by name, by directory and by ratings file', async () => {
    const byName = await loadInteractions('ml-latest-small', { download: false, minRating: 4 })
    expect(byName.interactions.indptr[byName.interactions.numUsers]).toBe(48580)
    const byDir = await loadInteractions(join(dataDir!, 'ml-latest-small'))
    expect(byDir.meta!.name).toBe('ml-latest-small')
    expect(byDir.interactions.numItems).toBe(9724)
    const byFile = await loadInteractions(join(dataDir!, 'ml-latest-small', 'ratings.csv'))
    expect(byFile.interactions.indptr[byFile.interactions.numUsers]).toBe(100836)
  })
})
