import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataError } from '@decoy/core'
import { detectLayout, readMovieLens, writeSyntheticMovieLens } from '@decoy/datasets'

const root = mkdtempSync(join(tmpdir(), 'decoy-ml-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

function dir(name: string, files: Record<string, string | Uint8Array>): string {
  const d = join(root, name)
  mkdirSync(d, { recursive: true })
  for (const [f, c] of Object.entries(files)) writeFileSync(join(d, f), c)
  return d
}

function latin1(s: string): Uint8Array {
  const out = new Uint8Array(s.length)
  for (let i = 0; i < s.length; i++) out[i] = s.charCodeAt(i)
  return out
}

const FLAGS = (on: number[]): string => Array.from({ length: 19 }, (_, j) => (on.includes(j) ? '1' : '0')).join('|')

// Fake ml-100k: three users, four movies (movie 4 is listed but never rated).
const ML100K = {
  'u.data': '1\t10\t5\t881250949\n1\t20\t3\t881250950\n2\t10\t4\t891717742\n3\t30\t1\t878887116\n2\t30\t2\t880606923\n',
  'u.item': latin1(
    `10|Fake Story (1995)|01-Jan-1995||http://x|${FLAGS([3, 4, 5])}\n` +
      `20|Café Noir (1982)|01-Jan-1982||http://x|${FLAGS([10])}\n` +
      `30|Untitled|05-Mar-1977||http://x|${FLAGS([0])}\n` +
      `40|Never Rated (2001)|01-Jan-2001||http://x|${FLAGS([8])}\n`,
  ),
  'u.user': '1|24|M|technician|85711\n2|53|F|other|94043\n3|23|M|writer|32067\n',
}

describe('readMovieLens ml-100k', () => {
  const d = dir('ml-100k', ML100K)
  it('detects the layout and reads ratings as weights with times', () => {
    expect(detectLayout(d)).toBe('ml-100k')
    const ml = readMovieLens(d, 'ml-100k')
    const x = ml.interactions
    expect(x.numUsers).toBe(3)
    expect(x.numItems).toBe(3)
    expect(x.indptr[3]).toBe(5)
    const u1 = x.userIds.get(1)
    const i20 = x.itemIds.get(20)
    let found = -1
    for (let j = x.indptr[u1]; j < x.indptr[u1 + 1]; j++) if (x.items[j] === i20) found = j
    expect(x.weights![found]).toBe(3)
    expect(x.times![found]).toBe(881250950)
  })
  it('reads titles (Latin-1), genres, years from u.item and demographics from u.user', () => {
    const ml = readMovieLens(d, 'ml-100k')
    const x = ml.interactions
    const items = ml.items!
    const i10 = x.itemIds.get(10)
    expect(items.ids[i10]).toBe(10)
    expect(items.titles[i10]).toBe('Fake Story (1995)')
    expect(items.genres[i10]).toEqual(['Animation', "Children's", 'Comedy'])
    expect(items.year[i10]).toBe(1995)
    expect(items.titles[x.itemIds.get(20)]).toBe('Café Noir (1982)')
    // No year in the title: taken from the release date; "unknown" genre is not a genre.
    expect(items.year[x.itemIds.get(30)]).toBe(1977)
    expect(items.genres[x.itemIds.get(30)]).toEqual([])
    expect(x.itemIds.has(40)).toBe(false)
    const users = ml.users!
    const u2 = x.userIds.get(2)
    expect([users.gender[u2], users.age[u2], users.occupation[u2], users.zip[u2]]).toEqual(['F', 53, 'other', '94043'])
  })
  it('applies minRating as an implicit threshold', () => {
    const ml = readMovieLens(d, 'ml-100k', { minRating: 4 })
    expect(ml.interactions.indptr[ml.interactions.numUsers]).toBe(2)
    expect(ml.interactions.numUsers).toBe(2)
  })
  it('names file, line and field for a malformed u.item', () => {
    const bad = dir('ml-100k-bad', { ...ML100K, 'u.item': `10|Fake (1995)|x||u|${FLAGS([1])}\n20|Short|x\n` })
    let err: unknown
    try {
      readMovieLens(bad, 'ml-100k')
    } catch (e) {
      err = e
    }
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).line).toBe(2)
    expect((err as DataError).message).toContain('u.item')
  })
})

describe('readMovieLens ml-1m and ml-10m', () => {
  it('reads ::-separated ratings, Latin-1 movies.dat and users.dat with mapped occupations', () => {
    const d = dir('ml-1m', {
      'ratings.dat': '1::1193::5::978300760\n1::661::3::978302109\n2::1193::4::978298413\n',
      'movies.dat': latin1(
        "1193::One Flew Over the Cuckoo's Nest (1975)::Drama\n661::James and the Giant Peach (1996)::Animation|Children's|Musical\n9::Zoë, The (1990)::Comedy\n",
      ),
      'users.dat': '1::F::1::10::48067\n2::M::56::16::70072\n',
    })
    expect(detectLayout(d)).toBe('ml-1m')
    const ml = readMovieLens(d, 'ml-1m')
    const x = ml.interactions
    expect([x.numUsers, x.numItems, x.indptr[x.numUsers]]).toEqual([2, 2, 3])
    const i = x.itemIds.get(661)
    expect(ml.items!.titles[i]).toBe('James and the Giant Peach (1996)')
    expect(ml.items!.genres[i]).toEqual(['Animation', "Children's", 'Musical'])
    const u = x.userIds.get(2)
    expect([ml.users!.gender[u], ml.users!.age[u], ml.users!.occupation[u]]).toEqual(['M', 56, 'self-employed'])
    expect(ml.users!.occupation[x.userIds.get(1)]).toBe('K-12 student')
  })
  it('reads ml-10m with tags.dat and no users file', () => {
    const d = dir('ml-10m', {
      'ratings.dat': '1::122::5::838985046\n1::185::4.5::838983525\n7::122::0.5::838983392\n',
      'movies.dat': '122::Boomerang (1992)::Comedy|Romance\n185::Net, The (1995)::Action|Crime|Thriller\n',
      'tags.dat': '15::4973::excellent!::1215184630\n20::1747::politics::1188263867\n',
    })
    expect(detectLayout(d)).toBe('ml-10m')
    const ml = readMovieLens(d, 'ml-10m')
    expect(ml.interactions.weights![ml.interactions.indptr[1] - 1]).toBe(4.5)
    expect(ml.items!.titles[ml.interactions.itemIds.get(185)]).toBe('Net, The (1995)')
    expect(ml.users).toBeUndefined()
    expect(ml.tags!.tags).toEqual(['excellent!', 'politics'])
    expect(Array.from(ml.tags!.itemIds)).toEqual([4973, 1747])
    expect(ml.tags!.times[1]).toBe(1188263867)
  })
})

describe('readMovieLens CSV layout (ml-latest-small, ml-20m, ml-25m)', () => {
  it('reads the synthetic ml-latest-small fixture with quoted titles and tags', () => {
    const d = join(root, 'ml-latest-small')
    const w = writeSyntheticMovieLens(d, { users: 40, items: 60, clusters: 4, interactionsPerUser: [3, 12], tagRate: 0.2, seed: 9 })
    expect(detectLayout(d)).toBe('ml-latest-small')
    const ml = readMovieLens(d, 'ml-latest-small')
    const x = ml.interactions
    expect(x.indptr[x.numUsers]).toBe(w.interactions.indptr[w.interactions.numUsers])
    expect(x.numUsers).toBe(40)
    // Every rated item's title round-trips, including the quoted "X, The (year)" ones.
    for (let i = 0; i < x.numItems; i++) {
      const ext = Number(x.itemIds.external(i))
      expect(ml.items!.titles[i]).toBe(w.titles[ext - 1])
      expect(ml.items!.genres[i]).toEqual(w.genres[ext - 1])
      expect(ml.items!.year[i]).toBe(Number(/\((\d{4})\)$/.exec(w.titles[ext - 1])![1]))
    }
    expect(w.titles.some((t) => t.includes(', The'))).toBe(true)
    expect(ml.tags!.tags.length).toBeGreaterThan(0)
    // Ratings survive as weights: compare sums.
    const sum = (a: Float32Array): number => a.reduce((s, v) => s + v, 0)
    expect(sum(x.weights!)).toBeCloseTo(sum(w.interactions.weights!), 3)
  })
  it('errors naming movies.csv when its header lacks movieId', () => {
    const d = dir('csv-bad', {
      'ratings.csv': 'userId,movieId,rating,timestamp\n1,2,3.0,4\n',
      'movies.csv': 'id,title,genres\n2,X (1990),Drama\n',
    })
    expect(() => readMovieLens(d, 'ml-latest-small')).toThrow(/movies\.csv line 1, field "movieId"/)
  })
  it('errors when the ratings file is missing', () => {
    const d = dir('empty', { 'README.txt': 'nothing' })
    expect(detectLayout(d)).toBeNull()
    expect(() => readMovieLens(d, 'ml-1m')).toThrow(/ratings\.dat not found/)
  })
})
