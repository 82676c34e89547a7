import type { ExternalId, TopK } from '@decoy/core'
import type { Args } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { InputError } from '../errors.js'
import { loadTitles } from '../load.js'
import { loadSavedModel, type SavedModel } from '../models.js'

/** One recommended or similar item. */
export interface ListedItem {
  /** External item id. */
  item: ExternalId
  /** Model score (cosine for `similar`). */
  score: number
  /** Title, when the dataset has titles. */
  title?: string
}

const common = [
  { name: 'model', type: 'string', value: '<saved>', description: 'a model file written by decoy train --save' },
  { name: 'k', type: 'string', value: '<k>', description: 'items to list', defaultText: '10' },
  {
    name: 'dataset',
    type: 'string',
    value: '<name>',
    description: 'dataset to take titles from (default: the one recorded at save, if any)',
  },
  { name: 'data-dir', type: 'string', value: '<dir>', description: 'folder holding <dataset>/ (default: $DECOY_DATA_DIR, then the cache)' },
  { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
] as const

/** Resolves an external id typed on the command line in a model's id map, or throws. */
function internalId(saved: SavedModel, map: 'userIds' | 'itemIds', raw: string, flag: string, limit: number, path: string): number {
  const ids = saved[map]
  let id = -1
  try {
    id = ids.get(raw)
  } catch {
    id = -1
  }
  if (id < 0 || id >= limit) {
    const what = map === 'userIds' ? 'user' : 'item'
    throw new InputError(
      `${path}: ${what} ${JSON.stringify(raw)} (--${flag}) does not occur in the model's training data (${limit} ${what}s)`,
      path,
      undefined,
      flag,
    )
  }
  return id
}

async function titlesFor(args: Args, ctx: CommandContext, saved: SavedModel): Promise<Map<string, string> | null> {
  const name = args.str('dataset') ?? saved.info.dataset
  if (name === undefined) return null
  return loadTitles(args, ctx, undefined, name)
}

function listItems(top: TopK, saved: SavedModel, titles: Map<string, string> | null): ListedItem[] {
  const out: ListedItem[] = []
  for (let j = 0; j < top.k; j++) {
    const it = top.items[j]
    if (it < 0 || !Number.isFinite(top.scores[j])) continue
    const ext = saved.itemIds.external(it)
    const t = titles?.get(String(ext))
    out.push(t !== undefined ? { item: ext, score: top.scores[j], title: t } : { item: ext, score: top.scores[j] })
  }
  return out
}

function printList(ctx: CommandContext, head: string, items: ListedItem[]): void {
  const lines = [head]
  const w = Math.max(4, ...items.map((x) => String(x.item).length))
  items.forEach((x, r) => {
    lines.push(
      `${String(r + 1).padStart(3)}. ${String(x.item).padEnd(w)}  ${x.score.toFixed(4).padStart(9)}${x.title !== undefined ? '  ' + x.title : ''}`,
    )
  })
  ctx.io.stdout(lines.join('\n') + '\n')
}

/** `decoy recommend`. */
export const recommendCommand: Command = {
  name: 'recommend',
  summary: "top-k items for a user from a saved model (the user's training items excluded)",
  usage: '--model <saved> --user <id> [--k 10] [--dataset <name>] [--json]',
  options: [
    ...common,
    { name: 'user', type: 'string', value: '<id>', description: 'external user id' },
    { name: 'include-seen', type: 'boolean', description: "do not exclude the user's training items" },
  ],
  notes: 'JSON: {"user": <id>, "items": [{"item": <external id>, "score": <number>, "title"?: <string>}, …]}',
  async run(args, ctx) {
    const path = args.required('model')
    const rawUser = args.required('user')
    const k = args.int('k', 10, 1)!
    const saved = loadSavedModel(path)
    const numUsers = Number((saved.header.extra as { numUsers?: number } | undefined)?.numUsers ?? saved.userIds.size)
    const u = internalId(saved, 'userIds', rawUser, 'user', numUsers, path)
    const top = saved.model.recommend(Int32Array.of(u), Math.min(k, saved.model.numItems), { excludeSeen: !args.bool('include-seen') })
    const titles = await titlesFor(args, ctx, saved)
    const items = listItems(top, saved, titles)
    const user = saved.userIds.external(u)
    if (args.bool('json')) {
      ctx.json({ user, items })
      return
    }
    printList(ctx, `top ${items.length} for user ${user} (${saved.kind} model ${path})`, items)
  },
}

/** `decoy similar`. */
export const similarCommand: Command = {
  name: 'similar',
  summary: 'items most similar to an item in a saved model (cosine of item embeddings)',
  usage: '--model <saved> --item <id> [--k 10] [--dataset <name>] [--json]',
  options: [...common, { name: 'item', type: 'string', value: '<id>', description: 'external item id' }],
  notes: 'JSON: {"item": <id>, "title"?: <string>, "items": [{"item": <external id>, "score": <number>, "title"?: <string>}, …]}',
  async run(args, ctx) {
    const path = args.required('model')
    const rawItem = args.required('item')
    const k = args.int('k', 10, 1)!
    const saved = loadSavedModel(path)
    if (typeof saved.model.similarItems !== 'function') throw new InputError(`${path}: a ${saved.kind} model has no item similarity`, path)
    const q = internalId(saved, 'itemIds', rawItem, 'item', saved.model.numItems, path)
    const top = saved.model.similarItems(Int32Array.of(q), Math.min(k, Math.max(1, saved.model.numItems - 1)))
    const titles = await titlesFor(args, ctx, saved)
    const items = listItems(top, saved, titles)
    const item = saved.itemIds.external(q)
    const title = titles?.get(String(item))
    if (args.bool('json')) {
      ctx.json(title !== undefined ? { item, title, items } : { item, items })
      return
    }
    printList(ctx, `most similar to item ${item}${title ? ` (${title})` : ''} (${saved.kind} model ${path})`, items)
  },
}
