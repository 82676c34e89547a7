/**
 * The contract every model family implements, and the descriptor a family registers with
 * (`modelFamilies` in `registry.ts`): what `createModel`, persistence, the worker threads, the CLI
 * and experiments know about a model, so that none of them imports a concrete one.
 */
import type { IdMap, Interactions, Recommender, TopK } from '@decoy/core'
import type { ModelHeader, StoredArray } from './persist/format.js'
import type { OptionSchema } from './schema.js'
import type { CommonFitOptions, FitResult, StepperFactory } from './train/types.js'

/** A model's JSON config: `kind` plus its options. `createModel(config)` builds it. */
export interface ModelConfig {
  /** Family key in the registry (`'mf'`, `'fm'`, `'item2vec'`). */
  kind: string
  [option: string]: unknown
}

/**
 * A trainable recommender: one training contract (`fit` with the shared options, one result type,
 * the same early stopping, `onEpoch`, workers and seed handling) and the query and persistence
 * methods every family offers.
 */
export interface Model extends Recommender {
  /** Registry key of the model's family. */
  readonly kind: string
  /** Resolved options (JSON). */
  readonly config: object
  /** External ⇄ internal user ids of the training data. */
  readonly userIds: IdMap
  /** External ⇄ internal item ids of the training data. */
  readonly itemIds: IdMap
  /** Trains on `train`; re-fitting starts from a fresh initialisation. */
  fit(train: Interactions, options: CommonFitOptions): Promise<FitResult>
  /** The k most similar items to each query item (the item itself excluded). */
  similarItems(items: Int32Array, k: number): TopK
  /** The model as a Decoy model file (Arrow IPC + JSON header); `deserializeModel` reads it. */
  serialize(): Uint8Array
}

/**
 * What a model family registers: its option schemas, its factory, its file decoder and the
 * stepper factories its training steps need on any thread. Adding a family is its folder plus one
 * line in `modelFamilies`.
 */
export interface ModelFamily<M extends Model = Model> {
  /** Registry key, also the `kind` in saved files. */
  readonly kind: string
  /** One line for `--help`. */
  readonly summary: string
  /** Options of the factory (validated, unknown keys rejected). */
  readonly options: OptionSchema
  /** Options of `fit` specific to the family (besides `CommonFitOptions`), e.g. `privateRows`. */
  readonly fitOptions: OptionSchema
  /** Builds an unfitted model from validated options. */
  create(options: Record<string, unknown>): M
  /** Rebuilds a fitted model from a decoded file. */
  decode(header: ModelHeader, arrays: Record<string, StoredArray>, source: string): M
  /** Stepper factories by kind, for the shared training loop and its worker threads. */
  readonly steppers?: Readonly<Record<string, StepperFactory>>
  /** Name of the training objective for reports, from the options (the loss, `'sgns'`, `'hs'`). */
  objective(options: Readonly<Record<string, unknown>>): string
  /** Options whose value the edge (CLI, experiments) builds from dataset metadata: `features`. */
  readonly metadataOptions?: readonly string[]
  /** Epochs a fit runs without `epochs`, when an option sets them (ALS's `iterations`); else `defaults.epochs`. */
  epochsFor?(options: Readonly<Record<string, unknown>>): number | undefined
  /** Defaults of the common `fit` options the edges show and check (progress bars, batch floors). */
  readonly defaults: { readonly epochs: number; readonly batchSize: number }
  /** Whether the options train through a negative sampler (item2vec's `'hs'` does not). */
  usesSampler(options: Readonly<Record<string, unknown>>): boolean
  /** Sampler kind the edges use when none is named (item2vec: `'popularity'`); none: required. */
  readonly defaultSampler?: string
  /**
   * Options of {@link defaultSampler} when the edges pick it (MF: `{ alpha: 0.3 }`); a sampler
   * named explicitly keeps its own defaults.
   */
  readonly defaultSamplerConfig?: Readonly<Record<string, unknown>>
  /**
   * Set by families that never sample (ALS): why. The edges then reject sampler, loss and
   * negatives settings with this reason instead of ignoring them.
   */
  readonly samplerless?: string
}
