import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { DATASET_NAMES, MANIFEST } from '@decoy/datasets'

describe('manifest', () => {
  it('datasets/manifest.json mirrors the MANIFEST constant', () => {
    const path = fileURLToPath(new URL('../../../datasets/manifest.json', import.meta.url))
    const json = JSON.parse(readFileSync(path, 'utf8')) as { datasets: unknown[] }
    expect(json.datasets).toEqual(DATASET_NAMES.map((n) => JSON.parse(JSON.stringify(MANIFEST[n]))))
  })
  it('every entry points at GroupLens and has counts', () => {
    for (const n of DATASET_NAMES) {
      const e = MANIFEST[n]
      expect(e.name).toBe(n)
      expect(e.url).toBe(`https://files.grouplens.org/datasets/movielens/${n}.zip`)
      expect(e.counts.interactions).toBeGreaterThan(e.counts.users)
      expect(e.sha256 === null || /^[0-9a-f]{64}$/.test(e.sha256)).toBe(true)
      expect(e.md5 === null || /^[0-9a-f]{32}$/.test(e.md5)).toBe(true)
    }
    expect(MANIFEST['ml-latest-small'].counts).toEqual({ interactions: 100836, users: 610, items: 9724 })
  })
})
