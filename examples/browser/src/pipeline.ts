/**
 * What the page does with Decoy, free of the DOM and of worker messaging: load a log, split it,
 * train a model from the page's choices, evaluate it against popularity and answer queries. The
 * training worker runs it in the browser; the end-to-end test runs the same functions in Node, so
 * "same seed ⇒ same NDCG@10 in the page and in Node" compares one code path on two engines.
 */
import type { ExternalId, IdMap, Interactions, SamplerConfig } from '@decoy/core'
import { parseInteractions, splitRandom } from '@decoy/core'
import { generateSynthetic, readMovieLensZip } from '@decoy/datasets/browser'
import { evaluate, popularityRecommender } from '@decoy/eval'
import type { CommonFitOptions, EpochStats, FitProgress, FitResult, Model } from '@decoy/models'
import { createModel, modelFamily } from '@decoy/models'
import { createSampler, recommendedPairing } from '@decoy/samplers'

/** A loaded log with its split and, when the source has them, item titles. */
export interface LoadedData {
  /** What was loaded, for the page (`synthetic 1000×500`, `ml-latest-small.zip`). */
  name: string
  /** The whole log (histories are shown from it). */
  all: Interactions
  /** 80% of each user's interactions (seed 42). */
  train: Interactions
  /** The held-out 20%. */
  test: Interactions
  /** Title per internal item of `all`, when the source has titles (MovieLens, synthetic labels). */
  titles: string[] | null
}

/** Knobs of the planted-structure generator the page exposes. */
export interface SyntheticChoice {
  users: number
  items: number
  clusters: number
  interactionsPerUser: number
  popularityExponent: number
  seed: number
}

/** The page's training choices. */
export interface TrainChoice {
  /** Model kind: `mf`, `item2vec`, `als`, `lightgcn`. */
  model: string
  /** Sampler kind, or `default` for the model family's own (ignored by models that sample nothing). */
  sampler: string
  /** Loss (only models with a `loss` option use it). */
  loss: string
  dim: number
  epochs: number
  seed: number
  workers: number
  /** Evaluate NDCG@10 after every epoch for the learning curve. */
  curve: boolean
}

/** Cut-offs evaluated by the page. */
export const CUTOFFS = [10, 20]

/** One point of the learning curve. */
export interface CurvePoint {
  epoch: number
  loss?: number
  ndcg?: number
  seconds: number
}

/** Progress inside an epoch (from the library's `onProgress`). */
export interface StepProgress {
  /** Fraction of the whole fit done, in [0, 1]. */
  fraction: number
  epoch: number
  epochs: number
  loss?: number
}

const SPLIT = { testFraction: 0.2, seed: 42 }

function withSplit(name: string, all: Interactions, titles: string[] | null): LoadedData {
  const { train, test } = splitRandom(all, SPLIT)
  return { name, all, train, test, titles }
}

/** Generates a planted-structure log; item titles name each item's planted cluster. */
export function loadSynthetic(c: SyntheticChoice): LoadedData {
  const s = generateSynthetic({
    users: c.users,
    items: c.items,
    clusters: c.clusters,
    interactionsPerUser: c.interactionsPerUser,
    popularityExponent: c.popularityExponent,
    seed: c.seed,
  })
  const x = s.interactions
  const titles = new Array<string>(x.numItems)
  for (let i = 0; i < x.numItems; i++) titles[i] = `item ${String(x.itemIds.external(i))} · cluster ${s.itemCluster[i]}`
  return withSplit(`synthetic (${c.clusters} clusters, popularity exponent ${c.popularityExponent})`, x, titles)
}

/** Reads a user,item[,rating,timestamp] text log (delimiter and header detected). */
export function loadCsv(bytes: Uint8Array, name: string, minRating?: number): LoadedData {
  const x = parseInteractions(bytes, { source: name, minRating })
  return withSplit(name, x, null)
}

/**
 * Reads a MovieLens zip in any of its layouts (ml-latest-small, ml-100k, ml-1m, …) with
 * `readMovieLensZip`: the ratings as the log, the titles when the zip has them.
 * @throws Error naming the zip when it has no MovieLens ratings file; DataError naming the file and line.
 */
export function loadMovieLensZip(bytes: Uint8Array, name: string, minRating?: number): LoadedData {
  const ml = readMovieLensZip(bytes, { source: name, minRating, interactionsOnly: false })
  const all = ml.interactions
  return withSplit(name.replace(/\.zip$/, ''), all, ml.items ? ml.items.titles.slice(0, all.numItems) : null)
}

/** Model options of a choice: the dimension, and the loss where the family has one. */
export function modelOptions(c: TrainChoice): Record<string, unknown> {
  const family = modelFamily(c.model)
  const o: Record<string, unknown> = { kind: c.model, dim: c.dim }
  if (Object.hasOwn(family.options, 'loss')) o.loss = c.loss
  // Model-aware samplers come with the negatives they were tuned with (`samplerPairings`).
  const pairing = recommendedPairing(c.sampler)
  if (pairing && Object.hasOwn(family.options, 'negatives') && family.usesSampler(o)) o.negatives = pairing.negatives
  return o
}

/** The sampler config of a choice, with the recommended pairing's settings for model-aware kinds. */
export function samplerConfig(c: TrainChoice): SamplerConfig {
  // 'default': the model family's own sampler and options, as `decoy train` without --sampler.
  if (c.sampler === 'default') {
    const family = modelFamily(c.model)
    return { kind: family.defaultSampler ?? 'uniform', ...(family.defaultSamplerConfig ?? {}) } as SamplerConfig
  }
  const pairing = recommendedPairing(c.sampler)
  return { kind: c.sampler, ...(pairing?.sampler ?? {}) } as SamplerConfig
}

/** What {@link trainChoice} reports while it runs. */
export interface TrainHooks {
  /** After each epoch (with NDCG@10 when `curve` is on); return false to stop. */
  onEpoch?(p: CurvePoint): boolean | undefined
  /** Within an epoch, when the library reports batch progress. */
  onStep?(p: StepProgress): void
}

/** A fitted model with its report. */
export interface Trained {
  model: Model
  result: FitResult
  metrics: Record<string, number>
}

/**
 * Trains the chosen model on `data.train` and evaluates it on `data.test` (full ranking).
 * @returns the model, the fit result and the final metrics.
 */
export async function trainChoice(c: TrainChoice, data: LoadedData, hooks: TrainHooks = {}): Promise<Trained> {
  const options = modelOptions(c)
  const family = modelFamily(c.model)
  const model = createModel({ ...options, kind: c.model })
  const epochs = c.epochs
  const fitOptions: CommonFitOptions = {
    seed: c.seed,
    epochs,
    workers: c.workers,
    ...(family.usesSampler(options) ? { sampler: createSampler(samplerConfig(c)) } : {}),
    onEpoch: (e: EpochStats) => {
      const point: CurvePoint = { epoch: e.epoch + 1, seconds: e.seconds }
      if (Number.isFinite(e.loss)) point.loss = e.loss
      if (c.curve) point.ndcg = evaluate({ model, train: data.train, test: data.test, k: [10] }).metrics['ndcg@10']
      return hooks.onEpoch?.(point)
    },
    // Per batch, about every 16 ms; in a worker, fit also yields ('auto') so the worker answers messages.
    onProgress: (p: FitProgress) => hooks.onStep?.({ fraction: p.fraction, epoch: p.epoch, epochs: p.epochs, loss: p.loss }),
  }
  const result = await model.fit(data.train, fitOptions)
  return { model, result, metrics: evaluateModel(model, data) }
}

/** Full-ranking metrics of a model on the test split. */
export function evaluateModel(model: Model | ReturnType<typeof popularityRecommender>, data: LoadedData): Record<string, number> {
  return evaluate({ model, train: data.train, test: data.test, k: CUTOFFS }).metrics
}

/** Metrics of the popularity baseline on the same split. */
export function popularityMetrics(data: LoadedData): Record<string, number> {
  return evaluateModel(popularityRecommender(data.train), data)
}

/** Internal id of an external id typed by the user: tried as a number, then as text. */
export function lookup(ids: IdMap, text: string): number {
  const t = text.trim()
  if (t.length === 0) return -1
  const asNumber = Number(t)
  if (Number.isInteger(asNumber)) {
    const i = ids.get(asNumber)
    if (i >= 0) return i
  }
  // An integer-keyed map rejects text ids outright: then the text names no id.
  try {
    return ids.get(t)
  } catch {
    return -1
  }
}

/** An item as the page lists it. */
export interface ItemRow {
  id: ExternalId
  title: string
  score?: number
}

function row(data: LoadedData | null, id: ExternalId, score?: number): ItemRow {
  const i = data ? data.all.itemIds.get(id) : -1
  const title = i >= 0 && data?.titles ? data.titles[i] : ''
  return score === undefined ? { id, title } : { id, title, score }
}

/** A user's most recent items (by timestamp when the log has them, else log order) and top-k. */
export function userView(model: Model, data: LoadedData | null, userText: string, k = 10): { history: ItemRow[]; top: ItemRow[] } {
  const u = lookup(model.userIds, userText)
  if (u < 0) throw new Error(`user ${JSON.stringify(userText)} is not in the model (ids like ${String(model.userIds.external(0))})`)
  const history: ItemRow[] = []
  const du = data ? data.all.userIds.get(model.userIds.external(u)) : -1
  if (data && du >= 0) {
    const x = data.all
    const order: number[] = []
    for (let p = x.indptr[du]; p < x.indptr[du + 1]; p++) order.push(p)
    if (x.times) {
      const times = x.times
      order.sort((a, b) => times[b] - times[a])
    }
    for (const p of order.slice(0, 10)) history.push(row(data, x.itemIds.external(x.items[p])))
  }
  const r = model.recommend(Int32Array.of(u), k)
  const top: ItemRow[] = []
  for (let j = 0; j < r.k; j++) if (r.items[j] >= 0) top.push(row(data, model.itemIds.external(r.items[j]), r.scores[j]))
  return { history, top }
}

/** The item a query names: an external id, else the most-interacted item whose title contains it. */
export function findItem(model: Model, data: LoadedData | null, query: string): number {
  const byId = lookup(model.itemIds, query)
  if (byId >= 0) return byId
  if (!data?.titles) return -1
  const q = query.trim().toLowerCase()
  if (q.length === 0) return -1
  const counts = new Int32Array(data.all.numItems)
  for (let p = 0; p < data.all.items.length; p++) counts[data.all.items[p]]++
  let best = -1
  for (let i = 0; i < data.titles.length; i++) {
    if (data.titles[i].toLowerCase().includes(q) && (best < 0 || counts[i] > counts[best])) best = i
  }
  return best < 0 ? -1 : model.itemIds.get(data.all.itemIds.external(best))
}

/** The k items most similar to the one `query` names. */
export function similarView(model: Model, data: LoadedData | null, query: string, k = 10): { item: ItemRow; similar: ItemRow[] } {
  const i = findItem(model, data, query)
  if (i < 0) throw new Error(`no item matches ${JSON.stringify(query)}`)
  const r = model.similarItems(Int32Array.of(i), k)
  const similar: ItemRow[] = []
  for (let j = 0; j < r.k; j++) if (r.items[j] >= 0) similar.push(row(data, model.itemIds.external(r.items[j]), r.scores[j]))
  return { item: row(data, model.itemIds.external(i)), similar }
}
