import type { Interactions } from '@decoy/core'
import { DataError, IdMap } from '@decoy/core'
import { OutputError, readInteractions } from '@decoy/core/node'
import { INPUT_FORMATS, loadDataset, loadInteractions, type InteractionsMeta } from '@decoy/datasets'
import type { Args, OptionSpec } from './args.js'
import type { CommandContext } from './command.js'
import { InputError, UsageError } from './errors.js'

/** `--strict` of the commands that evaluate on a test file. */
export const STRICT_OPTION: OptionSpec = {
  name: 'strict',
  type: 'boolean',
  description: 'a test user absent from train is an error (default: skipped, counted as unknown_users)',
}

/** The flags that name an input: `--<flag>`, `--format`, `--data-dir`, `--min-rating`. */
export function dataOptions(
  flag: string,
  what = 'interactions: a file (CSV/TSV, gzipped or not, Arrow IPC, Parquet), a Parquet folder, a MovieLens directory, a dataset name, or synthetic[:k=v,…]',
): OptionSpec[] {
  return [
    { name: flag, type: 'string', value: '<path|name>', description: what },
    { name: 'format', type: 'string', value: '<fmt>', description: `force the input format: ${INPUT_FORMATS.join('|')}` },
    {
      name: 'data-dir',
      type: 'string',
      value: '<dir>',
      description: 'folder holding <dataset>/ (default: $DECOY_DATA_DIR, then the cache)',
    },
    {
      name: 'min-rating',
      type: 'string',
      value: '<x>',
      description: 'implicit feedback: keep ratings >= x (default: every rating is a positive)',
    },
  ]
}

/** The `--format`, `--data-dir`, `--min-rating` values, validated. */
function commonLoadOptions(args: Args, ctx: CommandContext) {
  const format = args.choice('format', INPUT_FORMATS)
  const dir = args.str('data-dir')
  const minRating = args.num('min-rating')
  return { format, dir, minRating, env: ctx.io.env, onProgress: downloadProgress(ctx) }
}

function downloadProgress(ctx: CommandContext) {
  let bar: ReturnType<CommandContext['progress']> | null = null
  return (bytes: number, total: number) => {
    if (!bar) {
      ctx.log(`downloading (${(total / 1e6).toFixed(1)} MB)…`)
      bar = ctx.progress('download', total)
    }
    bar.update(bytes)
    if (bytes >= total) bar.done()
  }
}

/**
 * Turns any failure to read an input into an error the CLI reports with exit 2: a DataError keeps
 * its location; a missing file, an unknown dataset or format becomes an {@link InputError}.
 */
export function asInputError(e: unknown, source?: string): Error {
  if (e instanceof DataError || e instanceof InputError || e instanceof UsageError || e instanceof OutputError) return e
  if (e instanceof Error) {
    const code = (e as NodeJS.ErrnoException).code
    if (code === 'ENOENT') return new InputError(`${source ?? (e as NodeJS.ErrnoException).path ?? ''}: no such file or directory`, source)
    if (code === 'EACCES') return new InputError(`${source ?? ''}: permission denied`, source)
    if (code === 'EISDIR') return new InputError(`${source ?? ''}: is a directory, expected a file`, source)
    if (e.name === 'Error' || e.name === 'RangeError' || e.name === 'TypeError') {
      const out = new InputError(e.message, source)
      out.stack = e.stack
      return out
    }
  }
  return e as Error
}

/** Interactions plus whatever metadata came with them. */
export interface LoadedData {
  /** The log. */
  interactions: Interactions
  /** Titles etc. when the source has them. */
  meta?: InteractionsMeta
}

/**
 * Loads `--<flag>` (file, MovieLens directory, dataset name or `synthetic`) with the common flags.
 * Every failure becomes a DataError or InputError (exit 2).
 */
export async function loadData(args: Args, ctx: CommandContext, flag: string): Promise<LoadedData> {
  const spec = args.required(flag)
  const opts = commonLoadOptions(args, ctx)
  const seed = args.str('seed')
  try {
    const r = await loadInteractions(spec, { ...opts, seed })
    if (r.interactions.items.length === 0) throw new InputError(`${spec}: no interactions`, spec)
    return r
  } catch (e) {
    throw asInputError(e, spec)
  }
}

/**
 * Loads a training file given by `--train` (any input `loadData` accepts).
 */
export async function loadTrain(args: Args, ctx: CommandContext): Promise<LoadedData> {
  return loadData(args, ctx, 'train')
}

/**
 * Loads a test file into the training file's id space: users and items are interned into the
 * train's maps, so internal ids agree. Test users and items never seen in train get ids beyond
 * train's (`>= train.numUsers` / `numItems`): evaluation skips and counts such users and keeps such
 * items in the denominators. With `strict`, an unknown test user is a DataError naming the file,
 * line and field `user`.
 */
export async function loadTest(args: Args, train: Interactions, flag = 'test', strict = false): Promise<Interactions> {
  const path = args.required(flag)
  const format = args.choice('format', INPUT_FORMATS)
  if (format !== undefined && format !== 'csv' && format !== 'tsv' && format !== 'arrow' && format !== 'parquet') {
    throw new UsageError(`--${flag} must be a file; --format ${format} is a dataset layout`)
  }
  const minRating = args.num('min-rating')
  let x: Interactions
  try {
    x = await readInteractions(path, {
      source: path,
      format: format === 'arrow' || format === 'parquet' ? format : format === undefined ? undefined : 'text',
      delimiter: format === 'csv' ? ',' : format === 'tsv' ? '\t' : undefined,
      minRating,
      // Copies: reading the test file must not grow the training maps a model keeps and saves.
      userIds: IdMap.from(train.userIds.toArray(), train.userIds.kind),
      itemIds: IdMap.from(train.itemIds.toArray(), train.itemIds.kind),
      unknownUsers: strict ? 'error' : 'add',
    })
  } catch (e) {
    throw asInputError(e, path)
  }
  if (x.items.length === 0) throw new InputError(`${path}: no interactions`, path)
  return x
}

/**
 * Item titles keyed by external item id, from `--dataset <name>` or from the loaded data's own
 * metadata. Returns null when neither has titles.
 */
export async function loadTitles(
  args: Args,
  ctx: CommandContext,
  meta?: InteractionsMeta,
  datasetName?: string,
): Promise<Map<string, string> | null> {
  const name = args.str('dataset') ?? datasetName
  let items = meta?.items
  if (name !== undefined) {
    try {
      const d = await loadDataset(name, { dir: args.str('data-dir'), env: ctx.io.env, onProgress: downloadProgress(ctx) })
      items = d.items
    } catch (e) {
      throw asInputError(e, name)
    }
  }
  if (!items) return null
  const out = new Map<string, string>()
  for (let i = 0; i < items.ids.length; i++) if (items.titles[i]) out.set(String(items.ids[i]), items.titles[i])
  return out.size > 0 ? out : null
}
