/**
 * @decoy/testkit (private) — what several packages' tests share: goodness-of-fit helpers,
 * conformance suites and tiny generated fixtures.
 */
export { chiSquare, gammaQ, logGamma, totalVariation, type ChiSquareResult } from './chi-square.js'
export { describeSampler, type SamplerSuiteOptions } from './sampler-conformance.js'
export { csrFromRows, samplerFixture, fillBatch, itemIdScorer, linearFactorView, randomFactorView } from './fixtures.js'
export {
  describeRecommender,
  plantedSplit,
  recallAt,
  popularityRecall,
  type RecommenderSuiteOptions,
  type TrainableRecommender,
} from './recommender-conformance.js'
export { countDraws, type DrawCounts } from './draws.js'
