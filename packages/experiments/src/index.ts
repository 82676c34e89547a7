/**
 * `@decoy/experiments` (Node only): experiments that swap samplers while holding everything else
 * fixed. A JSON config names the data, the split and a grid of models × samplers × losses × seeds
 * under one budget; every cell is recorded atomically (interrupted runs resume), cells may run in
 * worker threads, and the results come out as JSON, CSV, Markdown and vega-lite SVG plots.
 */
export { runExperiment, readConfigFile, cellFingerprint, type RunExperimentOptions, type ExperimentResult } from './run.js'
export {
  validateConfig,
  expandCells,
  modelLabel,
  samplerLabel,
  experimentModelKinds,
  cellSampler,
  ConfigError,
  type ExperimentConfig,
  type ModelSpec,
  type SamplerSpec,
  type SplitConfig,
  type BudgetConfig,
  type CellSpec,
} from './config.js'
export { loadExperimentData, type ExperimentData, type LoadDataOptions } from './data.js'
export { runCell, cellFileName, type CellRecord, type CurvePoint, type EpochRecord, type CellTiming, type RunCellInput } from './cell.js'
export {
  writeReports,
  summarize,
  pairedAgainst,
  meanStd,
  type ReportFiles,
  type PairedRow,
  type CellSummary,
  type MeanStd,
  type ReportOptions,
} from './report.js'
export { renderSvg, learningCurveSpec, finalMetricSpec, diagnosticsSpec, popularitySpec } from './plots.js'
export { experimentCommand, type ExperimentArgs, type ExperimentContext } from './command.js'
export {
  tune,
  carveValidation,
  trialsCsv,
  leaderboardText,
  trialsPlotSpec,
  TuneError,
  type TuneOptions,
  type TuneResult,
  type TuneProgress,
} from './tune/tune.js'
export {
  successiveHalving,
  leaderboard,
  finalRecords,
  checkHalving,
  type TrialTask,
  type TrialOutcome,
  type TrialRecord,
  type HalvingOptions,
} from './tune/halving.js'
export { defaultSpace, defaultSpaces, validateSpace, sampleConfig, SpaceError, type SearchSpace, type Dimension } from './tune/space.js'
export { parseBudget, BudgetError, type TuneBudget } from './tune/budget.js'
export { fitConfig, splitConfig } from './tune/trial.js'
