import { IdMap, dotScoreVector, type DotFactors, type FactorView, type Interactions, type TopK } from '@decoy/core'
import { createDotScorer } from './dot-scorer.js'
import { recommendTopK, type RankScratch } from './recommend.js'
import { cosineSimilarItems } from './similar.js'
import { checkPositiveInt } from './train/fit.js'
import type { FitResult } from './train/types.js'
import { MODELS_VERSION, encodeModel, idMapFromJson, idMapToJson, type ModelHeader, type StoredArray } from './persist/format.js'

const EMPTY_F32 = new Float32Array(0)

/**
 * What MF, ALS and LightGCN share once trained: a user and an item factor matrix scored by dot
 * product (plus an optional item bias), the training rows for `excludeSeen`, the id maps, and the
 * query and persistence methods built on them. A family supplies `fit`, its config and, when its
 * scores are more than `p_u·q_i`, the `itemBiasRow` hook or overrides of
 * `scoreAll`/`factors`/`scorer` (MF's cosine mode).
 *
 * Files written by a subclass hold the arrays of `storedParameters` (by default `userFactors`,
 * `itemFactors`), then `seenIndptr`, `seenItems`, and a header with the config, seed, id maps
 * and sizes; `restoreParameters` reads the former back.
 */
export abstract class DotProductModel<C extends { dim: number }> {
  /** Registry key of the family, also the `kind` of saved files. */
  abstract readonly kind: string
  /** Resolved configuration. */
  readonly config: C
  /** Seed of the fit that produced the parameters (null before). */
  seed: string | null = null
  /**
   * `[numUsers * dim]` user factors. After a fit with a WebAssembly kernel this and `itemFactors`
   * are views of the kernel's memory (the samplers' live scorer reads the same arrays).
   */
  userFactors: Float32Array = EMPTY_F32
  /** `[numItems * dim]` item factors. */
  itemFactors: Float32Array = EMPTY_F32
  /** Users known to the model. */
  numUsers = 0
  /** Items known to the model. */
  numItems = 0
  /** User id map of the training data. */
  userIds: IdMap = new IdMap()
  /** Item id map of the training data. */
  itemIds: IdMap = new IdMap()
  /** Row pointers of the training items per user (for `excludeSeen`). */
  seenIndptr: Int32Array = new Int32Array(1)
  /** Training items per user (for `excludeSeen`). */
  seenItems: Int32Array = new Int32Array(0)
  /** Summary of the last `fit` (null before). */
  lastFit: FitResult | null = null
  /** The score row and k-heap of user-by-user ranking, kept between calls (the heap grows on demand). */
  private rankScratch: RankScratch = { scores: EMPTY_F32, heapItems: new Int32Array(0), heapScores: new Float64Array(0) }

  constructor(config: C) {
    this.config = config
  }

  /** Factor dimension. */
  get dim(): number {
    return this.config.dim
  }

  /** @internal The item bias added to every dot product (default none); MF's when it learns biases. */
  protected itemBiasRow(): Float32Array | null {
    return null
  }

  /**
   * @internal The parameter arrays a file stores before the seen rows, in order: by default the
   * factors (MF adds `itemBias`; LightGCN stores E⁰ and the final embeddings its factors view).
   */
  protected storedParameters(): Record<string, StoredArray> {
    return { userFactors: this.userFactors, itemFactors: this.itemFactors }
  }

  /**
   * @internal Adopts the arrays of `storedParameters` from a decoded file (sizes already set).
   * @throws Error naming `source` when the factors are missing or mis-sized.
   */
  protected restoreParameters(arrays: Record<string, StoredArray>, source: string, label: string): void {
    const dim = this.config.dim
    const { userFactors, itemFactors } = arrays
    if (
      !(userFactors instanceof Float32Array) ||
      !(itemFactors instanceof Float32Array) ||
      userFactors.length !== this.numUsers * dim ||
      itemFactors.length !== this.numItems * dim
    ) {
      throw new Error(`${source}: ${label} factor arrays do not match ${this.numUsers} users × ${this.numItems} items × dim ${dim}`)
    }
    this.userFactors = userFactors
    this.itemFactors = itemFactors
  }

  /** @internal Takes the sizes, id maps and training rows of `train` and sizes the score row (at the start of a fit). */
  protected adoptTraining(train: Interactions): void {
    this.numUsers = train.numUsers
    this.numItems = train.numItems
    this.userIds = train.userIds
    this.itemIds = train.itemIds
    this.seenIndptr = train.indptr
    this.seenItems = train.items
    this.rankScratch.scores = new Float32Array(train.numItems)
  }

  /** Live scorer over the current parameters (a `FactorView`). */
  scorer(): FactorView {
    return createDotScorer(this.userFactors, this.itemFactors, this.itemBiasRow() ?? EMPTY_F32, this.config.dim, 0)
  }

  /**
   * Writes the score of every item for `user` into `out[0..numItems)`.
   * @remarks O(numItems·dim), allocates nothing.
   */
  scoreAll(user: number, out: Float32Array): void {
    const dim = this.config.dim
    // Float32 accumulation in order, as the blocked kernel of factors() ranks (see DotFactors).
    dotScoreVector(this.userFactors, user * dim, 0, this.itemFactors, this.itemBiasRow(), this.numItems, dim, out)
  }

  /**
   * The model's factors for blocked ranking (`dotTopK`): `score = p_u·q_i (+ b_i)`, exactly as
   * `scoreAll` computes it. Null before a fit.
   */
  factors(): DotFactors | null {
    if (this.numItems === 0) return null
    return {
      dim: this.config.dim,
      numUsers: this.numUsers,
      numItems: this.numItems,
      userFactors: this.userFactors,
      itemFactors: this.itemFactors,
      itemBias: this.itemBiasRow(),
    }
  }

  /**
   * Top-k items for each user; `excludeSeen` (default true) masks the user's training items.
   * @returns a `TopK` with one row per user (-1 padded when fewer than k items remain).
   * @throws RangeError for a user outside the model.
   */
  recommend(users: Int32Array, k: number, opts: { excludeSeen?: boolean } = {}): TopK {
    this.ensureFitted('recommend')
    const seen = { indptr: this.seenIndptr, items: this.seenItems }
    return recommendTopK(this, seen, users, k, opts.excludeSeen !== false, this.rankScratch)
  }

  /**
   * The k items most similar to each query item by cosine of item factors, the item itself
   * excluded (the blocked kernel over unit-length rows).
   * @remarks O(numItems·dim) per query after one O(numItems·dim) pass for the unit rows.
   */
  similarItems(items: Int32Array, k: number): TopK {
    this.ensureFitted('similarItems')
    checkPositiveInt('k', k)
    return cosineSimilarItems(this.itemFactors, this.numItems, this.config.dim, items, k)
  }

  /** Encodes the model (factors, id maps, seen items, config) as Arrow IPC bytes. */
  serialize(): Uint8Array {
    this.ensureFitted('serialize')
    const arrays: Record<string, StoredArray> = {
      ...this.storedParameters(),
      seenIndptr: this.seenIndptr,
      seenItems: this.seenItems,
    }
    const header: Omit<ModelHeader, 'arrays' | 'format' | 'formatVersion'> = {
      kind: this.kind,
      config: { ...this.config },
      seed: this.seed,
      versions: { '@decoy/models': MODELS_VERSION },
      userIds: idMapToJson(this.userIds),
      itemIds: idMapToJson(this.itemIds),
      extra: { numUsers: this.numUsers, numItems: this.numItems },
    }
    return encodeModel(header, arrays)
  }

  /**
   * Writes the model to `path` atomically (temp file + rename). Node only: loads
   * `@decoy/core/node` on demand; use `serialize` elsewhere.
   */
  async save(path: string): Promise<void> {
    const spec = '@decoy/core/node'
    const { writeFileAtomic } = (await import(/* @vite-ignore */ spec)) as { writeFileAtomic(p: string, d: Uint8Array): void }
    writeFileAtomic(path, this.serialize())
  }

  /**
   * @internal Fills a fresh model from a decoded file: seed, sizes, parameters, seen rows, id maps.
   * @param label - family name in errors (`'MF'`).
   * @throws Error naming `source` when the id maps, sizes or parameters are missing or mis-sized.
   */
  protected restore(header: ModelHeader, arrays: Record<string, StoredArray>, source: string, label: string): void {
    this.seed = header.seed
    const extra = header.extra as { numUsers: number; numItems: number } | undefined
    if (!extra || !header.userIds || !header.itemIds) throw new Error(`${source}: ${label} model file lacks its id maps or sizes`)
    this.numUsers = extra.numUsers
    this.numItems = extra.numItems
    this.restoreParameters(arrays, source, label)
    this.seenIndptr = arrays.seenIndptr as Int32Array
    this.seenItems = arrays.seenItems as Int32Array
    this.userIds = idMapFromJson(header.userIds)
    this.itemIds = idMapFromJson(header.itemIds)
    this.rankScratch.scores = new Float32Array(this.numItems)
  }

  /** @internal Throws naming `what` before a fit or load. */
  protected ensureFitted(what: string): void {
    if (this.numItems === 0) throw new Error(`${what}: the model has not been fitted or loaded`)
  }
}
