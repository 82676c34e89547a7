export type { SyntheticOptions, SyntheticData } from './synthetic.js'
export { generateSynthetic } from './synthetic.js'
export type { SyntheticMovieLensOptions, SyntheticMovieLensResult } from './synthetic-movielens.js'
export { writeSyntheticMovieLens, MOVIELENS_GENRES } from './synthetic-movielens.js'
