/**
 * Loads an experiment's train and test interactions: a dataset split by the config's rule, or
 * ready-made split files read in one id space.
 */
import { isAbsolute, resolve } from 'node:path'
import { IdMap, itemCounts, splitLeaveLast, splitRandom, splitTemporal, type Interactions } from '@decoy/core'
import { readInteractions } from '@decoy/core/node'
import { loadInteractions, type InteractionsMeta, type LoadInteractionsOptions } from '@decoy/datasets'
import type { ExperimentConfig } from './config.js'

/** The data every cell of an experiment trains and evaluates on. */
export interface ExperimentData {
  /** Training interactions. */
  train: Interactions
  /** Test interactions, in the training id space. */
  test: Interactions
  /** Titles etc. when the source has them. */
  meta?: InteractionsMeta
  /** Training count per item (popularity), for the recommended-popularity diagnostic. */
  popularity: Int32Array
  /** One line describing the data, for reports. */
  description: string
}

/** Options of {@link loadExperimentData}. */
export interface LoadDataOptions {
  /** Folder relative paths in the config are resolved against (default: the working directory). */
  baseDir?: string
  /** Dataset loading options (data dir, cache, download, env). */
  datasets?: LoadInteractionsOptions
}

/**
 * Loads and splits the experiment's data. Deterministic: the same config gives the same split.
 *
 * @param config - a validated config.
 * @param opts - base folder of relative paths, dataset options.
 * @returns train, test, metadata and item popularity.
 * @throws Error from the loaders (naming the file, line and field) or the split.
 */
export async function loadExperimentData(config: ExperimentConfig, opts: LoadDataOptions = {}): Promise<ExperimentData> {
  const base = opts.baseDir ?? process.cwd()
  const at = (p: string) => (isAbsolute(p) ? p : resolve(base, p))
  let train: Interactions
  let test: Interactions
  let meta: InteractionsMeta | undefined
  let description: string
  if (config.train !== undefined && config.test !== undefined) {
    const tr = await loadInteractions(at(config.train), { ...opts.datasets, minRating: config.minRating })
    train = tr.interactions
    meta = tr.meta
    const testPath = at(config.test)
    test = await readInteractions(testPath, {
      source: testPath,
      minRating: config.minRating,
      // Copies, so that reading the test file cannot grow the training maps.
      userIds: IdMap.from(train.userIds.toArray(), train.userIds.kind),
      itemIds: IdMap.from(train.itemIds.toArray(), train.itemIds.kind),
      unknownUsers: 'error',
    })
    description = `train ${config.train}, test ${config.test}`
  } else {
    const spec = config.dataset!
    const isSynthetic = spec === 'synthetic' || spec.startsWith('synthetic:')
    const looksLikePath = /[/\\]/.test(spec) || spec.startsWith('.')
    const r = await loadInteractions(looksLikePath && !isSynthetic ? at(spec) : spec, {
      ...opts.datasets,
      minRating: config.minRating,
      ...(isSynthetic ? { seed: 'synthetic' } : {}),
    })
    meta = r.meta
    const s = config.split!
    const split =
      s.strategy === 'random'
        ? splitRandom(r.interactions, { testFraction: s.testFraction, seed: s.seed, minInteractions: s.minInteractions })
        : s.strategy === 'leave-last'
          ? splitLeaveLast(r.interactions, { k: s.k, minInteractions: s.minInteractions })
          : splitTemporal(r.interactions, { cutTime: s.cutTime, testFraction: s.testFraction, minInteractions: s.minInteractions })
    train = split.train
    test = split.test
    description = `${spec}, ${s.strategy} split ${JSON.stringify(s)}`
  }
  const popularity = itemCounts(train)
  return { train, test, meta, popularity, description }
}
