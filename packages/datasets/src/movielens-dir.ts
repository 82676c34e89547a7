/** MovieLens from a folder on disk (Node): the files of {@link parseMovieLens} read with `fs`. */
import { existsSync, readFileSync } from 'node:fs'
import { join } from 'node:path'
import type { MovieLensLayout } from './manifest.js'
import { type Dataset, layoutOf, type MovieLensFiles, parseMovieLens, type ReadMovieLensOptions } from './movielens.js'

/** The files of the release in `dir`. */
function folderFiles(dir: string): MovieLensFiles {
  return {
    read: (name) => {
      const p = join(dir, name)
      return existsSync(p) ? readFileSync(p) : null
    },
    source: (name) => join(dir, name),
  }
}

/**
 * Guesses the MovieLens layout of a directory from the files present (see {@link layoutOf}).
 *
 * @returns the layout, or null when the directory holds none of the ratings files.
 */
export function detectLayout(dir: string): MovieLensLayout | null {
  return layoutOf((name) => existsSync(join(dir, name)))
}

/**
 * Reads a MovieLens release from a directory in one of the official layouts (see
 * {@link parseMovieLens} for what is read).
 *
 * @param dir - the folder holding the files (e.g. `…/ml-latest-small`).
 * @param layout - which layout to read (see {@link detectLayout}).
 * @param opts - `minRating` for implicit feedback, `interactionsOnly` to skip metadata.
 * @returns the interactions plus whatever metadata the layout has.
 * @throws DataError naming the file, line and field on malformed input; Error when the ratings
 * file is missing.
 * @example
 * ```ts
 * const ml = readMovieLens('/data/ml-latest-small', 'ml-latest-small')
 * ml.items!.titles[0] // "Toy Story (1995)"
 * ```
 */
export function readMovieLens(dir: string, layout: MovieLensLayout, opts: ReadMovieLensOptions = {}): Dataset {
  return parseMovieLens(folderFiles(dir), layout, opts)
}
