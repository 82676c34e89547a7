export type { SyntheticOptions, SyntheticData } from './synthetic.js'
export { generateSynthetic } from './synthetic.js'
export type { SyntheticMovieLensOptions, SyntheticMovieLensResult } from './synthetic-movielens.js'
export { writeSyntheticMovieLens, MOVIELENS_GENRES } from './synthetic-movielens.js'
export type { DatasetName, MovieLensLayout, ManifestEntry } from './manifest.js'
export { MANIFEST, DATASET_NAMES, isDatasetName } from './manifest.js'
export type { Dataset, ItemMeta, UserMeta, TagRecords, ReadMovieLensOptions, MovieLensFiles } from './movielens.js'
export { parseMovieLens, layoutOf, RATINGS_FILE } from './movielens.js'
export { readMovieLens, detectLayout } from './movielens-dir.js'
export type { ReadMovieLensZipOptions } from './movielens-zip.js'
export { readMovieLensZip } from './movielens-zip.js'
export type { FetchLike, FetchResponseLike, DownloadOptions } from './download.js'
export { downloadDataset } from './download.js'
export type {
  LoadDatasetOptions,
  ResolvedDataset,
  InputFormat,
  LoadInteractionsOptions,
  InteractionsMeta,
  LoadedInteractions,
} from './load.js'
export { loadDataset, resolveDataset, loadInteractions, defaultCacheDir, INPUT_FORMATS } from './load.js'
