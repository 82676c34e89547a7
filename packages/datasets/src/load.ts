import { existsSync, readdirSync, statSync } from 'node:fs'
import { homedir } from 'node:os'
import { basename, join, resolve } from 'node:path'
import { buildInteractions } from '@decoy/core'
import { readInteractions } from '@decoy/core/node'
import type { Interactions, ParseOptions } from '@decoy/core'
import { downloadDataset, unavailableMessage } from './download.js'
import type { FetchLike } from './download.js'
import { DATASET_NAMES, isDatasetName, MANIFEST } from './manifest.js'
import type { DatasetName, ManifestEntry, MovieLensLayout } from './manifest.js'
import { RATINGS_FILE } from './movielens.js'
import { detectLayout, readMovieLens } from './movielens-dir.js'
import type { Dataset, ItemMeta, TagRecords, UserMeta } from './movielens.js'
import { generateSynthetic } from './synthetic.js'
import type { SyntheticOptions } from './synthetic.js'

/** Options of {@link loadDataset}. */
export interface LoadDatasetOptions {
  /** A folder holding the release's files, or holding `<name>/`; checked first, and it must match. */
  dir?: string
  /** Cache folder (default `$DECOY_CACHE`, else `~/.cache/decoy`). */
  cacheDir?: string
  /** Download from GroupLens when no local copy is found (default true). */
  download?: boolean
  /** Implicit feedback: keep only ratings `>= minRating` (default: every rating is a positive). */
  minRating?: number
  /** Skip metadata files (titles, genres, users, tags). */
  interactionsOnly?: boolean
  /** `fetch` replacement (tests, proxies); default the global `fetch`. */
  fetch?: FetchLike
  /** Download progress callback. */
  onProgress?: (bytes: number, total: number) => void
  /** Overrides of the manifest entry (a mirror URL, a checksum); mostly for tests. */
  manifest?: Partial<Omit<ManifestEntry, 'name'>>
  /** Environment to read `DECOY_DATA_DIR`/`DECOY_CACHE` from (default `process.env`). */
  env?: Record<string, string | undefined>
}

/** Where {@link resolveDataset} found a release. */
export interface ResolvedDataset {
  /** Folder holding the release's files. */
  dir: string
  /** Which step of the resolution order found it. */
  origin: 'dir' | 'env' | 'cache' | 'download'
}

/**
 * The cache folder: `cacheDir`, else `$DECOY_CACHE`, else `~/.cache/decoy`.
 * @param env - environment (default `process.env`).
 */
export function defaultCacheDir(env: Record<string, string | undefined> = process.env): string {
  const c = env.DECOY_CACHE
  return c && c.length > 0 ? resolve(c) : join(homedir(), '.cache', 'decoy')
}

function entryOf(name: string, override?: LoadDatasetOptions['manifest']): ManifestEntry {
  if (!isDatasetName(name)) {
    throw new Error(`Unknown dataset ${JSON.stringify(name)}; known datasets: ${DATASET_NAMES.join(', ')} (or "synthetic")`)
  }
  return override ? { ...MANIFEST[name], ...override, name } : MANIFEST[name]
}

function holds(dir: string, layout: MovieLensLayout): boolean {
  return existsSync(join(dir, RATINGS_FILE[layout]))
}

/**
 * Finds (or downloads) a release: explicit `dir` (the folder itself or its `<name>/` child) →
 * `$DECOY_DATA_DIR/<name>/` → `<cache>/<name>/` → download into the cache.
 *
 * @param name - a manifest name (`ml-latest-small`, `ml-100k`, …).
 * @param opts - see {@link LoadDatasetOptions}.
 * @returns the folder and how it was found.
 * @throws Error for an unknown name, an explicit `dir` without the release, or when nothing is
 * found and the download is off or fails (the message names the URL and how to supply a copy).
 */
export async function resolveDataset(name: string, opts: LoadDatasetOptions = {}): Promise<ResolvedDataset> {
  const entry = entryOf(name, opts.manifest)
  const env = opts.env ?? process.env
  const want = RATINGS_FILE[entry.layout]
  const subdirs = entry.zipFolder === entry.name ? [entry.name] : [entry.name, entry.zipFolder]
  if (opts.dir !== undefined) {
    const tried = [opts.dir, ...subdirs.map((s) => join(opts.dir!, s))]
    for (const d of tried) if (holds(d, entry.layout)) return { dir: d, origin: 'dir' }
    throw new Error(`No ${entry.name} files in ${opts.dir}: looked for ${want} in ${tried.join(', ')}`)
  }
  const searched: string[] = []
  const dataDir = env.DECOY_DATA_DIR
  if (dataDir && dataDir.length > 0) {
    for (const s of subdirs) {
      const d = join(dataDir, s)
      if (holds(d, entry.layout)) return { dir: d, origin: 'env' }
      searched.push(d)
    }
  }
  const cacheRoot = opts.cacheDir !== undefined ? resolve(opts.cacheDir) : defaultCacheDir(env)
  const cached = join(cacheRoot, entry.name)
  if (holds(cached, entry.layout)) return { dir: cached, origin: 'cache' }
  searched.push(cached)
  if (opts.download === false) {
    throw new Error(unavailableMessage(entry, `no local copy (looked in ${searched.join(', ')}) and downloads are off`))
  }
  const dir = await downloadDataset(entry, cacheRoot, { fetch: opts.fetch, onProgress: opts.onProgress })
  return { dir, origin: 'download' }
}

/**
 * Loads a MovieLens release by name, from a local copy or the cache, downloading it from GroupLens
 * on first use (see {@link resolveDataset} for the order).
 *
 * @param name - `ml-100k`, `ml-1m`, `ml-10m`, `ml-20m`, `ml-25m` or `ml-latest-small`.
 * @param opts - local folder, cache folder, `download`, `minRating`, injected `fetch`.
 * @returns the ratings as {@link Interactions} (ratings as weights, timestamps as times) with
 * titles/genres/years, demographics and tags when the release has them.
 * @throws Error naming the URL and how to supply a local copy when the data cannot be obtained;
 * DataError (from `@decoy/core`) naming file, line and field for malformed files.
 * @example
 * ```ts
 * const ml = await loadDataset('ml-latest-small')
 * ml.interactions.numUsers // 610
 * const implicit = await loadDataset('ml-1m', { minRating: 4 })
 * ```
 * @remarks Data is downloaded from GroupLens and used under its terms; Decoy never redistributes it.
 */
export async function loadDataset(name: string, opts: LoadDatasetOptions = {}): Promise<Dataset> {
  return (await loadDatasetFrom(name, opts)).dataset
}

async function loadDatasetFrom(name: string, opts: LoadDatasetOptions): Promise<{ dataset: Dataset; dir: string }> {
  const entry = entryOf(name, opts.manifest)
  const { dir } = await resolveDataset(name, opts)
  const dataset = readMovieLens(dir, entry.layout, { minRating: opts.minRating, interactionsOnly: opts.interactionsOnly, name: entry.name })
  return { dataset, dir }
}

/** Formats accepted by {@link loadInteractions}'s `format` option (`--format` in the CLI). */
export const INPUT_FORMATS = [
  'ml-100k',
  'ml-1m',
  'ml-10m',
  'ml-20m',
  'ml-25m',
  'ml-latest-small',
  'csv',
  'tsv',
  'arrow',
  'parquet',
] as const

/** One of {@link INPUT_FORMATS}. */
export type InputFormat = (typeof INPUT_FORMATS)[number]

/** Options of {@link loadInteractions}. */
export interface LoadInteractionsOptions extends LoadDatasetOptions {
  /** Force a format instead of detecting it. */
  format?: InputFormat | string
  /** Seed for `synthetic` (also accepted inside the spec as `synthetic:seed=42`). */
  seed?: string | number
  /** Generator options for `synthetic` (merged under the ones in the spec). */
  synthetic?: Partial<SyntheticOptions>
  /** Extra text-parser options for CSV/TSV files (columns, header, delimiter, duplicates). */
  parse?: ParseOptions
}

/** Metadata that came with the interactions. */
export interface InteractionsMeta {
  /** Dataset, layout or file name. */
  name: string
  /** Where the data came from: a folder, a file, or `synthetic`. */
  source: string
  /** Titles, genres, years (MovieLens). */
  items?: ItemMeta
  /** Demographics (ml-100k, ml-1m). */
  users?: UserMeta
  /** Tag applications. */
  tags?: TagRecords
  /** Planted clusters (synthetic only), by internal id. */
  userCluster?: Int32Array
  /** Planted clusters (synthetic only), by internal id. */
  itemCluster?: Int32Array
}

/** Result of {@link loadInteractions}. */
export interface LoadedInteractions {
  /** The interaction log. */
  interactions: Interactions
  /** Metadata, when the source had any. */
  meta?: InteractionsMeta
}

const SYNTHETIC_KEYS: Record<string, 'int' | 'num' | 'range' | 'seed'> = {
  users: 'int',
  items: 'int',
  clusters: 'int',
  interactionsPerUser: 'range',
  affinity: 'num',
  popularityExponent: 'num',
  seed: 'seed',
}

/** Parses `synthetic[:k=v,k=v]` into generator options. @internal */
export function parseSyntheticSpec(spec: string): Partial<SyntheticOptions> {
  const out: Record<string, unknown> = {}
  const colon = spec.indexOf(':')
  if (colon < 0) return out
  for (const part of spec.slice(colon + 1).split(',')) {
    if (part.trim().length === 0) continue
    const eq = part.indexOf('=')
    const key = eq < 0 ? part.trim() : part.slice(0, eq).trim()
    const raw = eq < 0 ? '' : part.slice(eq + 1).trim()
    const kind = SYNTHETIC_KEYS[key]
    if (!kind)
      throw new Error(
        `synthetic spec ${JSON.stringify(spec)}: unknown option ${JSON.stringify(key)}; known: ${Object.keys(SYNTHETIC_KEYS).join(', ')}`,
      )
    if (kind === 'seed') {
      if (raw.length === 0) throw new Error(`synthetic spec ${JSON.stringify(spec)}: seed needs a value`)
      out.seed = raw
      continue
    }
    if (kind === 'range' && raw.includes('-')) {
      const [a, b] = raw.split('-').map(Number)
      out[key] = [a, b]
      continue
    }
    const v = Number(raw)
    // Decimal only: Number() would read "0x10" as 16 and "" as 0.
    if (!/^[+-]?(?:\d+\.?\d*|\.\d+)(?:[eE][+-]?\d+)?$/.test(raw) || !Number.isFinite(v)) {
      throw new Error(`synthetic spec ${JSON.stringify(spec)}: ${key}=${JSON.stringify(raw)} is not a number`)
    }
    out[key] = v
  }
  return out as Partial<SyntheticOptions>
}

/**
 * Loads interactions from whatever the user named: a dataset name, `synthetic`, a directory in a
 * MovieLens layout, a folder of Parquet files, or a file (CSV/TSV/`::` text, gzip-compressed or
 * not, Arrow IPC, Parquet).
 *
 * Resolution: `synthetic` / `synthetic:users=2000,clusters=16,seed=7` → the planted generator; an
 * existing directory → its MovieLens layout (`format` may force one), else its Parquet files (hive
 * `key=value/` partitions as columns); an existing file → `readInteractions` from `@decoy/core/node`
 * (format told by the first bytes; `csv`/`tsv`/`arrow`/`parquet` force it); otherwise a dataset
 * name → {@link loadDataset}.
 *
 * @param spec - name, `synthetic[:k=v,…]`, directory or file path.
 * @param opts - `format`, `seed` (synthetic), `minRating`, dataset options, parser options.
 * @returns the interactions and, when the source has them, titles/genres/users/tags or the
 * planted clusters.
 * @throws Error for an unknown name or format, a directory without MovieLens files, a missing seed
 * for `synthetic`; DataError naming file, line and field for malformed input.
 * @example
 * ```ts
 * const { interactions } = await loadInteractions('ml-latest-small')
 * const demo = await loadInteractions('synthetic', { seed: 42 })
 * const file = await loadInteractions('train.tsv')
 * ```
 */
export async function loadInteractions(spec: string, opts: LoadInteractionsOptions = {}): Promise<LoadedInteractions> {
  const format = opts.format
  if (format !== undefined && !(INPUT_FORMATS as readonly string[]).includes(format)) {
    throw new Error(`Unknown format ${JSON.stringify(format)}; expected one of ${INPUT_FORMATS.join(', ')}`)
  }
  if (spec === 'synthetic' || spec.startsWith('synthetic:')) {
    const fromSpec = parseSyntheticSpec(spec)
    const seed = fromSpec.seed ?? opts.synthetic?.seed ?? opts.seed
    if (seed === undefined) throw new Error('synthetic data needs a seed: pass --seed <n> (or use "synthetic:seed=42")')
    // minRating needs ratings; the generator rates in-cluster items higher, so a threshold keeps
    // mostly in-cluster positives. Users and items keep their ids (some may end up empty).
    const withRatings = opts.minRating !== undefined || opts.synthetic?.ratings === true
    const d = generateSynthetic({ ...opts.synthetic, ...fromSpec, ratings: withRatings, seed } as SyntheticOptions)
    const x = opts.minRating !== undefined ? keepAtLeast(d.interactions, opts.minRating) : d.interactions
    return { interactions: x, meta: { name: 'synthetic', source: spec, userCluster: d.userCluster, itemCluster: d.itemCluster } }
  }
  const isLayout = format !== undefined && format.startsWith('ml-')
  if (existsSync(spec)) {
    const st = statSync(spec)
    if (st.isDirectory()) {
      if (format === 'csv' || format === 'tsv' || format === 'arrow') {
        throw new Error(`${spec} is a directory; format ${format} needs a file`)
      }
      const layout = isLayout ? (format as MovieLensLayout) : format === 'parquet' ? null : detectLayout(spec)
      if (!layout) {
        // A folder of Parquet files (Spark, DuckDB, pandas output; hive key=value partitions).
        if (format === 'parquet' || hasParquet(spec)) {
          const x = await readInteractions(spec, {
            ...opts.parse,
            source: spec,
            format: 'parquet',
            minRating: opts.minRating ?? opts.parse?.minRating,
          })
          return { interactions: x, meta: { name: spec, source: spec } }
        }
        throw new Error(
          `${spec}: no MovieLens files found (expected u.data, ratings.dat or ratings.csv) and no Parquet files; pass a file, or --format`,
        )
      }
      // The CSV layout is shared by three releases: a folder named after one of them keeps its name.
      const base = basename(resolve(spec))
      const name = isDatasetName(base) && layoutFamily(MANIFEST[base].layout) === layoutFamily(layout) ? base : layout
      const d = readMovieLens(spec, layout, { minRating: opts.minRating, interactionsOnly: opts.interactionsOnly, name })
      return { interactions: d.interactions, meta: { name, source: spec, items: d.items, users: d.users, tags: d.tags } }
    }
    if (isLayout) {
      throw new Error(
        `${spec} is a file; format ${format} needs the dataset's directory (or use --format csv|tsv|arrow|parquet for a single file)`,
      )
    }
    // One reader for every file: text, gzip, Arrow IPC or Parquet, told apart by their first bytes.
    const parse: ParseOptions = { ...opts.parse, source: spec, minRating: opts.minRating ?? opts.parse?.minRating }
    if (format === 'csv') parse.delimiter = opts.parse?.delimiter ?? ','
    if (format === 'tsv') parse.delimiter = '\t'
    const forced =
      format === 'arrow' ? 'arrow' : format === 'parquet' ? 'parquet' : format === 'csv' || format === 'tsv' ? 'text' : undefined
    const x = await readInteractions(spec, { ...parse, format: forced })
    return { interactions: x, meta: { name: spec, source: spec } }
  }
  if (isDatasetName(spec)) {
    if (isLayout && layoutFamily(MANIFEST[spec as DatasetName].layout) !== layoutFamily(format as MovieLensLayout)) {
      throw new Error(`Dataset ${spec} has the ${MANIFEST[spec as DatasetName].layout} layout, which --format ${format} cannot read`)
    }
    const { dataset: d, dir } = await loadDatasetFrom(spec, opts)
    return { interactions: d.interactions, meta: { name: d.name, source: dir, items: d.items, users: d.users, tags: d.tags } }
  }
  throw new Error(
    `${JSON.stringify(spec)} is neither a file, a directory nor a known dataset; known datasets: ${DATASET_NAMES.join(', ')}, ` +
      `or "synthetic" (offline demo data)`,
  )
}

/** True when the folder holds a Parquet file, at any depth below `key=value` or plain folders. */
function hasParquet(dir: string, depth = 0): boolean {
  if (depth > 8) return false
  for (const e of readdirSync(dir, { withFileTypes: true })) {
    if (e.name.startsWith('_') || e.name.startsWith('.')) continue
    if (e.isFile() && /\.(parquet|parq|pq)$/i.test(e.name)) return true
    if (e.isDirectory() && hasParquet(join(dir, e.name), depth + 1)) return true
  }
  return false
}

/** ml-20m, ml-25m and ml-latest-small share the CSV layout. */
function layoutFamily(l: MovieLensLayout): string {
  return l === 'ml-20m' || l === 'ml-25m' ? 'ml-latest-small' : l
}

/** Keeps the interactions with weight `>= minRating`, in the same id spaces. */
function keepAtLeast(x: Interactions, minRating: number): Interactions {
  const w = x.weights!
  let n = 0
  for (let j = 0; j < w.length; j++) if (w[j] >= minRating) n++
  const users = new Int32Array(n)
  const items = new Int32Array(n)
  const weights = new Float32Array(n)
  const times = x.times ? new Float64Array(n) : undefined
  let r = 0
  for (let u = 0; u < x.numUsers; u++) {
    for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
      if (w[j] < minRating) continue
      users[r] = u
      items[r] = x.items[j]
      weights[r] = w[j]
      if (times) times[r] = x.times![j]
      r++
    }
  }
  return buildInteractions(
    { users, items, weights, times },
    { numUsers: x.numUsers, numItems: x.numItems, userIds: x.userIds, itemIds: x.itemIds },
  )
}
