/**
 * The contracts every Decoy package agrees on. Samplers and models implement them; neither imports
 * the other. See DESIGN.md ("Contracts").
 */
import type { IdMap } from './id-map.js'
import type { Rng } from './rng.js'

/**
 * A user-major CSR interaction log. Items are sorted ascending and unique within each user row,
 * so `containsSorted` (binary search) can test membership.
 */
export interface Interactions {
  /** Number of users (rows). */
  readonly numUsers: number
  /** Number of items (columns); item ids run over `[0, numItems)`. */
  readonly numItems: number
  /** Row pointers, length `numUsers + 1`: items of user u are `items[indptr[u] .. indptr[u+1])`. */
  readonly indptr: Int32Array
  /** Internal item ids, sorted ascending within each user. */
  readonly items: Int32Array
  /** Optional weight per interaction (rating, count), aligned with `items`. */
  readonly weights?: Float32Array
  /** Optional timestamp per interaction (seconds), aligned with `items`. */
  readonly times?: Float64Array
  /** External ⇄ internal user ids. */
  readonly userIds: IdMap
  /** External ⇄ internal item ids. */
  readonly itemIds: IdMap
}

/** A batch of training positives: slot s is the pair (users[s], positives[s]). */
export interface Batch {
  /** Number of live slots (≤ the arrays' capacity). */
  size: number
  /** Internal user id per slot. */
  users: Int32Array
  /** Internal positive item id per slot. */
  positives: Int32Array
}

/**
 * Sampler output read by loss kernels. Allocated once with {@link createNegativeBuffer}, reused
 * every step.
 */
export interface NegativeBuffer {
  /** Draws per slot. */
  readonly k: number
  /** Slot capacity. */
  readonly capacity: number
  /** `[capacity * k]` negative item ids; slot s owns `items[s*k .. s*k+k)`. -1 = masked. */
  readonly items: Int32Array
  /** `[capacity * k]` natural-log probability of the proposal that drew the item, after exclusion. */
  readonly logQ: Float32Array
  /** `[capacity]` draws spent per slot (WARP's rank estimate uses it); 1 for non-adaptive samplers. */
  readonly trials: Int32Array
  /**
   * Negatives shared by every slot of the batch, set by samplers whose `requires.shared` is set
   * (`shared`, `all`); null or absent otherwise. The sampler owns the block and points this field
   * at it on every `sample` call, so a model that reads it scores the batch as one
   * [rows × dim]·[dim × count] product instead of k dot products per slot.
   */
  shared?: SharedNegatives | null
}

/**
 * One batch's shared negatives: `count` draws from a proposal q over all items, each slot's own
 * known positives among them masked as accidental hits.
 *
 * Exclusion is by masking, and exact: slot s trains on draw p only when `items[p]` is not a training
 * positive of its user; the masked positions of slot s are `hits[hitStart[s] .. hitEnd[s])`
 * (consecutive slots of the same user share one range). `logQ[p]` is log q(items[p]) of the
 * proposal *before* exclusion, so that (1/count)·Σ over unmasked draws of e^{s_j}/q_j is an unbiased
 * estimate of Σ_{j ∉ I_u⁺} e^{s_j}: a sampled softmax subtracts log(count·q_j) from each logit.
 * Conditioned on being unmasked for slot s, a draw follows q(j)/(1 − q(I_u⁺)) over j ∉ I_u⁺.
 */
export interface SharedNegatives {
  /** Draws in this batch (`items[0..count)`). */
  count: number
  /** `[≥ count]` item ids, drawn with replacement (repeats possible, except for `all`). */
  items: Int32Array
  /** `[≥ count]` natural-log proposal probability of each draw, before exclusion. */
  logQ: Float32Array
  /** `[≥ batch]` start of slot s's masked positions in `hits`. */
  hitStart: Int32Array
  /** `[≥ batch]` end (exclusive) of slot s's masked positions in `hits`. */
  hitEnd: Int32Array
  /** Positions p (into `items`) masked for some slot; grown by the sampler when a batch needs more. */
  hits: Int32Array
}

/** What a model lends to model-aware samplers. A live view: scores follow training. */
export interface Scorer {
  /**
   * Writes the score of `items[0..count)` for `user` into `out[0..count)`. Allocates nothing.
   * The per-pair reference path: {@link Scorer.scoreBatch} must agree with it.
   */
  scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void
  /**
   * Optional batched path: writes the score of the pair (`users[c]`, `items[c]`) into `out[c]` for
   * c in `[0, count)`, in one call (models run it in their WebAssembly kernel). A negative item
   * scores −∞. Must agree with `scoreItems` to float32 rounding; allocates nothing. Samplers
   * call it through {@link scorePairs}, which falls back to `scoreItems` when it is absent.
   */
  scoreBatch?(users: Int32Array, items: Int32Array, count: number, out: Float32Array): void
}

let runItems = new Int32Array(64)
let runScores = new Float32Array(64)

/**
 * Scores `count` (user, item) pairs through `scorer.scoreBatch` when the scorer has one, else
 * through `scoreItems` one run of equal users at a time (item −1 scores −∞ either way).
 * @remarks O(count · score cost); allocates nothing once its fallback scratch has grown to the
 * longest run of equal users.
 * @example
 * ```ts
 * scorePairs(model.scorer(), Int32Array.of(0, 0, 1), Int32Array.of(5, 7, 5), 3, out)
 * ```
 */
export function scorePairs(scorer: Scorer, users: Int32Array, items: Int32Array, count: number, out: Float32Array): void {
  if (scorer.scoreBatch) {
    scorer.scoreBatch(users, items, count, out)
    return
  }
  let c = 0
  while (c < count) {
    const u = users[c]
    let e = c + 1
    while (e < count && users[e] === u) e++
    const n = e - c
    if (runItems.length < n) {
      runItems = new Int32Array(n * 2)
      runScores = new Float32Array(n * 2)
    }
    // Masked items are passed on as a valid id and overwritten with −∞ afterwards.
    for (let i = 0; i < n; i++) runItems[i] = items[c + i] < 0 ? 0 : items[c + i]
    scorer.scoreItems(u, runItems, n, runScores)
    for (let i = 0; i < n; i++) out[c + i] = items[c + i] < 0 ? -Infinity : runScores[i]
    c = e
  }
}

/** A scorer that also exposes dot-product factors (AOBPR needs them). */
export interface FactorView extends Scorer {
  /** Factor dimension. */
  readonly dim: number
  /** `[numUsers * dim]` user factors, row stride `dim`. */
  readonly userFactors: Float32Array
  /** `[numItems * dim]` item factors, row stride `dim`. */
  readonly itemFactors: Float32Array
}

/**
 * The factors of a dot-product model, lent for blocked full ranking (evaluation, batch
 * `recommend`, item similarity): `score(u, i) = (⟨userFactors_u, itemFactors_i⟩ + itemBias_i) +
 * userBias_u`, the dot product accumulated in float32 in order (see `dotScoreRow`). A model that
 * lends them promises its `scoreAll` writes exactly these scores, so the blocked and the per-user
 * paths rank alike. An item bias of -Infinity marks an item never to recommend.
 */
export interface DotFactors {
  /** Factor dimension. */
  readonly dim: number
  /** Rows of `userFactors`. */
  readonly numUsers: number
  /** Rows of `itemFactors`. */
  readonly numItems: number
  /** `[numUsers * dim]`, row stride `dim`. */
  readonly userFactors: Float32Array
  /** `[numItems * dim]`, row stride `dim`. */
  readonly itemFactors: Float32Array
  /** `[numItems]` added to every user's score of the item (absent: 0). */
  readonly itemBias?: Float32Array | null
  /** `[numUsers]` added to every score of the user (absent: 0). */
  readonly userBias?: Float32Array | null
}

/** True when a scorer also lends factors. */
export function isFactorView(s: Scorer | null | undefined): s is FactorView {
  return s != null && (s as FactorView).itemFactors instanceof Float32Array && typeof (s as FactorView).dim === 'number'
}

/** JSON configuration of a sampler; `kind` selects the strategy in the registry. */
export interface SamplerConfig {
  /** Registry key of the strategy. */
  readonly kind: string
  /** Exclude the user's training positives exactly (default true). */
  readonly excludePositives?: boolean
  readonly [option: string]: unknown
}

/** Everything a sampler may bind in `prepare`. */
export interface SamplerContext {
  /** Training interactions: the only exclusion set (never test positives). */
  train: Interactions
  /** The sampler's own stream; fork it per worker. */
  rng: Rng
  /** The model's live scorer, or null for model-free training. */
  scorer: Scorer | FactorView | null
}

/** Running diagnostics of a sampler. */
export interface SamplerStats {
  /** Negatives returned (masked ones excluded). */
  draws: number
  /** Candidate draws rejected because they were known positives, over all candidate draws. */
  rejectionRate: number
  /** Mean draws spent per slot (WARP trials; 1 elsewhere). */
  meanTrials: number
  /** Negatives masked as -1. */
  masked: number
  /** Mean score percentile (0 = easiest, 1 = hardest) of chosen negatives among its candidates. */
  hardness?: number
  /** Free-form extras, strategy specific. */
  readonly [extra: string]: number | undefined
}

/** A negative-sampling strategy. */
export interface NegativeSampler<C extends SamplerConfig = SamplerConfig> {
  /** JSON; `createSampler(config)` rebuilds an equivalent sampler. */
  readonly config: C
  /** What the sampler needs from the model and the batch. */
  readonly requires: {
    scorer: boolean
    factors?: boolean
    minBatch?: number
    /**
     * Batch-shared negatives: `'also'` fills `out.shared` and a per-slot view in `out.items` (any
     * model can train on it), `'only'` fills `out.shared` alone (the model must read it).
     */
    shared?: 'also' | 'only'
  }
  /** Binds data, stream and scorer; all allocation happens here. Throws on unusable input. */
  prepare(ctx: SamplerContext): void
  /** Fills `out` for the batch's live slots. The hot path: allocates nothing. */
  sample(batch: Batch, out: NegativeBuffer): void
  /** Called by the training loop after each epoch (adaptive caches refresh here). */
  onEpochEnd?(epoch: number): void
  /** Diagnostics since `prepare`. */
  stats(): SamplerStats
}

/** Top-K result for a batch of queries: row r owns `items[r*k .. r*k+k)`; -1 pads short rows. */
export interface TopK {
  /** Items per row. */
  readonly k: number
  /** `[rows * k]` internal item ids in descending score order. */
  readonly items: Int32Array
  /** `[rows * k]` scores aligned with `items`. */
  readonly scores: Float32Array
}

/** A fitted recommender. */
export interface Recommender {
  /** Number of items it can score. */
  readonly numItems: number
  /** Writes the scores of every item for `user` into `out[0..numItems)`. Allocates nothing. */
  scoreAll(user: number, out: Float32Array): void
  /** Top-k items per user; `excludeSeen` (default true) masks the training items. */
  recommend(users: Int32Array, k: number, opts?: { excludeSeen?: boolean }): TopK
  /** Most similar items per query item (the query item itself excluded). */
  similarItems?(items: Int32Array, k: number): TopK
  /** Live scorer, safe to hand to a sampler. */
  scorer(): Scorer
  /**
   * The model's {@link DotFactors} when its scores are such dot products (null otherwise, e.g.
   * cosine scores): blocked evaluation and batch ranking use them; others score user by user.
   */
  factors?(): DotFactors | null
}
