/**
 * @decoy/testkit (private) — what several packages' tests share: goodness-of-fit helpers,
 * conformance suites and tiny generated fixtures.
 */
// Statistics live in @decoy/eval; re-exported for the statistical tests.
export { chiSquare, gammaQ, logGamma, totalVariation, type ChiSquareResult } from '@decoy/eval'
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
export { candidatePairs, expectScoresAgree, scoreItemsOneByOne } from './scoring.js'
