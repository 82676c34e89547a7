import type { Interactions } from '@decoy/core'
import { itemCounts, nnz, userCounts } from '@decoy/core'
import type { Command } from '../command.js'
import { dataOptions, loadData } from '../load.js'
import { gini, summarize, type Summary } from '@decoy/eval'

/** What `decoy data stats --json` prints. */
export interface DataStats {
  /** The `--data` argument. */
  data: string
  /** Stored (user, item) interactions after duplicate folding. */
  interactions: number
  /** Users with at least one interaction. */
  users: number
  /** Items with at least one interaction. */
  items: number
  /** interactions / (users · items). */
  density: number
  /** Gini coefficient of the item interaction counts. */
  popularity_gini: number
  /** Interactions per user. */
  per_user: Summary
  /** Interactions per item. */
  per_item: Summary
  /** Rating range when the data has ratings. */
  ratings?: { min: number; max: number; mean: number }
  /** Time range (seconds) when the data has timestamps. */
  timestamps?: { min: number; max: number }
}

/**
 * Summary statistics of an interaction log: sizes, density, popularity Gini, per-user and
 * per-item interaction counts. Users and items with no interaction are not counted.
 *
 * @remarks O(nnz + (users + items)·log); allocates the count arrays.
 */
export function dataStats(x: Interactions, data: string): DataStats {
  const uc = userCounts(x)
  const ic = itemCounts(x)
  const activeUsers = uc.filter((c) => c > 0)
  const activeItems = ic.filter((c) => c > 0)
  const n = nnz(x)
  const out: DataStats = {
    data,
    interactions: n,
    users: activeUsers.length,
    items: activeItems.length,
    density: activeUsers.length > 0 && activeItems.length > 0 ? n / (activeUsers.length * activeItems.length) : 0,
    popularity_gini: gini(activeItems),
    per_user: summarize(activeUsers),
    per_item: summarize(activeItems),
  }
  if (x.weights && n > 0) {
    let min = Infinity
    let max = -Infinity
    let sum = 0
    for (let j = 0; j < n; j++) {
      const w = x.weights[j]
      if (w < min) min = w
      if (w > max) max = w
      sum += w
    }
    out.ratings = { min, max, mean: sum / n }
  }
  if (x.times && n > 0) {
    let min = Infinity
    let max = -Infinity
    for (let j = 0; j < n; j++) {
      const t = x.times[j]
      if (t < min) min = t
      if (t > max) max = t
    }
    out.timestamps = { min, max }
  }
  return out
}

function fmt(v: number): string {
  return Number.isInteger(v) ? String(v) : v.toPrecision(4)
}

/** `decoy data stats`. */
export const dataStatsCommand: Command = {
  name: 'data stats',
  summary: 'interactions, users, items, density, popularity Gini, per-user counts',
  usage: '--data <path|dataset> [--format <fmt>] [--data-dir <dir>] [--json]',
  options: [
    ...dataOptions('data'),
    { name: 'seed', type: 'string', value: '<s>', description: 'seed for --data synthetic' },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'JSON keys: data, interactions, users, items, density, popularity_gini, per_user {min, median, mean, max},\nper_item {min, median, mean, max}, ratings? {min, max, mean}, timestamps? {min, max}.',
  async run(args, ctx) {
    const spec = args.required('data')
    const { interactions: x } = await loadData(args, ctx, 'data')
    const s = dataStats(x, spec)
    if (args.bool('json')) {
      ctx.json(s)
      return
    }
    const rows: [string, string][] = [
      ['data', spec],
      ['interactions', String(s.interactions)],
      ['users', String(s.users)],
      ['items', String(s.items)],
      ['density', s.density.toExponential(3)],
      ['popularity gini', s.popularity_gini.toFixed(4)],
      ['per user min/median/mean/max', [s.per_user.min, s.per_user.median, s.per_user.mean, s.per_user.max].map(fmt).join(' / ')],
      ['per item min/median/mean/max', [s.per_item.min, s.per_item.median, s.per_item.mean, s.per_item.max].map(fmt).join(' / ')],
    ]
    if (s.ratings) rows.push(['ratings min/mean/max', [s.ratings.min, s.ratings.mean, s.ratings.max].map(fmt).join(' / ')])
    if (s.timestamps)
      rows.push(['time range', `${new Date(s.timestamps.min * 1000).toISOString()} .. ${new Date(s.timestamps.max * 1000).toISOString()}`])
    const w = Math.max(...rows.map((r) => r[0].length)) + 2
    ctx.io.stdout(rows.map(([k, v]) => k.padEnd(w) + v).join('\n') + '\n')
  },
}
