import { describe, expect, it } from 'vitest'
import { uniformSampler } from '@decoy/samplers'
import { plantedSplit } from '@decoy/testkit'
import { alternatingLeastSquares, decodeModel, deserializeModel, encodeModel, matrixFactorization, type Model } from '@decoy/models'

// The shared base of MF and ALS (dot-model.ts): the file layout both write, and the errors both
// give for a malformed file, checked per family.
const { train } = plantedSplit(3)

async function fitted(kind: 'mf' | 'als'): Promise<Model> {
  if (kind === 'als') {
    const m = alternatingLeastSquares({ dim: 8 })
    await m.fit(train, { seed: 1, iterations: 1 })
    return m
  }
  const m = matrixFactorization({ dim: 8 })
  await m.fit(train, { seed: 1, epochs: 1, sampler: uniformSampler() })
  return m
}

const layouts = {
  mf: { label: 'MF', arrays: ['userFactors', 'itemFactors', 'itemBias', 'seenIndptr', 'seenItems'] },
  als: { label: 'ALS', arrays: ['userFactors', 'itemFactors', 'seenIndptr', 'seenItems'] },
} as const

describe('dot-product models (MF, ALS)', () => {
  for (const kind of ['mf', 'als'] as const) {
    const { label, arrays: names } = layouts[kind]

    it(`${kind}: writes its arrays in the file layout of earlier releases, and reads them back`, async () => {
      const m = await fitted(kind)
      const { header } = decodeModel(m.serialize(), 'm.arrow', kind)
      expect(header.arrays.map((a) => a.name)).toEqual(names)
      expect(header.extra).toEqual({ numUsers: train.numUsers, numItems: train.numItems })
      const back = deserializeModel(m.serialize())
      const users = Int32Array.of(0, 5, 17)
      expect(back.recommend(users, 10)).toEqual(m.recommend(users, 10))
      expect(back.similarItems(Int32Array.of(3), 5)).toEqual(m.similarItems(Int32Array.of(3), 5))
    })

    it(`${kind}: a file without user factors or with mis-sized ones is an error naming it`, async () => {
      const m = await fitted(kind)
      const { header, arrays } = decodeModel(m.serialize(), 'm.arrow', kind)
      const { userFactors, ...rest } = arrays
      const { arrays: _a, format: _f, formatVersion: _v, ...head } = header
      const missing = encodeModel(head, rest)
      expect(() => deserializeModel(missing, 'bad.arrow')).toThrow(`bad.arrow: ${label} factor arrays do not match`)
      const short = encodeModel(head, { ...arrays, userFactors: userFactors.subarray(1) })
      expect(() => deserializeModel(short, 'short.arrow')).toThrow(`short.arrow: ${label} factor arrays do not match`)
      const noSizes = encodeModel({ ...head, extra: undefined }, arrays)
      expect(() => deserializeModel(noSizes, 'x.arrow')).toThrow(`x.arrow: ${label} model file lacks its id maps or sizes`)
    })
  }

  it('an unfitted model says so on every query', () => {
    for (const m of [matrixFactorization(), alternatingLeastSquares()]) {
      expect(() => m.recommend(Int32Array.of(0), 5)).toThrow('recommend: the model has not been fitted or loaded')
      expect(() => m.similarItems(Int32Array.of(0), 5)).toThrow('similarItems: the model has not been fitted or loaded')
      expect(() => m.serialize()).toThrow('serialize: the model has not been fitted or loaded')
      expect(m.factors()).toBeNull()
    }
  })
})
