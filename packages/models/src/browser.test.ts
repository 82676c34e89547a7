import { IDBFactory } from 'fake-indexeddb'
import { describe, expect, it, vi } from 'vitest'
import { uniformSampler } from '@decoy/samplers'
import { plantedSplit } from '@decoy/testkit'
import { createModel, type Model } from '@decoy/models'
import {
  deleteModelFromIndexedDb,
  listModelsInIndexedDb,
  loadModelFromFile,
  loadModelFromIndexedDb,
  modelFromBytes,
  modelToBlob,
  modelToBytes,
  saveModelToIndexedDb,
} from '@decoy/models/browser'

const { train } = plantedSplit(9)
const users = Int32Array.from({ length: 20 }, (_, u) => u)

async function fitted(kind: string): Promise<Model> {
  const m = createModel({ kind, dim: 8 })
  await m.fit(train, { seed: 2, epochs: 2, ...(kind === 'als' ? {} : { sampler: uniformSampler() }) })
  return m
}

function sameTop10(a: Model, b: Model): void {
  const x = a.recommend(users, 10)
  const y = b.recommend(users, 10)
  expect(Array.from(y.items)).toEqual(Array.from(x.items))
  expect(Array.from(y.scores)).toEqual(Array.from(x.scores))
}

describe('@decoy/models/browser', () => {
  it('model → Blob → File → model gives the same top-10', async () => {
    const m = await fitted('mf')
    const blob = await modelToBlob(m)
    expect(blob.type).toBe('application/vnd.apache.arrow.file')
    const file = new File([blob], 'mf.decoy')
    sameTop10(m, await loadModelFromFile(file))
  })

  it('a file that is not a model is rejected naming the file', async () => {
    await expect(loadModelFromFile(new File(['hello'], 'notes.txt'))).rejects.toThrow(/notes\.txt: not a (readable )?Decoy model file/)
  })

  it('IndexedDB: save, list, load by key (same top-10), delete', async () => {
    const idb = { indexedDB: new IDBFactory(), database: 'test-models' }
    const mf = await fitted('mf')
    const i2v = await fitted('item2vec')
    await saveModelToIndexedDb(mf, 'mf', idb)
    await saveModelToIndexedDb(i2v, 'i2v', idb)
    expect(await listModelsInIndexedDb(idb)).toEqual(['i2v', 'mf'])
    sameTop10(mf, await loadModelFromIndexedDb('mf', idb))
    sameTop10(i2v, await loadModelFromIndexedDb('i2v', idb))
    // Overwrite under the same key.
    await saveModelToIndexedDb(i2v, 'mf', idb)
    sameTop10(i2v, await loadModelFromIndexedDb('mf', idb))
    expect(await deleteModelFromIndexedDb('mf', idb)).toBe(true)
    expect(await deleteModelFromIndexedDb('mf', idb)).toBe(false)
    await expect(loadModelFromIndexedDb('mf', idb)).rejects.toThrow(/no model stored under "mf"/)
    await expect(saveModelToIndexedDb(mf, '', idb)).rejects.toThrow(/key must be a non-empty string/)
  })

  it('without IndexedDB the helpers say so', async () => {
    await expect(listModelsInIndexedDb()).rejects.toThrow(/IndexedDB is not available here/)
  })

  it('bytes round-trip for every kind', async () => {
    for (const kind of ['mf', 'als', 'lightgcn']) {
      const m = await fitted(kind)
      sameTop10(m, await modelFromBytes(await modelToBytes(m)))
    }
  })

  it('in a browser, the synchronous model-file functions need loadModelFormat first', async () => {
    vi.resetModules()
    vi.stubGlobal('process', { ...process, getBuiltinModule: undefined })
    try {
      const models = await import('@decoy/models')
      const browser = await import('@decoy/models/browser')
      const m = models.createModel({ kind: 'mf', dim: 4 })
      await m.fit(train, { seed: 1, epochs: 1, sampler: uniformSampler() })
      expect(() => m.serialize()).toThrow(/model files use apache-arrow, loaded on demand in browsers: await loadModelFormat\(\) first/)
      await browser.loadModelFormat()
      const bytes = m.serialize()
      sameTop10(m, models.deserializeModel(bytes))
    } finally {
      vi.unstubAllGlobals()
    }
  })
})
