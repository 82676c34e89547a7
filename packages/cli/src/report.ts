import type { EvalResult } from '@decoy/eval'

/** The metric part of every JSON report: `metrics`, `users`, `unseen_test_items`, … */
export function evalJson(r: EvalResult): Record<string, unknown> {
  return {
    metrics: r.metrics,
    k: r.k,
    users: r.numUsers,
    test_interactions: r.testItems,
    unseen_test_items: r.unseenTestItems,
    masked_test_items: r.maskedTestItems,
    unknown_users: r.unknownUsers ?? 0,
    unknown_user_interactions: r.unknownUserInteractions ?? 0,
    unknown_items: r.unknownItems ?? 0,
    sampled: r.sampled,
    ...(r.sampled ? { sampled_negatives: r.negatives, sampled_seed: r.seed } : {}),
    warnings: r.warnings,
  }
}

/** A metric × K table: one row per metric, one column per cut-off. */
export function metricsTable(r: EvalResult): string {
  const names: string[] = []
  for (const key of Object.keys(r.metrics)) {
    const name = key.slice(0, key.lastIndexOf('@'))
    if (!names.includes(name)) names.push(name)
  }
  const w = Math.max(8, ...names.map((n) => n.length)) + 2
  const header = 'metric'.padEnd(w) + r.k.map((k) => ('@' + k).padStart(10)).join('')
  const rows = names.map((n) => n.padEnd(w) + r.k.map((k) => fmtMetric(r.metrics[`${n}@${k}`])).join(''))
  return [header, ...rows].join('\n') + '\n'
}

function fmtMetric(v: number | undefined): string {
  if (v === undefined) return '-'.padStart(10)
  return (Math.abs(v) >= 100 ? v.toFixed(1) : v.toFixed(4)).padStart(10)
}

/** The summary line under a metrics table. */
export function evalSummary(r: EvalResult): string {
  const parts = [
    `${r.numUsers} test users`,
    `${r.testItems} test interactions`,
    `${r.unseenTestItems} with items unseen in train (kept in denominators)`,
  ]
  if (r.maskedTestItems > 0) parts.push(`${r.maskedTestItems} also in train (masked)`)
  if ((r.unknownItems ?? 0) > 0) parts.push(`${r.unknownItems} distinct items absent from train`)
  if ((r.unknownUsers ?? 0) > 0)
    parts.push(`${r.unknownUsers} users absent from train not evaluated (${r.unknownUserInteractions} interactions)`)
  let s = parts.join(', ') + '\n'
  if (r.sampled) s += `SAMPLED metrics (${r.negatives} negatives, seed ${r.seed}): biased, not comparable to full ranking\n`
  return s
}
