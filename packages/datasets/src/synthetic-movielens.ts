import { createRng } from '@decoy/core'
import { prngBelow, prngFloat } from '@decoy/core/kernels'
import { writeFileSet } from '@decoy/core/node'
import { generateSynthetic } from './synthetic.js'
import type { SyntheticData, SyntheticOptions } from './synthetic.js'

/** The 19 MovieLens genres (without "(no genres listed)"). */
export const MOVIELENS_GENRES: readonly string[] = [
  'Action',
  'Adventure',
  'Animation',
  'Children',
  'Comedy',
  'Crime',
  'Documentary',
  'Drama',
  'Fantasy',
  'Film-Noir',
  'Horror',
  'IMAX',
  'Musical',
  'Mystery',
  'Romance',
  'Sci-Fi',
  'Thriller',
  'War',
  'Western',
]

const ADJECTIVES = [
  'Silent',
  'Crimson',
  'Last',
  'Hidden',
  'Electric',
  'Lonely',
  'Golden',
  'Broken',
  'Wild',
  'Secret',
  'Endless',
  'Midnight',
]
const NOUNS = ['River', 'Garden', 'Machine', 'Empire', 'Harbor', 'Letter', 'Mountain', 'Promise', 'Voyage', 'Shadow', 'Kingdom', 'Summer']
const TAGS = [
  'atmospheric',
  'funny',
  'slow',
  'twist ending',
  'great soundtrack',
  'classic',
  'visually appealing',
  'dark, funny',
  'overrated',
]

/** Options of {@link writeSyntheticMovieLens}: the generator's options plus the tag rate. */
export interface SyntheticMovieLensOptions extends Omit<SyntheticOptions, 'ratings'> {
  /** Probability that an interaction also gets a tag row in `tags.csv` (default 0.05). */
  tagRate?: number
}

/** What {@link writeSyntheticMovieLens} wrote, plus the planted answer. */
export interface SyntheticMovieLensResult extends SyntheticData {
  /** The directory written. */
  dir: string
  /** Absolute paths of the files written (`ratings.csv`, `movies.csv`, `tags.csv`). */
  files: string[]
  /** Fake title per internal item id, as written to `movies.csv`. */
  titles: string[]
  /** Genres per internal item id, as written to `movies.csv`. */
  genres: string[][]
}

function csvField(s: string): string {
  return /[",\n\r]/.test(s) ? '"' + s.replace(/"/g, '""') + '"' : s
}

/**
 * Writes a synthetic dataset in the ml-latest-small layout (`ratings.csv`, `movies.csv`,
 * `tags.csv`, all with headers) into `dir`, for fixtures and the offline `--data synthetic` demo.
 *
 * Ratings are the generator's half-star ratings (`ratings: true`). Fake titles look like
 * `"Golden Harbor (1987)"`; some use the MovieLens `"Harbor, The (1987)"` form, which needs CSV
 * quoting. An item's first genre is fixed by its planted cluster, so genre ≈ cluster. Tags are
 * drawn for a `tagRate` share of the interactions, one second after the rating.
 *
 * @param dir - target directory (created when missing); each file is written atomically.
 * @param opts - generator options (seed required) and `tagRate`.
 * @returns the paths written, the planted clusters and the fake metadata.
 * @example
 * ```ts
 * const r = writeSyntheticMovieLens('/tmp/ml-synth', { users: 100, items: 80, seed: 1 })
 * loadInteractions('/tmp/ml-synth') // detected as ml-latest-small layout
 * ```
 * @remarks O(interactions); builds each file as one string in memory.
 */
export function writeSyntheticMovieLens(dir: string, opts: SyntheticMovieLensOptions): SyntheticMovieLensResult {
  const tagRate = opts.tagRate ?? 0.05
  if (!(tagRate >= 0 && tagRate <= 1)) throw new Error(`writeSyntheticMovieLens: tagRate must be in [0, 1], got ${tagRate}`)
  const data = generateSynthetic({ ...opts, ratings: true })
  const x = data.interactions
  const meta = createRng(opts.seed).fork('synthetic-movielens').state

  const titles: string[] = new Array<string>(x.numItems)
  const genres: string[][] = new Array<string[]>(x.numItems)
  const movieLines: string[] = ['movieId,title,genres']
  for (let i = 0; i < x.numItems; i++) {
    const year = 1950 + prngBelow(meta, 69)
    const adj = ADJECTIVES[prngBelow(meta, ADJECTIVES.length)]
    const noun = NOUNS[prngBelow(meta, NOUNS.length)]
    const title = prngFloat(meta) < 0.15 ? `${adj} ${noun}, The (${year})` : `${adj} ${noun} (${year})`
    const g = [MOVIELENS_GENRES[data.itemCluster[i] % MOVIELENS_GENRES.length]]
    if (prngFloat(meta) < 0.3) {
      const second = MOVIELENS_GENRES[prngBelow(meta, MOVIELENS_GENRES.length)]
      if (second !== g[0]) g.push(second)
    }
    titles[i] = title
    genres[i] = g
    movieLines.push(`${x.itemIds.external(i)},${csvField(title)},${g.join('|')}`)
  }

  const ratingLines: string[] = ['userId,movieId,rating,timestamp']
  const tagLines: string[] = ['userId,movieId,tag,timestamp']
  const w = x.weights!
  const t = x.times!
  for (let u = 0; u < x.numUsers; u++) {
    const userId = x.userIds.external(u)
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      const movieId = x.itemIds.external(x.items[j])
      ratingLines.push(`${userId},${movieId},${w[j].toFixed(1)},${t[j]}`)
      if (prngFloat(meta) < tagRate) tagLines.push(`${userId},${movieId},${csvField(TAGS[prngBelow(meta, TAGS.length)])},${t[j] + 1}`)
    }
  }

  // One set: a reader never finds ratings of one generation beside movies of another.
  const written = writeFileSet(dir, {
    'ratings.csv': ratingLines.join('\n') + '\n',
    'movies.csv': movieLines.join('\n') + '\n',
    'tags.csv': tagLines.join('\n') + '\n',
  })
  const files = [written['ratings.csv'], written['movies.csv'], written['tags.csv']]
  return { ...data, dir, files, titles, genres }
}
