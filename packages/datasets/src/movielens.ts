import { DataError, parseCsvRecords, parseInteractions } from '@decoy/core'
import type { Interactions, ParseOptions } from '@decoy/core'
import type { MovieLensLayout } from './manifest.js'

/**
 * Item metadata aligned with the internal item ids of the interactions: entry i describes internal
 * item i. Movies listed in the metadata file but never rated (or dropped by `minRating`) are not
 * in the id space and so not here; a rated movie missing from the metadata file gets `''`, `[]`, 0.
 */
export interface ItemMeta {
  /** External movie id per internal item (equals `interactions.itemIds.external(i)`). */
  ids: Int32Array
  /** Title per internal item, e.g. `"Toy Story (1995)"`. */
  titles: string[]
  /** Genres per internal item, e.g. `['Adventure', 'Animation']`; `[]` for "(no genres listed)". */
  genres: string[][]
  /** Release year per internal item (from the title, else the release date); 0 when unknown. */
  year: Int32Array
}

/** User demographics (ml-100k, ml-1m), aligned with internal user ids; `''`/0 when unknown. */
export interface UserMeta {
  /** External user id per internal user. */
  ids: Int32Array
  /** `'M'` or `'F'`. */
  gender: string[]
  /** Age in years (ml-100k) or the ml-1m age-group code (1, 18, 25, 35, 45, 50, 56). */
  age: Int32Array
  /** Occupation name (ml-1m codes are mapped to the names in its README). */
  occupation: string[]
  /** Zip code as written. */
  zip: string[]
}

/** Tag applications (ml-10m, ml-20m, ml-25m, ml-latest-small), in file order, external ids. */
export interface TagRecords {
  /** External user id per tag row. */
  userIds: Int32Array
  /** External movie id per tag row. */
  itemIds: Int32Array
  /** Tag text per row. */
  tags: string[]
  /** Unix time (seconds) per row. */
  times: Float64Array
}

/** A loaded MovieLens dataset. */
export interface Dataset {
  /** Dataset or layout name, e.g. `'ml-latest-small'`. */
  name: string
  /** Ratings as a CSR; `weights` are the ratings, `times` the timestamps. */
  interactions: Interactions
  /** Titles, genres and years, when the layout has a movies file. */
  items?: ItemMeta
  /** Demographics, when the layout has a users file. */
  users?: UserMeta
  /** Tag applications, when the layout has a tags file. */
  tags?: TagRecords
}

/** Options of {@link readMovieLens}. */
export interface ReadMovieLensOptions {
  /** Implicit feedback: keep only ratings `>= minRating` (default: every rating is a positive). */
  minRating?: number
  /** Skip the metadata files (movies, users, tags); default false. */
  interactionsOnly?: boolean
  /** Name to report (default: the layout). */
  name?: string
}

/** The file that holds the ratings in each layout family. */
export const RATINGS_FILE: Readonly<Record<MovieLensLayout, string>> = {
  'ml-100k': 'u.data',
  'ml-1m': 'ratings.dat',
  'ml-10m': 'ratings.dat',
  'ml-20m': 'ratings.csv',
  'ml-25m': 'ratings.csv',
  'ml-latest-small': 'ratings.csv',
}

/** ml-100k genre columns of `u.item`, in order (used when `u.genre` is absent). */
const GENRES_100K = [
  'unknown',
  'Action',
  'Adventure',
  'Animation',
  "Children's",
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
]

/** ml-1m occupation codes, from its README. */
const OCCUPATIONS_1M = [
  'other',
  'academic/educator',
  'artist',
  'clerical/admin',
  'college/grad student',
  'customer service',
  'doctor/health care',
  'executive/managerial',
  'farmer',
  'homemaker',
  'K-12 student',
  'lawyer',
  'programmer',
  'retired',
  'sales/marketing',
  'scientist',
  'self-employed',
  'technician/engineer',
  'tradesman/craftsman',
  'unemployed',
  'writer',
]

/**
 * The files of one MovieLens release, wherever they are: a folder on disk, a zip in memory.
 * Lets one parser serve Node (`readMovieLens`) and the browser (`readMovieLensZip`).
 */
export interface MovieLensFiles {
  /** The bytes of the file `name` (e.g. `ratings.csv`), or null when the release lacks it. */
  read(name: string): Uint8Array | null
  /** How errors name the file: a path, or `<zip>:<name>`. */
  source(name: string): string
}

/**
 * Guesses the MovieLens layout from the files present: `u.data` → ml-100k; `ratings.dat` with
 * `users.dat` → ml-1m, without → ml-10m; `ratings.csv` → the CSV layout (reported as
 * `ml-latest-small`, shared by ml-20m and ml-25m).
 *
 * @param has - whether the release holds a file of that name.
 * @returns the layout, or null when none of those files is present.
 */
export function layoutOf(has: (name: string) => boolean): MovieLensLayout | null {
  if (has('u.data')) return 'ml-100k'
  if (has('ratings.dat')) return has('users.dat') ? 'ml-1m' : 'ml-10m'
  if (has('ratings.csv')) return 'ml-latest-small'
  return null
}

/**
 * Parses a MovieLens release in one of the official layouts from its files (see
 * {@link MovieLensFiles}; `readMovieLens` reads a folder, `readMovieLensZip` a zip's bytes).
 *
 * Ratings go through `parseInteractions` (ids interned in order of first appearance, ratings as
 * weights, timestamps as times). Metadata is read when present: `u.item`/`u.user` (ml-100k,
 * pipe-separated, Latin-1), `movies.dat`/`users.dat`/`tags.dat` (`::`-separated; UTF-8, else
 * Latin-1), `movies.csv`/`tags.csv` (CSV with quoted titles).
 *
 * @param files - the release's files.
 * @param layout - which layout to read (see {@link layoutOf}).
 * @param opts - `minRating` for implicit feedback, `interactionsOnly` to skip metadata.
 * @returns the interactions plus whatever metadata the layout has.
 * @throws DataError naming the file, line and field on malformed input; Error when the ratings
 * file is missing.
 * @remarks O(file sizes); the ratings file is read into memory once.
 */
export function parseMovieLens(files: MovieLensFiles, layout: MovieLensLayout, opts: ReadMovieLensOptions = {}): Dataset {
  const ratingsName = RATINGS_FILE[layout]
  const ratingsPath = files.source(ratingsName)
  const ratingsBytes = files.read(ratingsName)
  if (ratingsBytes === null) {
    throw new Error(`readMovieLens: ${ratingsPath} not found; a ${layout} release must hold ${ratingsName}`)
  }
  const parse: ParseOptions = { source: ratingsPath, minRating: opts.minRating }
  if (layout === 'ml-100k') {
    parse.delimiter = '\t'
    parse.header = false
    parse.columns = { user: 0, item: 1, rating: 2, timestamp: 3 }
  } else if (layout === 'ml-1m' || layout === 'ml-10m') {
    parse.delimiter = '::'
    parse.header = false
    parse.columns = { user: 0, item: 1, rating: 2, timestamp: 3 }
  } else {
    parse.delimiter = ','
    parse.header = true
    parse.columns = { user: 'userId', item: 'movieId', rating: 'rating', timestamp: 'timestamp' }
  }
  const interactions = parseInteractions(ratingsBytes, parse)
  const out: Dataset = { name: opts.name ?? layout, interactions }
  if (opts.interactionsOnly) return out

  /** A present file as (source name, text), or null. */
  const file = (f: string): TextFile | null => {
    const bytes = files.read(f)
    return bytes === null ? null : { source: files.source(f), text: decodeText(bytes) }
  }
  if (layout === 'ml-100k') {
    const items = file('u.item')
    if (items) out.items = readItems100k(items, file('u.genre'), interactions)
    const users = file('u.user')
    if (users) out.users = readUsers(users, '|', interactions, false)
  } else if (layout === 'ml-1m' || layout === 'ml-10m') {
    const movies = file('movies.dat')
    if (movies) out.items = readMoviesDelimited(movies, interactions)
    const users = file('users.dat')
    if (users) out.users = readUsers(users, '::', interactions, true)
    const tags = file('tags.dat')
    if (tags) out.tags = readTagsDelimited(tags)
  } else {
    const movies = file('movies.csv')
    if (movies) out.items = readMoviesCsv(movies, interactions)
    const tags = file('tags.csv')
    if (tags) out.tags = readTagsCsv(tags)
  }
  return out
}

/** A metadata file's text and the name errors give it. */
interface TextFile {
  source: string
  text: string
}

/** Decodes as UTF-8, or as Latin-1 when the bytes are not valid UTF-8 (ml-100k, ml-1m). */
function decodeText(bytes: Uint8Array): string {
  try {
    return new TextDecoder('utf-8', { fatal: true }).decode(bytes)
  } catch {
    return new TextDecoder('latin1').decode(bytes)
  }
}

/** Non-blank lines with their 1-based line numbers. */
function lines(text: string): { text: string[]; line: Int32Array } {
  const raw = text.split('\n')
  const kept: string[] = []
  const at = new Int32Array(raw.length)
  for (let i = 0; i < raw.length; i++) {
    const l = raw[i].endsWith('\r') ? raw[i].slice(0, -1) : raw[i]
    if (l.trim().length === 0) continue
    at[kept.length] = i + 1
    kept.push(i === 0 && l.charCodeAt(0) === 0xfeff ? l.slice(1) : l)
  }
  return { text: kept, line: at }
}

function parseId(raw: string, source: string, line: number, field: string): number {
  const s = raw.trim()
  const v = Number(s)
  if (s.length === 0 || !Number.isInteger(v)) throw new DataError(`${JSON.stringify(raw)} is not an integer id`, { source, line, field })
  return v
}

function parseNum(raw: string, source: string, line: number, field: string): number {
  const s = raw.trim()
  const v = Number(s)
  if (s.length === 0 || !Number.isFinite(v)) throw new DataError(`${JSON.stringify(raw)} is not a finite number`, { source, line, field })
  return v
}

function yearOf(title: string): number {
  const m = /\((\d{4})(?:\s*[–-]\s*(?:\d{4})?)?\)\s*$/.exec(title)
  return m ? Number(m[1]) : 0
}

function emptyItemMeta(x: Interactions): ItemMeta {
  const n = x.numItems
  const ids = new Int32Array(n)
  for (let i = 0; i < n; i++) ids[i] = Number(x.itemIds.external(i))
  return { ids, titles: new Array<string>(n).fill(''), genres: Array.from({ length: n }, () => []), year: new Int32Array(n) }
}

function splitGenres(s: string): string[] {
  const t = s.trim()
  if (t.length === 0 || t === '(no genres listed)') return []
  return t.split('|')
}

function checkFields(f: string[], min: number, source: string, line: number, what: string): void {
  if (f.length < min)
    throw new DataError(`expected at least ${min} fields (${what}), found ${f.length}`, { source, line, field: `column ${f.length}` })
}

/** `u.item`: id|title|release date|video release date|IMDb URL|19 genre flags. */
function readItems100k(file: TextFile, genreFile: TextFile | null, x: Interactions): ItemMeta {
  let genreNames = GENRES_100K
  if (genreFile) {
    // u.genre: "name|index" per line.
    const g = lines(genreFile.text)
    const names: string[] = []
    for (let k = 0; k < g.text.length; k++) {
      const f = g.text[k].split('|')
      checkFields(f, 2, genreFile.source, g.line[k], 'name|index')
      names[parseId(f[1], genreFile.source, g.line[k], 'index')] = f[0]
    }
    if (names.length > 0) genreNames = names
  }
  const meta = emptyItemMeta(x)
  const l = lines(file.text)
  for (let k = 0; k < l.text.length; k++) {
    const f = l.text[k].split('|')
    const line = l.line[k]
    checkFields(f, 5 + genreNames.length, file.source, line, 'id|title|release date|video release date|URL|genre flags')
    const item = x.itemIds.get(parseId(f[0], file.source, line, 'movie id'))
    if (item < 0) continue
    const title = f[1].trim()
    meta.titles[item] = title
    const g: string[] = []
    for (let j = 0; j < genreNames.length; j++) {
      const flag = f[5 + j].trim()
      if (flag !== '0' && flag !== '1')
        throw new DataError(`genre flag ${JSON.stringify(flag)} is not 0 or 1`, { source: file.source, line, field: genreNames[j] })
      if (flag === '1' && genreNames[j] !== 'unknown') g.push(genreNames[j])
    }
    meta.genres[item] = g
    let year = yearOf(title)
    if (year === 0) {
      const d = /(\d{4})\s*$/.exec(f[2])
      if (d) year = Number(d[1])
    }
    meta.year[item] = year
  }
  return meta
}

/** `movies.dat`: MovieID::Title::Genres (ml-1m, ml-10m). */
function readMoviesDelimited(file: TextFile, x: Interactions): ItemMeta {
  const meta = emptyItemMeta(x)
  const l = lines(file.text)
  for (let k = 0; k < l.text.length; k++) {
    const f = l.text[k].split('::')
    checkFields(f, 3, file.source, l.line[k], 'MovieID::Title::Genres')
    const item = x.itemIds.get(parseId(f[0], file.source, l.line[k], 'MovieID'))
    if (item < 0) continue
    // A title never contains "::", so the genres are the last field.
    const title = f
      .slice(1, f.length - 1)
      .join('::')
      .trim()
    meta.titles[item] = title
    meta.genres[item] = splitGenres(f[f.length - 1])
    meta.year[item] = yearOf(title)
  }
  return meta
}

/** `movies.csv`: movieId,title,genres with a header and quoted titles. */
function readMoviesCsv(file: TextFile, x: Interactions): ItemMeta {
  const meta = emptyItemMeta(x)
  const recs = parseCsvRecords(file.text, { delimiter: ',', source: file.source })
  if (recs.length === 0) throw new DataError('empty file: expected a header movieId,title,genres', { source: file.source, line: 1 })
  const h = recs[0].map((s) => s.trim())
  const cId = h.indexOf('movieId')
  const cTitle = h.indexOf('title')
  const cGenres = h.indexOf('genres')
  if (cId < 0 || cTitle < 0) {
    throw new DataError(`header must name movieId and title, found ${JSON.stringify(recs[0].join(','))}`, {
      source: file.source,
      line: 1,
      field: cId < 0 ? 'movieId' : 'title',
    })
  }
  for (let r = 1; r < recs.length; r++) {
    const f = recs[r]
    // Record r is on line r + 1 unless a quoted field spans lines; close enough for messages.
    const line = r + 1
    if (f.length !== h.length)
      throw new DataError(`expected ${h.length} fields, found ${f.length}`, {
        source: file.source,
        line,
        field: `column ${Math.min(f.length, h.length)}`,
      })
    const item = x.itemIds.get(parseId(f[cId], file.source, line, 'movieId'))
    if (item < 0) continue
    const title = f[cTitle].trim()
    meta.titles[item] = title
    meta.genres[item] = cGenres >= 0 ? splitGenres(f[cGenres]) : []
    meta.year[item] = yearOf(title)
  }
  return meta
}

/** `u.user` (id|age|gender|occupation|zip) or `users.dat` (UserID::Gender::Age::Occupation::Zip). */
function readUsers(file: TextFile, delim: string, x: Interactions, ml1m: boolean): UserMeta {
  const n = x.numUsers
  const ids = new Int32Array(n)
  for (let u = 0; u < n; u++) ids[u] = Number(x.userIds.external(u))
  const meta: UserMeta = {
    ids,
    gender: new Array<string>(n).fill(''),
    age: new Int32Array(n),
    occupation: new Array<string>(n).fill(''),
    zip: new Array<string>(n).fill(''),
  }
  const l = lines(file.text)
  for (let k = 0; k < l.text.length; k++) {
    const f = l.text[k].split(delim)
    const line = l.line[k]
    checkFields(f, 5, file.source, line, ml1m ? 'UserID::Gender::Age::Occupation::Zip-code' : 'user id|age|gender|occupation|zip code')
    const user = x.userIds.get(parseId(f[0], file.source, line, ml1m ? 'UserID' : 'user id'))
    if (user < 0) continue
    if (ml1m) {
      meta.gender[user] = f[1].trim()
      meta.age[user] = parseId(f[2], file.source, line, 'Age')
      const occ = parseId(f[3], file.source, line, 'Occupation')
      meta.occupation[user] = occ >= 0 && occ < OCCUPATIONS_1M.length ? OCCUPATIONS_1M[occ] : String(occ)
    } else {
      meta.age[user] = parseId(f[1], file.source, line, 'age')
      meta.gender[user] = f[2].trim()
      meta.occupation[user] = f[3].trim()
    }
    meta.zip[user] = f[4].trim()
  }
  return meta
}

/** `tags.dat`: UserID::MovieID::Tag::Timestamp (ml-10m). */
function readTagsDelimited(file: TextFile): TagRecords {
  const l = lines(file.text)
  const n = l.text.length
  const out: TagRecords = { userIds: new Int32Array(n), itemIds: new Int32Array(n), tags: new Array<string>(n), times: new Float64Array(n) }
  for (let k = 0; k < n; k++) {
    const f = l.text[k].split('::')
    const line = l.line[k]
    checkFields(f, 4, file.source, line, 'UserID::MovieID::Tag::Timestamp')
    out.userIds[k] = parseId(f[0], file.source, line, 'UserID')
    out.itemIds[k] = parseId(f[1], file.source, line, 'MovieID')
    out.tags[k] = f.slice(2, f.length - 1).join('::')
    out.times[k] = parseNum(f[f.length - 1], file.source, line, 'Timestamp')
  }
  return out
}

/** `tags.csv`: userId,movieId,tag,timestamp with a header. */
function readTagsCsv(file: TextFile): TagRecords {
  const recs = parseCsvRecords(file.text, { delimiter: ',', source: file.source })
  if (recs.length === 0) throw new DataError('empty file: expected a header userId,movieId,tag,timestamp', { source: file.source, line: 1 })
  const h = recs[0].map((s) => s.trim())
  const cols = ['userId', 'movieId', 'tag', 'timestamp'].map((c) => h.indexOf(c))
  for (let c = 0; c < 4; c++) {
    if (cols[c] < 0)
      throw new DataError(`missing column; header is ${JSON.stringify(recs[0].join(','))}`, {
        source: file.source,
        line: 1,
        field: ['userId', 'movieId', 'tag', 'timestamp'][c],
      })
  }
  const n = recs.length - 1
  const out: TagRecords = { userIds: new Int32Array(n), itemIds: new Int32Array(n), tags: new Array<string>(n), times: new Float64Array(n) }
  for (let r = 1; r <= n; r++) {
    const f = recs[r]
    const line = r + 1
    if (f.length !== h.length)
      throw new DataError(`expected ${h.length} fields, found ${f.length}`, {
        source: file.source,
        line,
        field: `column ${Math.min(f.length, h.length)}`,
      })
    out.userIds[r - 1] = parseId(f[cols[0]], file.source, line, 'userId')
    out.itemIds[r - 1] = parseId(f[cols[1]], file.source, line, 'movieId')
    out.tags[r - 1] = f[cols[2]]
    out.times[r - 1] = parseNum(f[cols[3]], file.source, line, 'timestamp')
  }
  return out
}
