/**
 * `@decoy/models`: models trained through any negative sampler. Browser-safe: Node-only code
 * (worker threads, file I/O) is in `@decoy/models/node`.
 */
export * from './losses/index.js'
export * from './optim/index.js'
export * from './train/index.js'
export * from './mf/index.js'
export * from './item2vec/index.js'
export * from './fm/index.js'
export * from './als/index.js'
export * from './persist/index.js'
