/** `--budget`: a wall-clock limit (`30m`, `90s`, `1.5h`) or a number of trials (`200 trials`). */

/** A parsed budget. */
export type TuneBudget = { seconds: number; trials?: undefined } | { trials: number; seconds?: undefined }

/** A bad budget; `field` is `budget`. */
export class BudgetError extends Error {
  override readonly name = 'BudgetError'
  readonly field = 'budget'
  readonly source = ''
}

/**
 * Parses `30m`, `45s`, `2h`, `200 trials` (also `200trials`, `1 trial`).
 * @throws {@link BudgetError} naming `budget` and the accepted forms.
 */
export function parseBudget(text: string): TuneBudget {
  const t = text.trim().toLowerCase()
  const time = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h)$/.exec(t)
  if (time) {
    const n = Number(time[1])
    const seconds = n * (time[2].startsWith('h') ? 3600 : time[2].startsWith('m') ? 60 : 1)
    if (!(seconds > 0)) throw new BudgetError(`budget: must be more than 0, got ${JSON.stringify(text)}`)
    return { seconds }
  }
  const trials = /^(\d+)\s*trials?$/.exec(t)
  if (trials) {
    const n = Number(trials[1])
    if (!(n >= 1)) throw new BudgetError(`budget: needs at least 1 trial, got ${JSON.stringify(text)}`)
    return { trials: n }
  }
  throw new BudgetError(`budget: expected a duration (30m, 90s, 1h) or a trial count (200 trials), got ${JSON.stringify(text)}`)
}
