export type {
  Interactions,
  Batch,
  NegativeBuffer,
  SharedNegatives,
  Scorer,
  FactorView,
  SamplerConfig,
  SamplerContext,
  SamplerStats,
  NegativeSampler,
  TopK,
  Recommender,
  DotFactors,
} from './contracts.js'
export { isFactorView, scorePairs } from './contracts.js'
export type { ExternalId } from './id-map.js'
export { IdMap } from './id-map.js'
export type { Rng } from './rng.js'
export { createRng, shuffleInPlace } from './rng.js'
export type { DuplicatePolicy, InteractionColumns, BuildOptions } from './interactions.js'
export { identityIds, itemCounts, userCounts, nnz, userOfInteraction } from './interactions.js'
export { buildInteractions } from './build-csr.js'
export { createNegativeBuffer, createBatch } from './buffers.js'
// Kernels (PRNG, alias tables, sorted search, dot/axpy/gemv, top-k) live in @decoy/core/kernels.
export type { ExclusionRows, DotTopKOptions } from './dot-topk.js'
export { dotTopK, dotScoreRow, dotScoreVector } from './dot-topk.js'
export type { FullScorer } from './recommend.js'
export { recommendTopK } from './recommend.js'
export type { DataErrorLocation } from './errors.js'
export { DataError } from './errors.js'
export type { ParseOptions, CsvRecordOptions, Delimiter, ColumnRef } from './text/index.js'
export { parseInteractions, parseCsvRecords, TextLogReader, readInteractionsStream } from './text/index.js'
export type { Split, RandomSplitOptions, LeaveLastOptions, TemporalSplitOptions } from './split/index.js'
export { splitRandom, splitLeaveLast, splitTemporal } from './split/index.js'
export type { AllocationPart } from './memory.js'
export { ResourceError, checkAllocation, memoryBudget, setMemoryBudget, formatBytes, MAX_ARRAY_ELEMENTS } from './memory.js'
export type { JsonSyntaxProblem } from './json-text.js'
export { parseJsonText } from './json-text.js'
