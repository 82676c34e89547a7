/**
 * Successive halving over epochs, bracket after bracket: a bracket draws η^(R−1) configurations,
 * trains each for `rungs[0]` epochs, keeps the best 1/η (rounded up) for `rungs[1]` epochs, and so
 * on, so poor configurations stop after one epoch while good ones reach the last rung. Each rung is
 * a set of independent tasks (a configuration trained from scratch for that rung's epochs), so the
 * tasks of a rung run in parallel and the outcome depends only on the seed — never on which task
 * finished first. The objective is injected: tests run it on a synthetic one.
 */
import type { TuneBudget } from './budget.js'

/** A configuration to train for `epochs` epochs at rung `rung`. */
export interface TrialTask {
  /** Trial number (the configuration's index in the seeded stream). */
  trial: number
  /** Rung index (0 = fewest epochs). */
  rung: number
  /** Epoch budget of the rung. */
  epochs: number
  /** The sampled configuration. */
  config: Record<string, unknown>
}

/** What training a task yields. */
export interface TrialOutcome {
  /** The validation metric being maximised (best epoch). */
  score: number
  /** 1-based epoch of the best score (the epochs a retrain should run). */
  bestEpoch: number
  /** Epochs actually run (early stopping may stop before `epochs`). */
  epochsRun: number
  /** Every validation metric at the best epoch. */
  validation: Record<string, number>
}

/** A finished task, as journaled. */
export interface TrialRecord extends TrialTask, TrialOutcome {
  /** Seconds since the search began (across resumed sessions) when the task finished. */
  seconds: number
}

/** Options of {@link successiveHalving}. */
export interface HalvingOptions {
  /** Configuration of trial `i` (deterministic in `i`). */
  sample(trial: number): Record<string, unknown>
  /** Trains one task. */
  run(task: TrialTask): Promise<TrialOutcome>
  /** Epochs per rung, increasing, e.g. `[1, 3, 9, 27]`. */
  rungs: readonly number[]
  /** Keep the best 1/η of a rung (η ≥ 2). */
  eta: number
  /** Wall-clock seconds or a number of configurations. */
  budget: TuneBudget
  /** Tasks run at once (default 1). */
  concurrency?: number
  /** Finished tasks of an earlier session, keyed `<trial>/<rung>`: reused, not rerun. */
  done?: ReadonlyMap<string, TrialRecord>
  /** Called on every finished task (`fresh` false for a reused one), in task order within a rung. */
  onRecord?(record: TrialRecord, fresh: boolean): void
  /** Seconds since this session began (injectable for tests). */
  now?(): number
}

/** Validates rungs and η, naming the field. */
export function checkHalving(rungs: readonly number[], eta: number): void {
  if (!Array.isArray(rungs) || rungs.length === 0) throw new Error('rungs: must be a non-empty list of epoch counts, e.g. [1, 3, 9, 27]')
  rungs.forEach((r, i) => {
    if (!Number.isInteger(r) || r < 1) throw new Error(`rungs[${i}]: must be an integer >= 1, got ${r}`)
    if (i > 0 && r <= rungs[i - 1]) throw new Error(`rungs[${i}]: must be more than rungs[${i - 1}] (${rungs[i - 1]}), got ${r}`)
  })
  if (!Number.isInteger(eta) || eta < 2) throw new Error(`eta: must be an integer >= 2, got ${eta}`)
}

/** Best first: higher score, then lower trial number; NaN (diverged) last. */
export function byScore(a: { score: number; trial: number }, b: { score: number; trial: number }): number {
  const sa = Number.isNaN(a.score) ? -Infinity : a.score
  const sb = Number.isNaN(b.score) ? -Infinity : b.score
  return sb - sa || a.trial - b.trial
}

/**
 * Runs brackets of successive halving until the budget is spent.
 * @returns every finished task (reused ones included), in schedule order.
 * @remarks With a trial budget the schedule is fixed by the seed, so the records are too; with a
 * time budget the search stops scheduling tasks once the time is up (tasks running then finish).
 */
export async function successiveHalving(o: HalvingOptions): Promise<TrialRecord[]> {
  checkHalving(o.rungs, o.eta)
  const start = performance.now()
  const now = o.now ?? (() => (performance.now() - start) / 1000)
  const done = o.done ?? new Map<string, TrialRecord>()
  let offset = 0
  for (const r of done.values()) offset = Math.max(offset, r.seconds)
  const bracketSize = o.eta ** (o.rungs.length - 1)
  const concurrency = Math.max(1, o.concurrency ?? 1)
  const records: TrialRecord[] = []
  const timeUp = () => o.budget.seconds !== undefined && offset + now() >= o.budget.seconds
  let nextTrial = 0
  for (;;) {
    const n = o.budget.trials !== undefined ? Math.min(bracketSize, o.budget.trials - nextTrial) : bracketSize
    if (n <= 0) break
    let alive = Array.from({ length: n }, (_, i) => nextTrial + i)
    nextTrial += n
    let stopped = false
    for (let rung = 0; rung < o.rungs.length && alive.length > 0; rung++) {
      const tasks: TrialTask[] = alive.map((trial) => ({ trial, rung, epochs: o.rungs[rung], config: o.sample(trial) }))
      const results: (TrialRecord | undefined)[] = new Array(tasks.length)
      let next = 0
      const lane = async () => {
        while (next < tasks.length) {
          const i = next++
          const t = tasks[i]
          const old = done.get(`${t.trial}/${t.rung}`)
          if (old) {
            results[i] = old
            o.onRecord?.(old, false)
            continue
          }
          if (timeUp()) {
            stopped = true
            return
          }
          const outcome = await o.run(t)
          const rec: TrialRecord = { ...t, ...outcome, seconds: Number((offset + now()).toFixed(3)) }
          results[i] = rec
          o.onRecord?.(rec, true)
        }
      }
      await Promise.all(Array.from({ length: Math.min(concurrency, tasks.length) }, lane))
      const finished = results.filter((r): r is TrialRecord => r !== undefined)
      records.push(...finished)
      if (stopped) break
      finished.sort(byScore)
      alive = finished.slice(0, Math.ceil(finished.length / o.eta)).map((r) => r.trial)
    }
    if (stopped || timeUp()) break
  }
  return records
}

/** One row per trial: its record at the highest rung it reached. */
export function finalRecords(records: readonly TrialRecord[]): TrialRecord[] {
  const last = new Map<number, TrialRecord>()
  for (const r of records) {
    const prev = last.get(r.trial)
    if (!prev || r.rung > prev.rung) last.set(r.trial, r)
  }
  return [...last.values()]
}

/**
 * The leaderboard: trials at their highest rung, deepest rung first (a configuration that
 * survived more halvings was judged on more epochs), then by score.
 */
export function leaderboard(records: readonly TrialRecord[]): TrialRecord[] {
  return finalRecords(records).sort((a, b) => b.rung - a.rung || byScore(a, b))
}
