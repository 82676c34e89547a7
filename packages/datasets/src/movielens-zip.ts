/**
 * MovieLens from a zip's bytes, with no file system: what a page does with the zip a user picked
 * (`<input type="file">`) or fetched. Browser-safe.
 */
import { unzipSync } from 'fflate'
import { type Dataset, layoutOf, parseMovieLens, type ReadMovieLensOptions } from './movielens.js'

/** The files the MovieLens layouts read; the rest of a zip is never inflated. */
const WANTED = new Set([
  'u.data',
  'u.item',
  'u.genre',
  'u.user',
  'ratings.dat',
  'movies.dat',
  'users.dat',
  'tags.dat',
  'ratings.csv',
  'movies.csv',
  'tags.csv',
])

/** Options of {@link readMovieLensZip}. */
export interface ReadMovieLensZipOptions extends ReadMovieLensOptions {
  /** How errors name the zip, e.g. the picked file's name (default `movielens.zip`). */
  source?: string
}

/** The last path component of a zip entry's name. */
function baseName(entry: string): string {
  const at = entry.lastIndexOf('/')
  return at < 0 ? entry : entry.slice(at + 1)
}

/**
 * Reads a MovieLens release from the bytes of its official zip (ml-latest-small, ml-100k, ml-1m,
 * ml-10m, ml-20m, ml-25m: one leading folder, as GroupLens ships them), detecting the layout from
 * the files inside. Only the files a layout reads are inflated.
 *
 * @param bytes - the zip file's bytes.
 * @param opts - `minRating`, `interactionsOnly`, `name` (default: the layout) and `source` (how
 * errors name the zip).
 * @returns the interactions plus whatever metadata the layout has (titles, genres, …).
 * @throws Error naming the zip when it is not a zip, or holds no MovieLens ratings file; DataError
 * naming `<zip>:<file>`, line and field on malformed content.
 * @example
 * ```ts
 * const file = input.files![0]
 * const ml = readMovieLensZip(new Uint8Array(await file.arrayBuffer()), { source: file.name })
 * ml.items!.titles[0] // "Toy Story (1995)"
 * ```
 * @remarks Holds the zip and the inflated files in memory at once (fine for ml-latest-small and
 * ml-1m in a page; in Node, `loadDataset` streams larger zips to disk instead).
 */
export function readMovieLensZip(bytes: Uint8Array, opts: ReadMovieLensZipOptions = {}): Dataset {
  const zipName = opts.source ?? 'movielens.zip'
  let entries: Record<string, Uint8Array>
  try {
    entries = unzipSync(bytes, { filter: (f) => WANTED.has(baseName(f.name)) && !f.name.startsWith('__MACOSX/') })
  } catch (e) {
    throw new Error(`${zipName}: not a readable zip (${(e as Error).message})`)
  }
  const files = new Map<string, Uint8Array>()
  const paths = new Map<string, string>()
  for (const [path, data] of Object.entries(entries)) {
    const name = baseName(path)
    // One release per zip: the shallowest copy of a name wins (ml-25m's zip has no nested copies).
    if (paths.has(name) && paths.get(name)!.split('/').length <= path.split('/').length) continue
    files.set(name, data)
    paths.set(name, path)
  }
  const layout = layoutOf((name) => files.has(name))
  if (layout === null) {
    throw new Error(`${zipName}: no MovieLens ratings file inside (expected ratings.csv, ratings.dat or u.data, as in ml-latest-small.zip)`)
  }
  return parseMovieLens(
    { read: (name) => files.get(name) ?? null, source: (name) => `${zipName}:${paths.get(name) ?? name}` },
    layout,
    opts,
  )
}
