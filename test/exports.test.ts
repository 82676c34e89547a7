/**
 * The public surface of every entry point: each export's name and kind. A change here is an API
 * change; review it, then update with `npx vitest run test/exports.test.ts -u`.
 * Types are erased at runtime, so only values appear (functions, classes, constants).
 */
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { builtinModules } from 'node:module'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')

/** The entry points snapshotted below. */
const SNAPSHOTTED = [
  '@decoy/core',
  '@decoy/core/arrow',
  '@decoy/core/node',
  '@decoy/core/kernels',
  '@decoy/samplers',
  '@decoy/samplers/registry',
  '@decoy/eval',
  '@decoy/models',
  '@decoy/models/kernels',
  '@decoy/models/browser',
  '@decoy/models/node',
  '@decoy/datasets',
  '@decoy/datasets/browser',
  '@decoy/cli',
  '@decoy/experiments',
]

/** `name → kind` for a module namespace, sorted by name; classes are told apart from functions. */
function surface(ns: Record<string, unknown>): Record<string, string> {
  const out: Record<string, string> = {}
  for (const name of Object.keys(ns).sort()) {
    const v = ns[name]
    out[name] =
      typeof v === 'function' && /^class[\s{]/.test(Function.prototype.toString.call(v)) ? 'class' : Array.isArray(v) ? 'array' : typeof v
  }
  return out
}

describe('exports', () => {
  it('@decoy/core', async () => {
    expect(surface(await import('@decoy/core'))).toMatchInlineSnapshot(`
      {
        "DataError": "class",
        "IdMap": "class",
        "MAX_ARRAY_ELEMENTS": "number",
        "ResourceError": "class",
        "TextLogReader": "class",
        "buildInteractions": "function",
        "checkAllocation": "function",
        "createBatch": "function",
        "createNegativeBuffer": "function",
        "createRng": "function",
        "dotScoreRow": "function",
        "dotScoreVector": "function",
        "dotTopK": "function",
        "formatBytes": "function",
        "identityIds": "function",
        "isFactorView": "function",
        "itemCounts": "function",
        "memoryBudget": "function",
        "nnz": "function",
        "parseCsvRecords": "function",
        "parseInteractions": "function",
        "parseJsonText": "function",
        "readInteractionsStream": "function",
        "recommendTopK": "function",
        "scorePairs": "function",
        "setMemoryBudget": "function",
        "shuffleInPlace": "function",
        "splitLeaveLast": "function",
        "splitRandom": "function",
        "splitTemporal": "function",
        "userCounts": "function",
        "userOfInteraction": "function",
      }
    `)
  })

  it('@decoy/core/arrow', async () => {
    expect(surface(await import('@decoy/core/arrow'))).toMatchInlineSnapshot(`
      {
        "ArrowLogBuilder": "class",
        "arrowIpcBatches": "function",
        "arrowTableFromColumns": "function",
        "interactionsFromArrow": "function",
        "interactionsToArrow": "function",
        "isArrowIpc": "function",
        "readArrowIpc": "function",
        "writeArrowIpc": "function",
      }
    `)
  })

  it('@decoy/core/kernels', async () => {
    expect(surface(await import('@decoy/core/kernels'))).toMatchInlineSnapshot(`
      {
        "aliasBuild": "function",
        "aliasDraw": "function",
        "axpy": "function",
        "containsSorted": "function",
        "dot": "function",
        "gemv": "function",
        "lowerBound": "function",
        "prngBelow": "function",
        "prngFloat": "function",
        "prngNext": "function",
        "prngNormal": "function",
        "selectTopK": "function",
      }
    `)
  })

  it('@decoy/core/node', async () => {
    expect(surface(await import('@decoy/core/node'))).toMatchInlineSnapshot(`
      {
        "OutputError": "class",
        "beginFileSet": "function",
        "dotTopKParallel": "function",
        "encodeInteractionsTsv": "function",
        "formatInteractionsTsv": "function",
        "isGzip": "function",
        "isParquet": "function",
        "listParquetParts": "function",
        "outputError": "function",
        "parquetBatches": "function",
        "readInteractions": "function",
        "readInteractionsFile": "function",
        "readSplit": "function",
        "settleFileSets": "function",
        "spawnWorker": "function",
        "writeFileAtomic": "function",
        "writeFileSet": "function",
        "writeInteractionsTsv": "function",
        "writeSplit": "function",
      }
    `)
  })

  it('@decoy/samplers', async () => {
    expect(surface(await import('@decoy/samplers'))).toMatchInlineSnapshot(`
      {
        "DEFAULT_MAX_TRIALS": "number",
        "SamplerStatsCounter": "class",
        "adaptiveSampler": "function",
        "allItemsSampler": "function",
        "buildExclusion": "function",
        "createSampler": "function",
        "cumulative": "function",
        "dynamicSampler": "function",
        "hardSampler": "function",
        "inBatchSampler": "function",
        "isPositive": "function",
        "mixedSampler": "function",
        "nthNonPositive": "function",
        "popularityLaw": "function",
        "popularitySampler": "function",
        "popularityWeights": "function",
        "positiveMass": "function",
        "randomSampler": "function",
        "recommendedPairing": "function",
        "samplerKinds": "array",
        "samplerPairings": "object",
        "sharedProposal": "function",
        "sharedSampler": "function",
        "splitDraws": "function",
        "uniformSampler": "function",
        "weightedNonPositive": "function",
      }
    `)
  })

  it('@decoy/samplers/registry', async () => {
    expect(surface(await import('@decoy/samplers/registry'))).toMatchInlineSnapshot(`
      {
        "createSampler": "function",
        "samplerKinds": "array",
      }
    `)
  })

  it('@decoy/eval', async () => {
    expect(surface(await import('@decoy/eval'))).toMatchInlineSnapshot(`
      {
        "HR": "number",
        "MAP": "number",
        "MRR": "number",
        "NDCG": "number",
        "NUM_RANK_METRICS": "number",
        "PRECISION": "number",
        "RANK_METRIC_NAMES": "array",
        "RECALL": "number",
        "SAMPLED_WARNING": "string",
        "chiSquare": "function",
        "chiSquareCounts": "function",
        "evaluate": "function",
        "evaluateAsync": "function",
        "gammaQ": "function",
        "gini": "function",
        "logGamma": "function",
        "pairedComparison": "function",
        "popularityRecommender": "function",
        "rankingMetrics": "function",
        "regularizedIncompleteBeta": "function",
        "singleRelevantMetrics": "function",
        "studentTCdf": "function",
        "studentTQuantile": "function",
        "summarize": "function",
        "totalVariation": "function",
      }
    `)
  })

  it('@decoy/models', async () => {
    expect(surface(await import('@decoy/models'))).toMatchInlineSnapshot(`
      {
        "AlternatingLeastSquares": "class",
        "FM_METADATA_FIELDS": "array",
        "FactorizationMachine": "class",
        "FeatureDictionary": "class",
        "FmFeatureBuilder": "class",
        "ITEM2VEC_DEFAULTS": "object",
        "Item2Vec": "class",
        "LightGcn": "class",
        "MODELS_VERSION": "string",
        "MatrixFactorization": "class",
        "alsDefaults": "object",
        "alternatingLeastSquares": "function",
        "checkOption": "function",
        "createModel": "function",
        "decodeModel": "function",
        "deserializeModel": "function",
        "encodeModel": "function",
        "factorizationMachine": "function",
        "featureRow": "function",
        "fitClassifier": "function",
        "fmDefaults": "object",
        "fmFeaturesFrom": "function",
        "item2vec": "function",
        "lightGcn": "function",
        "lightGcnDefaults": "object",
        "lossNames": "array",
        "matrixFactorization": "function",
        "mfDefaults": "object",
        "modelFamilies": "object",
        "modelFamily": "function",
        "modelKinds": "array",
        "optionFlag": "function",
        "sentencesByTime": "function",
        "validateOptions": "function",
        "wasmSimdSupported": "function",
      }
    `)
  })

  it('@decoy/models root stays small: at most 40 runtime names (kernels live in /kernels)', async () => {
    expect(Object.keys(await import('@decoy/models')).length).toBeLessThanOrEqual(40)
  })

  it('@decoy/models/kernels', async () => {
    expect(surface(await import('@decoy/models/kernels'))).toMatchInlineSnapshot(`
      {
        "ADAGRAD_EPS": "number",
        "AlsWasmKernel": "class",
        "CG_EPS": "number",
        "DotWasmKernel": "class",
        "FmWasmKernel": "class",
        "GemmArena": "class",
        "HP_BETA": "number",
        "HP_INV_TEMPERATURE": "number",
        "HP_LENGTH": "number",
        "HP_LOGQ": "number",
        "HP_MARGIN": "number",
        "HP_NEG_WEIGHT": "number",
        "ITEM_ID_FIELD": "string",
        "LOSS_BPR": "number",
        "LOSS_CCL": "number",
        "LOSS_GBCE": "number",
        "LOSS_LOGISTIC": "number",
        "LOSS_SOFTMAX": "number",
        "LOSS_WARP": "number",
        "MODEL_FORMAT": "string",
        "MODEL_FORMAT_VERSION": "number",
        "OPT_ADAGRAD": "number",
        "OPT_ADAGRAD_ROW": "number",
        "OPT_SGD": "number",
        "SCHEDULE_CONSTANT": "number",
        "SCHEDULE_LINEAR": "number",
        "SgnsWasmKernel": "class",
        "SharedStep": "class",
        "USER_ID_FIELD": "string",
        "accumulatorLength": "function",
        "adagradRow": "function",
        "adagradRow64": "function",
        "adagradRowwise": "function",
        "adagradRowwise64": "function",
        "ageBucket": "function",
        "allocDotScratch": "function",
        "allocFmScratch": "function",
        "alsLoss": "function",
        "alsWasmArrays": "function",
        "alsWasmSupported": "function",
        "basicOptimizerNames": "array",
        "bprGrad": "function",
        "bprSgdRange": "function",
        "buildHuffman": "function",
        "cclGrad": "function",
        "cgRows": "function",
        "cgScratch": "function",
        "checkPositiveInt": "function",
        "choleskyRows": "function",
        "choleskySolve": "function",
        "confidenceMatrices": "function",
        "createAlsWasmLayout": "function",
        "createDotScorer": "function",
        "createDotStepper": "function",
        "createDotWasmLayout": "function",
        "createEpochTracker": "function",
        "createFmScorer": "function",
        "createFmStepper": "function",
        "createFmWasmLayout": "function",
        "createSgnsLayout": "function",
        "createSharedStepper": "function",
        "dotStepRange": "function",
        "dotWasmArrays": "function",
        "dotWasmCovers": "function",
        "dotWasmSupported": "function",
        "fmClassifierStepRange": "function",
        "fmRowSum": "function",
        "fmRowSum32": "function",
        "fmRowUpdate": "function",
        "fmScoreNaive": "function",
        "fmScorePair": "function",
        "fmStepRange": "function",
        "fmWasmArrays": "function",
        "fmWasmCovers": "function",
        "fmWasmSupported": "function",
        "gbceBeta": "function",
        "gemmRef": "function",
        "gemmWasmSupported": "function",
        "gram": "function",
        "harmonic": "function",
        "hsProbability": "function",
        "hsStep": "function",
        "huffmanCode": "function",
        "idMapFromJson": "function",
        "idMapToJson": "function",
        "keepProbabilities": "function",
        "layoutArrays": "function",
        "logisticGrad": "function",
        "lossGrad": "function",
        "mergeFitConfig": "function",
        "mergeSamplerStats": "function",
        "optimizerCode": "function",
        "optimizerNames": "array",
        "resolveLoss": "function",
        "runShard": "function",
        "scalarUpdate": "function",
        "scheduleCode": "function",
        "scheduledRate": "function",
        "sgdRow": "function",
        "sgdRow64": "function",
        "sgnsStep": "function",
        "sharedLossCovers": "function",
        "sharedRunGrad": "function",
        "sigmoid": "function",
        "softmaxGrad": "function",
        "softplus": "function",
        "stepperFactory": "function",
        "trainLoop": "function",
        "trainerOptionSchema": "object",
        "warpGrad": "function",
      }
    `)
  })

  it('@decoy/models/browser', async () => {
    expect(surface(await import('@decoy/models/browser'))).toMatchInlineSnapshot(`
      {
        "MODEL_MIME_TYPE": "string",
        "deleteModelFromIndexedDb": "function",
        "downloadModel": "function",
        "listModelsInIndexedDb": "function",
        "loadModelFormat": "function",
        "loadModelFromFile": "function",
        "loadModelFromIndexedDb": "function",
        "modelFromBytes": "function",
        "modelToBlob": "function",
        "modelToBytes": "function",
        "saveModelToIndexedDb": "function",
      }
    `)
  })

  it('@decoy/models/node', async () => {
    expect(surface(await import('@decoy/models/node'))).toMatchInlineSnapshot(`
      {
        "createAlsPool": "function",
        "createPropagationPool": "function",
        "loadModel": "function",
        "runItem2VecParallel": "function",
        "runParallel": "function",
        "saveModel": "function",
      }
    `)
  })

  it('@decoy/datasets', async () => {
    expect(surface(await import('@decoy/datasets'))).toMatchInlineSnapshot(`
      {
        "DATASET_NAMES": "array",
        "INPUT_FORMATS": "array",
        "MANIFEST": "object",
        "MOVIELENS_GENRES": "array",
        "RATINGS_FILE": "object",
        "defaultCacheDir": "function",
        "detectLayout": "function",
        "downloadDataset": "function",
        "generateSynthetic": "function",
        "isDatasetName": "function",
        "layoutOf": "function",
        "loadDataset": "function",
        "loadInteractions": "function",
        "parseMovieLens": "function",
        "readMovieLens": "function",
        "readMovieLensZip": "function",
        "resolveDataset": "function",
        "writeSyntheticMovieLens": "function",
      }
    `)
  })

  it('@decoy/datasets/browser', async () => {
    expect(surface(await import('@decoy/datasets/browser'))).toMatchInlineSnapshot(`
      {
        "DATASET_NAMES": "array",
        "MANIFEST": "object",
        "RATINGS_FILE": "object",
        "generateSynthetic": "function",
        "isDatasetName": "function",
        "layoutOf": "function",
        "parseMovieLens": "function",
        "readMovieLensZip": "function",
      }
    `)
  })

  it('@decoy/cli', async () => {
    expect(surface(await import('@decoy/cli'))).toMatchInlineSnapshot(`
      {
        "InputError": "class",
        "UsageError": "class",
        "VERSION": "string",
        "captureIo": "function",
        "commands": "array",
        "dataStats": "function",
        "formatError": "function",
        "isUserError": "function",
        "main": "function",
        "processIo": "function",
      }
    `)
  })

  it('@decoy/experiments', async () => {
    expect(surface(await import('@decoy/experiments'))).toMatchInlineSnapshot(`
      {
        "BudgetError": "class",
        "ConfigError": "class",
        "SpaceError": "class",
        "TuneError": "class",
        "carveValidation": "function",
        "cellFileName": "function",
        "cellFingerprint": "function",
        "cellSampler": "function",
        "checkHalving": "function",
        "defaultSpace": "function",
        "defaultSpaces": "object",
        "diagnosticsSpec": "function",
        "expandCells": "function",
        "experimentCommand": "object",
        "experimentModelKinds": "array",
        "finalMetricSpec": "function",
        "finalRecords": "function",
        "fitConfig": "function",
        "leaderboard": "function",
        "leaderboardText": "function",
        "learningCurveSpec": "function",
        "loadExperimentData": "function",
        "meanStd": "function",
        "modelLabel": "function",
        "pairedAgainst": "function",
        "parseBudget": "function",
        "popularitySpec": "function",
        "readConfigFile": "function",
        "renderSvg": "function",
        "runCell": "function",
        "runExperiment": "function",
        "sampleConfig": "function",
        "samplerLabel": "function",
        "splitConfig": "function",
        "successiveHalving": "function",
        "summarize": "function",
        "trialsCsv": "function",
        "trialsPlotSpec": "function",
        "tune": "function",
        "validateConfig": "function",
        "validateSpace": "function",
        "writeReports": "function",
      }
    `)
  })

  it('covers every public entry point of every package (a new entry needs a snapshot here)', () => {
    const entries: string[] = []
    for (const name of readdirSync(join(ROOT, 'packages')).sort()) {
      const file = join(ROOT, 'packages', name, 'package.json')
      if (!existsSync(file)) continue
      const pkg = JSON.parse(readFileSync(file, 'utf8')) as { name: string; private?: boolean; exports?: Record<string, unknown> }
      if (pkg.private) continue
      for (const sub of Object.keys(pkg.exports ?? {})) if (sub !== './package.json') entries.push(pkg.name + sub.slice(1))
    }
    expect(entries.sort()).toEqual([...SNAPSHOTTED].sort())
  })

  it('the registry entry and the main samplers entry share one createSampler', async () => {
    const main = await import('@decoy/samplers')
    const registry = await import('@decoy/samplers/registry')
    expect(registry.createSampler).toBe(main.createSampler)
    expect(registry.samplerKinds).toBe(main.samplerKinds)
  })
})

/** Source file of a workspace entry such as `@decoy/core/arrow` (its `decoy-source` export). */
function entrySource(spec: string): string {
  const m = /^@decoy\/([^/]+)(\/.*)?$/.exec(spec)
  if (!m) throw new Error(`not a workspace entry: ${spec}`)
  const dir = join(ROOT, 'packages', m[1])
  const pkg = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { exports: Record<string, { 'decoy-source'?: string }> }
  const target = pkg.exports[m[2] ? '.' + m[2] : '.']?.['decoy-source']
  if (!target) throw new Error(`${spec}: no decoy-source export`)
  return join(dir, target)
}

const NODE_BUILTINS = new Set(builtinModules)

/**
 * Every module statically reachable from `file` (relative imports and `@decoy/*` entries; type-only
 * imports skipped), with the Node built-ins each one imports.
 */
function nodeImports(file: string): string[] {
  const seen = new Set<string>()
  const found: string[] = []
  const stack = [file]
  while (stack.length > 0) {
    const f = stack.pop()!
    if (seen.has(f)) continue
    seen.add(f)
    const text = readFileSync(f, 'utf8')
    const re = /^\s*(import|export)\s+(type\s+)?[^'";]*?from\s+['"]([^'"]+)['"]|^\s*import\s+['"]([^'"]+)['"]/gm
    for (let m = re.exec(text); m !== null; m = re.exec(text)) {
      if (m[2]) continue
      const spec = m[3] ?? m[4]
      if (spec.startsWith('node:') || NODE_BUILTINS.has(spec.split('/')[0])) found.push(`${f.slice(ROOT.length + 1)} imports ${spec}`)
      else if (spec.startsWith('.')) stack.push(resolve(dirname(f), spec).replace(/\.js$/, '.ts'))
      else if (spec.startsWith('@decoy/')) stack.push(entrySource(spec))
    }
  }
  return found
}

describe('browser-safe entries', () => {
  it.each([
    '@decoy/core',
    '@decoy/core/arrow',
    '@decoy/core/kernels',
    '@decoy/samplers',
    '@decoy/samplers/registry',
    '@decoy/models',
    '@decoy/models/kernels',
    '@decoy/models/browser',
    '@decoy/eval',
    '@decoy/datasets/browser',
  ])('%s reaches no node: module through static imports', (spec) => {
    expect(nodeImports(entrySource(spec))).toEqual([])
  })

  it('the Node entries do (the check sees node: imports)', () => {
    expect(nodeImports(entrySource('@decoy/core/node')).length).toBeGreaterThan(0)
    expect(nodeImports(entrySource('@decoy/models/node')).length).toBeGreaterThan(0)
  })
})
