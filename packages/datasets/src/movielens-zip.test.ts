import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { strToU8, zipSync } from 'fflate'
import { afterAll, describe, expect, it } from 'vitest'
import { readMovieLens, writeSyntheticMovieLens } from '@decoy/datasets'
import { readMovieLensZip } from '@decoy/datasets/browser'

const root = mkdtempSync(join(tmpdir(), 'decoy-mlzip-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

/** A zip of the files of `dir` under one leading folder, as GroupLens ships its releases. */
function zipFolder(dir: string, folder: string, extra: Record<string, Uint8Array> = {}): Uint8Array {
  const files: Record<string, Uint8Array> = { ...extra }
  for (const f of readdirSync(dir)) files[`${folder}/${f}`] = readFileSync(join(dir, f))
  return zipSync(files)
}

describe('readMovieLensZip', () => {
  const dir = join(root, 'ml-latest-small')
  writeSyntheticMovieLens(dir, { users: 30, items: 50, clusters: 3, interactionsPerUser: [3, 10], tagRate: 0.2, seed: 4 })

  it('reads the same interactions, titles, genres and tags as the folder reader', () => {
    const fromDir = readMovieLens(dir, 'ml-latest-small')
    const fromZip = readMovieLensZip(zipFolder(dir, 'ml-latest-small', { 'ml-latest-small/README.txt': strToU8('licence') }))
    expect(fromZip.name).toBe('ml-latest-small')
    const a = fromDir.interactions
    const b = fromZip.interactions
    expect(Array.from(b.indptr)).toEqual(Array.from(a.indptr))
    expect(Array.from(b.items)).toEqual(Array.from(a.items))
    expect(Array.from(b.weights!)).toEqual(Array.from(a.weights!))
    expect(fromZip.items!.titles).toEqual(fromDir.items!.titles)
    expect(fromZip.items!.genres).toEqual(fromDir.items!.genres)
    expect(fromZip.tags!.tags).toEqual(fromDir.tags!.tags)
  })

  it('detects the ml-100k layout and applies minRating', () => {
    const zip = zipSync({ 'ml-100k/u.data': strToU8('1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t891717742\n') })
    const ml = readMovieLensZip(zip, { minRating: 4, name: 'tiny' })
    expect(ml.name).toBe('tiny')
    expect(ml.interactions.indptr[ml.interactions.numUsers]).toBe(2)
  })

  it('names the zip and the file on malformed content', () => {
    const zip = zipSync({
      'ml/ratings.csv': strToU8('userId,movieId,rating,timestamp\n1,2,3.0,4\n'),
      'ml/movies.csv': strToU8('id,title\n'),
    })
    expect(() => readMovieLensZip(zip, { source: 'picked.zip' })).toThrow(/picked\.zip:ml\/movies\.csv line 1, field "movieId"/)
  })

  it('refuses a zip without a ratings file and bytes that are not a zip, naming them', () => {
    expect(() => readMovieLensZip(zipSync({ 'x/README.txt': strToU8('nothing') }), { source: 'empty.zip' })).toThrow(
      /empty\.zip: no MovieLens ratings file inside/,
    )
    expect(() => readMovieLensZip(strToU8('not a zip at all'), { source: 'notes.txt' })).toThrow(/notes\.txt: not a readable zip/)
  })
})
