export type {
  EvaluableModel,
  EvaluateArgs,
  EvaluateOptions,
  EvaluateAsyncOptions,
  EvalResult,
  SampledOptions,
  TopKRunner,
} from './evaluate.js'
export { evaluate, evaluateAsync, SAMPLED_WARNING } from './evaluate.js'
export type { PairedComparison, PairedOptions } from './paired.js'
export { pairedComparison } from './paired.js'
export type { PopularityRecommender } from './popularity.js'
export { popularityRecommender } from './popularity.js'
export { logGamma, regularizedIncompleteBeta, studentTCdf, studentTQuantile } from './student-t.js'
export { chiSquare, chiSquareCounts, gammaQ, gini, summarize, totalVariation } from './stats.js'
export type { ChiSquareCountsResult, ChiSquareResult, Summary } from './stats.js'
export {
  rankingMetrics,
  singleRelevantMetrics,
  RANK_METRIC_NAMES,
  NUM_RANK_METRICS,
  PRECISION,
  RECALL,
  NDCG,
  HR,
  MRR,
  MAP,
} from './kernels/ranking.js'
