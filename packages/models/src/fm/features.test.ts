import { describe, expect, it } from 'vitest'
import { DataError, IdMap } from '@decoy/core'
import { FeatureDictionary, FmFeatureBuilder, featureRow } from '@decoy/models'

const userIds = IdMap.from([10, 20, 30])
const itemIds = IdMap.from([1, 2, 3, 4])

function rowOf(rows: { indptr: Int32Array; features: Int32Array; values: Float32Array }, r: number): [number, number][] {
  const out: [number, number][] = []
  for (let p = rows.indptr[r]; p < rows.indptr[r + 1]; p++) out.push([rows.features[p], rows.values[p]])
  return out
}

function dataError(fn: () => unknown): DataError {
  try {
    fn()
  } catch (e) {
    expect(e).toBeInstanceOf(DataError)
    return e as DataError
  }
  throw new Error('expected a DataError')
}

describe('FmFeatureBuilder', () => {
  it('id fields only by default: one feature per user and per item, value 1', () => {
    const f = new FmFeatureBuilder({ userIds, itemIds }).build()
    expect(f.dictionary.size).toBe(7)
    expect(f.users.numRows).toBe(3)
    expect(f.items.numRows).toBe(4)
    for (let u = 0; u < 3; u++)
      expect(rowOf(f.users, u)).toEqual([[f.dictionary.get(f.dictionary.fieldId('user'), String(userIds.external(u))), 1]])
    expect(f.dictionary.label(rowOf(f.items, 2)[0][0])).toBe('item:3')
    // The training maps are copied, not mutated.
    expect(userIds.size).toBe(3)
  })

  it('item metadata: genres (1/√n each), year buckets, tags with a minimum item count; unknown metadata items become cold items', () => {
    const fb = new FmFeatureBuilder({ userIds, itemIds })
    fb.addItemMeta({
      ids: [1, 2, 3, 99],
      genres: [['Drama', 'Comedy'], ['Drama'], [], ['Horror']],
      year: Int32Array.from([1995, 2003, 0, 1999]),
    })
    fb.addItemTags({ itemIds: [1, 2, 2, 3, 77], tags: ['Funny ', 'funny', 'dark', 'dark', 'x'] }, { minItems: 2 })
    const f = fb.build()
    expect(f.itemIds.size).toBe(5)
    expect(f.itemIds.external(4)).toBe(99)
    const labels = (r: number): string[] =>
      rowOf(f.items, r)
        .map(([m, x]) => `${f.dictionary.label(m)}=${x.toFixed(3)}`)
        .sort()
    expect(labels(0)).toEqual(['genre:Comedy=0.707', 'genre:Drama=0.707', 'item:1=1.000', 'tag:funny=1.000', 'year:1995-1999=1.000'])
    expect(labels(1)).toEqual(['genre:Drama=1.000', 'item:2=1.000', 'tag:dark=0.707', 'tag:funny=0.707', 'year:2000-2004=1.000'])
    expect(labels(2)).toEqual(['item:3=1.000', 'tag:dark=1.000'])
    expect(labels(3)).toEqual(['item:4=1.000'])
    expect(labels(4)).toEqual(['genre:Horror=1.000', 'item:99=1.000', 'year:1995-1999=1.000'])
  })

  it('user demographics: gender, age bucket, occupation', () => {
    const f = new FmFeatureBuilder({ userIds, itemIds })
      .addUserMeta({ ids: [20, 10], gender: ['F', 'M'], age: Int32Array.from([23, 0]), occupation: ['artist', ''] })
      .build()
    const labels = (r: number): string[] =>
      rowOf(f.users, r)
        .map(([m]) => f.dictionary.label(m))
        .sort()
    expect(labels(1)).toEqual(['age:18-24', 'gender:F', 'occupation:artist', 'user:20'])
    expect(labels(0)).toEqual(['gender:M', 'user:10'])
  })

  it('feature files: categorical `|` lists, numeric columns standardised, empty cells skipped, TSV detected', () => {
    const text = 'movieId\tkeywords\tbudget\tstudio:cat\n1\tspace|robots\t100\t7\n3\t\t300\t\n2\trobots\t\t7\n'
    const f = new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile('item', text, { source: 'items.tsv' }).build()
    const d = f.dictionary
    expect(d.fields.map((x) => `${x.name}:${x.type}`)).toEqual([
      'keywords:categorical',
      'budget:numeric',
      'studio:categorical',
      'user:categorical',
      'item:categorical',
    ])
    const budget = d.fields[d.fieldId('budget')]
    expect(budget.mean).toBe(200)
    expect(budget.std).toBeCloseTo(100, 9)
    const labels = (r: number): string[] =>
      rowOf(f.items, r)
        .map(([m, x]) => `${d.label(m)}=${x.toFixed(3)}`)
        .sort()
    expect(labels(0)).toEqual(['budget=-1.000', 'item:1=1.000', 'keywords:robots=0.707', 'keywords:space=0.707', 'studio:7=1.000'])
    expect(labels(2)).toEqual(['budget=1.000', 'item:3=1.000'])
    expect(labels(1)).toEqual(['item:2=1.000', 'keywords:robots=1.000', 'studio:7=1.000'])
  })

  it('feature files: unknownIds "add" makes cold users, "skip" drops them', () => {
    const text = 'userId,segment\n10,a\n40,b\n'
    const added = new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile('user', text, { unknownIds: 'add' }).build()
    expect(added.userIds.size).toBe(4)
    expect(added.users.numRows).toBe(4)
    const skipped = new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile('user', text, { unknownIds: 'skip' }).build()
    expect(skipped.userIds.size).toBe(3)
  })

  describe('bad feature files are DataErrors naming file, line and field', () => {
    const build =
      (text: string, side: 'user' | 'item' = 'item') =>
      () =>
        new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile(side, text, { source: 'f.csv' })
    it('unknown id', () => {
      const e = dataError(build('movieId,genre\n1,a\n42,b\n'))
      expect([e.source, e.line, e.field]).toEqual(['f.csv', 3, 'movieId'])
      expect(e.message).toMatch(/f\.csv line 3, field "movieId": unknown item id "42"/)
    })
    it('non-numeric value in a numeric column', () => {
      const e = dataError(build('movieId,budget\n1,10\n2,\n3,lots\n'))
      expect([e.line, e.field]).toEqual([4, 'budget'])
      expect(e.message).toMatch(/"lots" is not a finite number/)
      const d = dataError(build('movieId,budget:num\n1,abc\n'))
      expect([d.line, d.field]).toEqual([2, 'budget'])
    })
    it('wrong number of fields', () => {
      const e = dataError(build('movieId,a,b\n1,x,y\n2,x\n'))
      expect(e.line).toBe(3)
      expect(e.message).toMatch(/expected 3 fields/)
    })
    it('duplicate and empty ids', () => {
      expect(dataError(build('movieId,a\n1,x\n1,y\n')).message).toMatch(/line 3.*duplicate id "1"/)
      expect(dataError(build('movieId,a\n,x\n')).message).toMatch(/line 2.*empty id/)
    })
    it('missing header or feature columns, duplicate column', () => {
      expect(dataError(build('\n\n')).message).toMatch(/empty feature file/)
      expect(dataError(build('movieId\n1\n')).message).toMatch(/line 1: the header must name/)
      expect(dataError(build('movieId,a,a\n1,x,y\n')).field).toBe('a')
    })
    it('a field that exists on the other side', () => {
      const fb = new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile('user', 'userId,segment\n10,a\n')
      const e = dataError(() => fb.addFeatureFile('item', 'movieId,segment\n1,b\n', { source: 'items.csv' }))
      expect([e.source, e.line, e.field]).toEqual(['items.csv', 1, 'segment'])
    })
    it('a non-integer id in an integer-keyed map', () => {
      expect(dataError(build('movieId,a\nabc,x\n')).message).toMatch(/line 2.*not a valid item id/)
    })
  })
})

describe('FeatureDictionary', () => {
  it('round-trips through JSON with the same ids', () => {
    const f = new FmFeatureBuilder({ userIds, itemIds }).addFeatureFile('user', 'userId,age,segment\n10,30,a|b\n20,40,c\n').build()
    const back = FeatureDictionary.fromJSON(JSON.parse(JSON.stringify(f.dictionary.toJSON())))
    expect(back.size).toBe(f.dictionary.size)
    for (let m = 0; m < back.size; m++) expect(back.label(m)).toBe(f.dictionary.label(m))
    const a = featureRow(f.dictionary, 'user', { age: 35, segment: ['b', 'zzz'] })
    const b = featureRow(back, 'user', { age: 35, segment: ['b', 'zzz'] })
    expect(b).toEqual(a)
    // age 35 is the mean: standardised to 0; unknown value "zzz" is skipped.
    expect(Array.from(a.values)).toEqual([0, Math.fround(1 / Math.sqrt(2))])
    expect(() => featureRow(f.dictionary, 'user', { nope: 'x' })).toThrow(/unknown feature field "nope"/)
    expect(() => featureRow(f.dictionary, 'user', { item: '1' })).toThrow(/is a item field|item field/)
  })
})
