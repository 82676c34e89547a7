/**
 * `@decoy/datasets/browser`: the parts of the package that need no file system — the planted
 * synthetic generator, MovieLens from a zip's bytes, and the manifest of releases. A page imports
 * this entry; `@decoy/datasets` adds the Node readers (folders, downloads, the cache).
 * @packageDocumentation
 */
export type { SyntheticOptions, SyntheticData } from './synthetic.js'
export { generateSynthetic } from './synthetic.js'
export type { DatasetName, MovieLensLayout, ManifestEntry } from './manifest.js'
export { MANIFEST, DATASET_NAMES, isDatasetName } from './manifest.js'
export type { Dataset, ItemMeta, UserMeta, TagRecords, ReadMovieLensOptions, MovieLensFiles } from './movielens.js'
export { parseMovieLens, layoutOf, RATINGS_FILE } from './movielens.js'
export type { ReadMovieLensZipOptions } from './movielens-zip.js'
export { readMovieLensZip } from './movielens-zip.js'
