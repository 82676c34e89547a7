import type { DotFactors, FullScorer, Interactions, TopK } from '@decoy/core'
import { createRng, dotTopK, itemCounts, type ExclusionRows } from '@decoy/core'
import { containsSorted, prngBelow, selectTopK } from '@decoy/core/kernels'
import { NUM_RANK_METRICS, RANK_METRIC_NAMES, rankingMetrics, singleRelevantMetrics } from './kernels/ranking.js'

/**
 * What {@link evaluate} needs from a model: its catalogue size and a full-catalogue scorer; a model
 * that also lends its {@link DotFactors} (`factors()`) is ranked by the blocked kernel.
 */
export type EvaluableModel = FullScorer & { factors?(): DotFactors | null }

/**
 * Computes the top k of many users over dot-product factors with the given rows masked, e.g. in
 * worker threads (`dotTopKParallel` of `@decoy/core/node`). Must equal `dotTopK`'s result.
 */
export type TopKRunner = (factors: DotFactors, users: Int32Array, k: number, exclude: ExclusionRows[]) => Promise<TopK>

/** Sampled-candidate protocol options (biased: see {@link evaluate}). */
export interface SampledOptions {
  /** Negatives drawn per test positive (N); each positive is ranked among 1 + N candidates. */
  negatives: number
  /** Seed of the negative stream; the same seed gives the same negatives for every model. */
  seed: string | number
}

/** Options of {@link evaluate}. */
export interface EvaluateOptions {
  /** Cut-offs, e.g. `[10, 20]`; deduplicated and sorted. Each an integer ≥ 1. */
  k: number[]
  /**
   * Further interactions to mask besides `train` (e.g. the validation split at test time). Users
   * beyond an exclusion set's `numUsers` simply have nothing masked from it.
   */
  exclude?: Interactions[]
  /** Evaluate only these users (internal ids of `test`, no repeats); users without test items are skipped. */
  users?: Int32Array
  /**
   * Sampled-candidate evaluation instead of full ranking. Off unless given; results are then keyed
   * `sampled_<metric>@K` and flagged `sampled: true`.
   */
  sampled?: SampledOptions
  /**
   * Full-ranking path: `'auto'` (default) ranks by the blocked kernel when the model lends
   * `factors()`, else user by user; `'per-user'` forces `scoreAll` + `selectTopK` per user. Both
   * give identical results (a model lending factors scores exactly like them).
   */
  ranking?: 'auto' | 'per-user'
  /**
   * Throw on a test user who does not occur in train (id ≥ `train.numUsers`) instead of skipping
   * the user and counting it in `unknownUsers`. Default false.
   */
  strict?: boolean
}

/** The outcome of {@link evaluate}. */
export interface EvalResult {
  /**
   * Means over evaluated users, keyed `<metric>@<K>`: `precision`, `recall`, `ndcg`, `hr`, `mrr`,
   * `map`, and (full ranking only) `coverage` and `meanPopularity`. Sampled runs prefix every key
   * with `sampled_`.
   */
  metrics: Record<string, number>
  /** Per-user values aligned with `users`, same keys as `metrics` except `coverage@K`. */
  perUser: Record<string, Float64Array>
  /** Evaluated users (internal ids), in evaluation order. */
  users: Int32Array
  /** Number of evaluated users (`users.length`). */
  numUsers: number
  /** The cut-offs used, ascending. */
  k: number[]
  /** Test interactions of evaluated users. */
  testItems: number
  /**
   * Test interactions whose item the model cannot score (id ≥ `numItems`) or that never occurs in
   * train. They stay in every denominator: dropping them would inflate recall and NDCG.
   */
  unseenTestItems: number
  /**
   * Distinct test users with test items who do not occur in train (id ≥ `train.numUsers`): not
   * evaluated (no model can rank for them), counted here; `strict` makes them an error instead.
   */
  unknownUsers?: number
  /** Test interactions of the {@link EvalResult.unknownUsers}, left out of every metric. */
  unknownUserInteractions?: number
  /**
   * Distinct items of evaluated users' test rows absent from train (id ≥ `train.numItems`). Their
   * interactions stay in the denominators (counted in `unseenTestItems`).
   */
  unknownItems?: number
  /**
   * Test interactions whose item is also in the user's train (or `exclude`) row. Masked items can
   * never be hit, so a non-zero count usually means a leaky split.
   */
  maskedTestItems: number
  /** True for the sampled-candidate protocol (biased), false for full ranking. */
  sampled: boolean
  /** Negatives per positive, sampled runs only. */
  negatives?: number
  /** Seed of the sampled negatives, sampled runs only. */
  seed?: string
  /** Human-readable caveats (sampled metrics, masked test items). */
  warnings: string[]
}

/** The warning every sampled evaluation carries. */
export const SAMPLED_WARNING =
  'sampled metrics rank each test item against a few sampled negatives instead of the whole catalogue; ' +
  'they are biased estimates of the full-ranking metrics and can even order models differently ' +
  '(Krichene & Rendle, "On Sampled Metrics for Item Recommendation", KDD 2020). Use full ranking to compare models.'

/**
 * Evaluates a model on held-out interactions, by full ranking (default) or, only when `sampled` is
 * given, against sampled candidates.
 *
 * Full ranking: for each test user with at least one test item, `model.scoreAll(user, scores)`;
 * the user's training items (and the rows of every `exclude` set) are masked with -Infinity; the
 * top max(K) items are chosen by partial selection ({@link selectTopK}: a size-K heap, not a sort;
 * ties to the lower item id); then Precision, Recall, NDCG, HR, MRR and MAP are computed for every
 * K in one pass ({@link rankingMetrics}; definitions there). `coverage@K` is the fraction of the
 * model's catalogue recommended to at least one user within the top K; `meanPopularity@K` is, per
 * user, the mean training count of the real items in the top K, averaged over users. Test items
 * never seen in training stay in the denominators and are counted in `unseenTestItems`.
 *
 * Sampled (opt-in): each test positive is ranked against N negatives drawn uniformly, without
 * replacement, from the items the user has not interacted with (train, test, exclude). The draws
 * come from `createRng(seed).fork('eval').fork('sampled').fork('u' + user)`, so they depend only on the seed,
 * the user and the data — every model sees the same frozen negatives. A positive ranks below every
 * negative that scores higher, or equal with a lower item id (the tie rule of full ranking).
 * Metrics are averaged over a user's positives, keyed `sampled_…`; the result carries
 * `sampled: true` and a warning, also printed with `console.warn`, since sampled metrics are biased.
 *
 * @param model - anything with `numItems` and `scoreAll(user, out)` (a {@link @decoy/core!index.Recommender | Recommender} fits).
 * @param train - training interactions (masked; source of popularity and of "unseen").
 * @param test - held-out interactions in the same user and item id space.
 * @param opts - cut-offs, exclusion sets, user subset, sampled protocol.
 * @returns an {@link EvalResult}.
 * Test users who do not occur in train (id ≥ `train.numUsers`) are skipped and counted in
 * `unknownUsers` (with `strict`, the first one is an error); test items absent from train stay in
 * the denominators and are counted in `unknownItems`.
 *
 * Ranking: a model lending `factors()` (MF, FM, item2vec) is ranked by the blocked kernel
 * (`dotTopK`: a SIMD [users × dim]·[dim × items] product with the top-k fused in, no score
 * matrix); others by `scoreAll` user by user. Both give identical metrics; {@link evaluateAsync}
 * takes a {@link TopKRunner} to rank in worker threads.
 * @throws Error naming the user when `strict` and a test user does not occur in train, and on bad
 *   options.
 * @example
 * ```ts
 * const res = evaluate({ model: popularityRecommender(train), train, test, k: [10, 20] })
 * res.metrics['ndcg@10']; res.perUser['recall@20'] // Float64Array per user
 * ```
 * @remarks Per user O(cost of scoreAll + numItems + |train row| + K·log|test row|). Scratch (one
 * `Float32Array[numItems]`, a K-heap, an `Int32Array[numItems]`) is allocated once per call;
 * per-user outputs are `Float64Array[numUsers]` per key.
 * @see Krichene & Rendle, "On Sampled Metrics for Item Recommendation", KDD 2020.
 */
export function evaluate(model: EvaluableModel, train: Interactions, test: Interactions, opts: EvaluateOptions): EvalResult
/**
 * {@link evaluate} with its arguments named in one object, so that train and test cannot be
 * swapped by position: `evaluate({ model, train, test, k: [10, 20] })`.
 * @param args - the model, the training and the held-out interactions, and the options.
 */
export function evaluate(args: EvaluateArgs): EvalResult
export function evaluate(a: EvaluableModel | EvaluateArgs, b?: Interactions, c?: Interactions, d?: EvaluateOptions): EvalResult {
  const { model, train, test, opts } = resolveArgs(a, b, c, d)
  const ks = normaliseKs(opts.k)
  const numItems = model.numItems
  if (!Number.isInteger(numItems) || numItems < 1) throw new Error(`evaluate: model.numItems must be an integer >= 1, got ${numItems}`)
  const sel = selectUsers(train, test, opts.users, opts.strict === true)
  const exclude = opts.exclude ?? []
  if (opts.sampled !== undefined)
    return withUnknown(evaluateSampled(model, train, test, exclude, sel.users, ks, opts.sampled), sel, train, test)
  const factors = opts.ranking === 'per-user' ? null : factorsOf(model, train)
  const top = factors ? dotTopK(factors, sel.users, ks[ks.length - 1], { exclude: [train, ...exclude] }) : null
  return withUnknown(evaluateFull(model, train, test, exclude, sel.users, ks, top), sel, train, test)
}

/**
 * The one-object form of {@link evaluate}: the model, the training interactions (masked from the
 * ranking) and the held-out ones, named, so that train and test cannot be swapped by position.
 */
export interface EvaluateArgs extends EvaluateOptions {
  /** The model to rank with. */
  model: EvaluableModel
  /** Training interactions: masked from each user's ranking. */
  train: Interactions
  /** Held-out interactions: the relevant items. */
  test: Interactions
}

/** Both call forms of evaluate/evaluateAsync, as positional parts. */
function resolveArgs<O extends EvaluateOptions>(
  a: EvaluableModel | (EvaluateArgs & O),
  b: Interactions | undefined,
  c: Interactions | undefined,
  d: O | undefined,
): { model: EvaluableModel; train: Interactions; test: Interactions; opts: O } {
  if (b === undefined && c === undefined && d === undefined && a != null && 'model' in a && 'train' in a && 'test' in a) {
    const { model, train, test, ...opts } = a
    return { model, train, test, opts: opts as unknown as O }
  }
  if (b === undefined || c === undefined || d === undefined) {
    throw new Error('evaluate: call as evaluate({ model, train, test, k, … }) or evaluate(model, train, test, opts)')
  }
  return { model: a as EvaluableModel, train: b, test: c, opts: d }
}

/** Options of {@link evaluateAsync}: those of {@link evaluate} plus the top-k runner. */
export interface EvaluateAsyncOptions extends EvaluateOptions {
  /** Ranks dot-product models (e.g. in worker threads); without it, as {@link evaluate}. */
  topK?: TopKRunner
}

/**
 * {@link evaluate}, with the blocked ranking of a model lending `factors()` delegated to
 * `opts.topK` (worker threads in Node: `(f, users, k, exclude) => dotTopKParallel(f, users, k,
 * { exclude, workers: 2 })`). Same results as {@link evaluate}.
 */
export async function evaluateAsync(
  model: EvaluableModel,
  train: Interactions,
  test: Interactions,
  opts: EvaluateAsyncOptions,
): Promise<EvalResult>
/**
 * {@link evaluateAsync} with its arguments named in one object (see {@link evaluate}).
 * @param args - the model, the training and the held-out interactions, and the options.
 */
export async function evaluateAsync(args: EvaluateArgs & EvaluateAsyncOptions): Promise<EvalResult>
export async function evaluateAsync(
  a: EvaluableModel | (EvaluateArgs & EvaluateAsyncOptions),
  b?: Interactions,
  c?: Interactions,
  d?: EvaluateAsyncOptions,
): Promise<EvalResult> {
  const { model, train, test, opts } = resolveArgs<EvaluateAsyncOptions>(a, b, c, d)
  const runner = opts.topK
  const factors = runner && opts.sampled === undefined && opts.ranking !== 'per-user' ? factorsOf(model, train) : null
  if (!runner || !factors) return evaluate(model, train, test, opts)
  const ks = normaliseKs(opts.k)
  if (!Number.isInteger(model.numItems) || model.numItems < 1)
    throw new Error(`evaluate: model.numItems must be an integer >= 1, got ${model.numItems}`)
  const sel = selectUsers(train, test, opts.users, opts.strict === true)
  const exclude = opts.exclude ?? []
  const top = await runner(factors, sel.users, ks[ks.length - 1], [train, ...exclude])
  return withUnknown(evaluateFull(model, train, test, exclude, sel.users, ks, top), sel, train, test)
}

/** The model's factors when it lends usable ones (rows for every train user, its whole catalogue). */
function factorsOf(model: EvaluableModel, train: Interactions): DotFactors | null {
  const f = typeof model.factors === 'function' ? model.factors() : null
  if (!f || f.numItems !== model.numItems || f.numUsers < train.numUsers) return null
  return f
}

/** Adds the unknown-user and unknown-item counts to a result. */
function withUnknown(r: EvalResult, sel: SelectedUsers, train: Interactions, test: Interactions): EvalResult {
  r.unknownUsers = sel.unknownUsers
  r.unknownUserInteractions = sel.unknownUserInteractions
  r.unknownItems = countUnknownItems(train, test, sel.users)
  if (sel.unknownUsers > 0) {
    r.warnings.push(
      `${sel.unknownUsers} test user(s) with ${sel.unknownUserInteractions} test interaction(s) do not occur in train and were not evaluated ` +
        '(strict mode makes this an error)',
    )
  }
  return r
}

/** Distinct items of the users' test rows with ids beyond train's catalogue. */
function countUnknownItems(train: Interactions, test: Interactions, users: Int32Array): number {
  const extra = test.numItems - train.numItems
  if (extra <= 0) return 0
  const seen = new Uint8Array(extra)
  let n = 0
  for (let x = 0; x < users.length; x++) {
    const u = users[x]
    for (let j = test.indptr[u]; j < test.indptr[u + 1]; j++) {
      const it = test.items[j] - train.numItems
      if (it >= 0 && seen[it] === 0) {
        seen[it] = 1
        n++
      }
    }
  }
  return n
}

/** Validates, deduplicates and sorts the cut-offs. */
function normaliseKs(k: number[]): Int32Array {
  if (!Array.isArray(k) || k.length === 0) throw new Error('evaluate: options.k must be a non-empty array of cut-offs, e.g. [10, 20]')
  for (let i = 0; i < k.length; i++) {
    if (!Number.isInteger(k[i]) || k[i] < 1) throw new Error(`evaluate: options.k[${i}] = ${k[i]} is not an integer >= 1`)
  }
  return Int32Array.from(new Set(k)).sort()
}

/** Users to evaluate and the unknown ones left out. */
interface SelectedUsers {
  users: Int32Array
  unknownUsers: number
  unknownUserInteractions: number
}

/**
 * Test users to evaluate: the given subset or every user with a test item, those unknown to train
 * left out and counted (an error when `strict`).
 */
function selectUsers(train: Interactions, test: Interactions, subset: Int32Array | undefined, strict: boolean): SelectedUsers {
  const tp = test.indptr
  const candidates = subset ?? null
  const n = candidates ? candidates.length : test.numUsers
  const out = new Int32Array(n)
  const listed = candidates ? new Uint8Array(test.numUsers) : null
  let m = 0
  let unknownUsers = 0
  let unknownUserInteractions = 0
  for (let i = 0; i < n; i++) {
    const u = candidates ? candidates[i] : i
    if (listed) {
      if (!Number.isInteger(u) || u < 0 || u >= test.numUsers) {
        throw new Error(`evaluate: options.users[${i}] = ${u} is not a user of test (numUsers ${test.numUsers})`)
      }
      // A repeated user would be counted twice in every mean and break pairing by user.
      if (listed[u] === 1) throw new Error(`evaluate: options.users[${i}] = ${u} is listed twice`)
      listed[u] = 1
    }
    if (tp[u + 1] === tp[u]) continue
    if (u >= train.numUsers) {
      if (strict) {
        throw new Error(
          `evaluate: test user ${describeUser(test, u)} does not occur in train (train has ${train.numUsers} users); ` +
            'build train and test over the same user id map and drop users unknown to train',
        )
      }
      unknownUsers++
      unknownUserInteractions += tp[u + 1] - tp[u]
      continue
    }
    out[m++] = u
  }
  if (m === 0) {
    throw new Error(
      unknownUsers > 0
        ? `evaluate: none of the ${unknownUsers} test users with test items occurs in train`
        : 'evaluate: no test user has a test item',
    )
  }
  return { users: m === n ? out : out.slice(0, m), unknownUsers, unknownUserInteractions }
}

function describeUser(x: Interactions, u: number): string {
  let ext = ''
  try {
    ext = ` (external id ${JSON.stringify(x.userIds.external(u))})`
  } catch {
    ext = ''
  }
  return `${u}${ext}`
}

/** Writes -Infinity over the items of row u of x that the model can score. */
function maskRow(x: Interactions, u: number, scores: Float32Array, numItems: number): void {
  if (u >= x.numUsers) return
  const items = x.items
  const end = x.indptr[u + 1]
  for (let j = x.indptr[u]; j < end; j++) {
    const it = items[j]
    if (it < numItems) scores[it] = -Infinity
  }
}

/** True when item occurs in row u of x. */
function inRow(x: Interactions, u: number, item: number): boolean {
  return u < x.numUsers && containsSorted(x.items, x.indptr[u], x.indptr[u + 1], item)
}

/** Counts unseen and masked test items of user u; returns them packed in `acc`. */
function countTestItems(
  train: Interactions,
  test: Interactions,
  exclude: Interactions[],
  counts: Int32Array,
  numItems: number,
  u: number,
  acc: Int32Array,
): void {
  const end = test.indptr[u + 1]
  for (let j = test.indptr[u]; j < end; j++) {
    const it = test.items[j]
    if (it >= numItems || it >= counts.length || counts[it] === 0) acc[0]++
    let masked = inRow(train, u, it)
    for (let e = 0; e < exclude.length && !masked; e++) masked = inRow(exclude[e], u, it)
    if (masked) acc[1]++
  }
}

function maskedWarning(masked: number): string {
  return (
    `${masked} test interaction(s) also occur in the user's train or exclude rows; they are masked, ` +
    'can never be hit and count as misses (is the split leaking?)'
  )
}

/** Scratch and inputs of one full-ranking run, allocated once per {@link evaluate} call. */
interface FullRun {
  train: Interactions
  test: Interactions
  exclude: Interactions[]
  numItems: number
  ks: Int32Array
  numK: number
  maxK: number
  counts: Int32Array
  scores: Float32Array
  heapItems: Int32Array
  heapScores: Float64Array
  topItems: Int32Array
  topScores: Float32Array
  block: Float64Array
  bestRank: Int32Array
  tally: Int32Array
  rankCols: Float64Array[]
  popCols: Float64Array[]
}

function evaluateFull(
  model: EvaluableModel,
  train: Interactions,
  test: Interactions,
  exclude: Interactions[],
  users: Int32Array,
  ks: Int32Array,
  top: TopK | null,
): EvalResult {
  const numItems = model.numItems
  const numK = ks.length
  const maxK = ks[numK - 1]
  const numUsers = users.length
  const rankCols: Float64Array[] = []
  for (let c = 0; c < numK * NUM_RANK_METRICS; c++) rankCols.push(new Float64Array(numUsers))
  const popCols: Float64Array[] = []
  for (let j = 0; j < numK; j++) popCols.push(new Float64Array(numUsers))
  const run: FullRun = {
    train,
    test,
    exclude,
    numItems,
    ks,
    numK,
    maxK,
    counts: itemCounts(train),
    scores: new Float32Array(numItems),
    heapItems: new Int32Array(maxK),
    heapScores: new Float64Array(maxK),
    topItems: new Int32Array(maxK),
    topScores: new Float32Array(maxK),
    block: new Float64Array(numK * NUM_RANK_METRICS),
    bestRank: new Int32Array(numItems).fill(maxK),
    tally: new Int32Array(2),
    rankCols,
    popCols,
  }

  const testPtr = test.indptr
  let numTest = 0
  if (top) {
    // Blocked ranking already masked and selected: record each user's list.
    const topItems = run.topItems
    for (let idx = 0; idx < numUsers; idx++) {
      const u = users[idx]
      numTest += testPtr[u + 1] - testPtr[u]
      let found = 0
      for (let r = 0; r < maxK; r++) {
        const it = top.items[idx * top.k + r]
        topItems[r] = it
        if (it >= 0) found++
      }
      countTestItems(train, test, exclude, run.counts, numItems, u, run.tally)
      recordUser(run, u, idx, found)
    }
  } else {
    // The loop stays tiny on purpose: the model's scoreAll is the dominant cost, and a small caller
    // lets the JIT inline it (and its gemv) here instead of calling it out of line.
    const scores = run.scores
    for (let idx = 0; idx < numUsers; idx++) {
      const u = users[idx]
      numTest += testPtr[u + 1] - testPtr[u]
      model.scoreAll(u, scores)
      rankUser(run, u, idx)
    }
  }
  const bestRank = run.bestRank
  const tally = run.tally

  const metrics: Record<string, number> = {}
  const perUser: Record<string, Float64Array> = {}
  for (let j = 0; j < numK; j++) {
    for (let m = 0; m < NUM_RANK_METRICS; m++) {
      const key = `${RANK_METRIC_NAMES[m]}@${ks[j]}`
      const col = rankCols[j * NUM_RANK_METRICS + m]
      perUser[key] = col
      metrics[key] = mean(col)
    }
  }
  for (let j = 0; j < numK; j++) {
    let covered = 0
    for (let i = 0; i < numItems; i++) if (bestRank[i] < ks[j]) covered++
    metrics[`coverage@${ks[j]}`] = covered / numItems
    const key = `meanPopularity@${ks[j]}`
    perUser[key] = popCols[j]
    metrics[key] = mean(popCols[j])
  }
  const warnings: string[] = []
  if (tally[1] > 0) warnings.push(maskedWarning(tally[1]))
  return {
    metrics,
    perUser,
    users,
    numUsers,
    k: Array.from(ks),
    testItems: numTest,
    unseenTestItems: tally[0],
    maskedTestItems: tally[1],
    unknownUsers: 0,
    unknownUserInteractions: 0,
    unknownItems: 0,
    sampled: false,
    warnings,
  }
}

/** Masks, selects the top max(K) and records every metric of user u (row idx) from `run.scores`. */
function rankUser(run: FullRun, u: number, idx: number): void {
  const scores = run.scores
  const numItems = run.numItems
  const exclude = run.exclude
  const test = run.test
  const topItems = run.topItems
  countTestItems(run.train, test, exclude, run.counts, numItems, u, run.tally)
  maskRow(run.train, u, scores, numItems)
  for (let x = 0; x < exclude.length; x++) maskRow(exclude[x], u, scores, numItems)
  const found = selectTopK(scores, numItems, run.maxK, run.heapItems, run.heapScores, topItems, run.topScores, 0)
  recordUser(run, u, idx, found)
}

/** Records every metric of user u (row idx) from its top list `run.topItems` (`found` real items). */
function recordUser(run: FullRun, u: number, idx: number, found: number): void {
  const test = run.test
  const ks = run.ks
  const maxK = run.maxK
  const topItems = run.topItems
  const block = run.block
  const counts = run.counts
  const bestRank = run.bestRank

  rankingMetrics(topItems, 0, test.items, test.indptr[u], test.indptr[u + 1], ks, run.numK, block, 0)
  const rankCols = run.rankCols
  for (let c = 0; c < block.length; c++) rankCols[c][idx] = block[c]

  // Coverage (best rank per item) and popularity of the real items in each prefix.
  const popCols = run.popCols
  let popSum = 0
  let j = 0
  for (let r = 0; r < maxK; r++) {
    if (r < found) {
      const it = topItems[r]
      if (bestRank[it] > r) bestRank[it] = r
      popSum += it < counts.length ? counts[it] : 0
    }
    if (r + 1 === ks[j]) {
      const real = found < r + 1 ? found : r + 1
      popCols[j][idx] = real > 0 ? popSum / real : 0
      j++
    }
  }
}

function evaluateSampled(
  model: EvaluableModel,
  train: Interactions,
  test: Interactions,
  exclude: Interactions[],
  users: Int32Array,
  ks: Int32Array,
  sampled: SampledOptions,
): EvalResult {
  const negatives = sampled.negatives
  if (!Number.isInteger(negatives) || negatives < 1) {
    throw new Error(`evaluate: options.sampled.negatives must be an integer >= 1, got ${negatives}`)
  }
  if (sampled.seed === undefined || sampled.seed === null) throw new Error('evaluate: options.sampled.seed is required')
  const root = createRng(sampled.seed).fork('eval').fork('sampled')
  const numItems = model.numItems
  const numK = ks.length
  const numUsers = users.length
  const counts = itemCounts(train)

  const scores = new Float32Array(numItems)
  const acc = new Float64Array(numK * NUM_RANK_METRICS)
  const negs = new Int32Array(negatives)
  // Stamps avoid clearing per user/positive: blocked[i] === userStamp ⇔ i is in a row of the user;
  // drawn[i] === listStamp ⇔ i already drawn for the current positive.
  const blocked = new Int32Array(numItems)
  const drawn = new Int32Array(numItems)
  let listStamp = 0
  const tally = new Int32Array(2)
  const cols: Float64Array[] = []
  for (let c = 0; c < numK * NUM_RANK_METRICS; c++) cols.push(new Float64Array(numUsers))

  const testItems = test.items
  const testPtr = test.indptr
  let numTest = 0
  for (let idx = 0; idx < numUsers; idx++) {
    const u = users[idx]
    const s = testPtr[u]
    const e = testPtr[u + 1]
    numTest += e - s
    countTestItems(train, test, exclude, counts, numItems, u, tally)
    const userStamp = idx + 1
    let numBlocked = blockRow(train, u, blocked, userStamp, numItems)
    numBlocked += blockRow(test, u, blocked, userStamp, numItems)
    for (let x = 0; x < exclude.length; x++) numBlocked += blockRow(exclude[x], u, blocked, userStamp, numItems)
    if (numItems - numBlocked < negatives) {
      throw new Error(
        `evaluate: user ${describeUser(test, u)} has only ${numItems - numBlocked} items left to sample, ` +
          `fewer than sampled.negatives = ${negatives}`,
      )
    }
    const state = root.fork('u' + u).state

    model.scoreAll(u, scores)
    acc.fill(0)
    for (let j = s; j < e; j++) {
      const pos = testItems[j]
      listStamp++
      for (let n = 0; n < negatives; n++) {
        let it = prngBelow(state, numItems)
        while (blocked[it] === userStamp || drawn[it] === listStamp) it = prngBelow(state, numItems)
        drawn[it] = listStamp
        negs[n] = it
      }
      let rank = negatives
      if (pos < numItems) {
        const sp = scores[pos]
        // biome-ignore lint/suspicious/noSelfCompare: the NaN test, without a call in the hot loop
        if (sp === sp) {
          rank = 0
          for (let n = 0; n < negatives; n++) {
            const sn = scores[negs[n]]
            if (sn > sp || (sn === sp && negs[n] < pos)) rank++
          }
        }
      }
      singleRelevantMetrics(rank, ks, numK, acc, 0)
    }
    const inv = 1 / (e - s)
    for (let c = 0; c < acc.length; c++) cols[c][idx] = acc[c] * inv
  }

  const metrics: Record<string, number> = {}
  const perUser: Record<string, Float64Array> = {}
  for (let j = 0; j < numK; j++) {
    for (let m = 0; m < NUM_RANK_METRICS; m++) {
      const key = `sampled_${RANK_METRIC_NAMES[m]}@${ks[j]}`
      const col = cols[j * NUM_RANK_METRICS + m]
      perUser[key] = col
      metrics[key] = mean(col)
    }
  }
  const warnings = [SAMPLED_WARNING]
  if (tally[1] > 0) warnings.push(maskedWarning(tally[1]))
  console.warn(`decoy evaluate: ${SAMPLED_WARNING}`)
  return {
    metrics,
    perUser,
    users,
    numUsers,
    k: Array.from(ks),
    testItems: numTest,
    unseenTestItems: tally[0],
    maskedTestItems: tally[1],
    unknownUsers: 0,
    unknownUserInteractions: 0,
    unknownItems: 0,
    sampled: true,
    negatives,
    seed: String(sampled.seed),
    warnings,
  }
}

/** Stamps the items of row u of x as blocked; returns how many were newly blocked. */
function blockRow(x: Interactions, u: number, blocked: Int32Array, stamp: number, numItems: number): number {
  if (u >= x.numUsers) return 0
  const items = x.items
  const end = x.indptr[u + 1]
  let added = 0
  for (let j = x.indptr[u]; j < end; j++) {
    const it = items[j]
    if (it < numItems && blocked[it] !== stamp) {
      blocked[it] = stamp
      added++
    }
  }
  return added
}

function mean(a: Float64Array): number {
  let s = 0
  for (let i = 0; i < a.length; i++) s += a[i]
  return a.length > 0 ? s / a.length : 0
}
