import type { Interactions, Recommender } from '@decoy/core'
import type { CommonFitOptions, EarlyStoppingOptions, EpochStats } from './types.js'

/** What an epoch tracker needs of the model being trained. */
export interface TrackedModel {
  /** The model, for `evaluateFn`. */
  readonly model: Recommender
  /** Current parameter arrays (snapshotted for early stopping). */
  arrays(): Record<string, Float32Array>
  /** Names in `arrays()` that are parameters. */
  readonly paramNames: readonly string[]
  /** Called before validation and `onEpoch` see the model (refresh caches, user vectors). */
  beforeReport?(): void
}

/** The end-of-epoch bookkeeping every model shares: validation, early stopping, `onEpoch`. */
export interface EpochTracker {
  /** Records an epoch; returns false when training should stop. */
  afterEpoch(stats: EpochStats): boolean
  /** Restores the best epoch's parameters (under early stopping); call once after training. */
  finish(): void
  /** Per-epoch statistics so far. */
  readonly epochs: EpochStats[]
  /** Epoch whose parameters the model holds after `finish`. */
  readonly bestEpoch: number
  /** Training seconds summed over epochs. */
  readonly trainSeconds: number
  /** Pair updates summed over epochs. */
  readonly updates: number
}

/**
 * Validates the validation / early-stopping options and returns the tracker that applies them
 * after each epoch: `evaluateFn({ model, train, validation })`, a best-epoch snapshot of the
 * parameters while the metric improves by more than `minDelta`, a stop after `patience` epochs
 * without improvement, and a stop when `onEpoch` returns false.
 * @throws Error when validation lacks `evaluateFn` or early stopping lacks validation.
 */
export function createEpochTracker(target: TrackedModel, train: Interactions, opts: CommonFitOptions, plannedEpochs: number): EpochTracker {
  if (opts.validation && !opts.evaluateFn) throw new Error('fit: validation needs evaluateFn (e.g. from @decoy/eval)')
  const es: EarlyStoppingOptions | null = opts.earlyStopping === true ? {} : opts.earlyStopping ? opts.earlyStopping : null
  if (es && !opts.validation) throw new Error('fit: earlyStopping needs validation data and evaluateFn')
  const metric = es?.metric ?? 'ndcg@10'
  const patience = es?.patience ?? 2
  const minDelta = es?.minDelta ?? 0
  let best = -Infinity
  let wait = 0
  let snapshot: Record<string, Float32Array> | null = null
  const t = {
    epochs: [] as EpochStats[],
    bestEpoch: plannedEpochs - 1,
    trainSeconds: 0,
    updates: 0,
    afterEpoch(stats: EpochStats): boolean {
      t.trainSeconds += stats.seconds
      t.updates += stats.updates
      let stop = false
      // Only when something looks at the model: the default path stays as fast as before.
      if (opts.validation !== undefined || opts.onEpoch !== undefined) target.beforeReport?.()
      if (opts.validation && opts.evaluateFn) {
        stats.validation = opts.evaluateFn({ model: target.model, train, validation: opts.validation })
        if (es) {
          const value = stats.validation[metric]
          if (typeof value !== 'number') {
            throw new Error(
              `fit: earlyStopping metric ${JSON.stringify(metric)} is not among the validation metrics (${Object.keys(stats.validation).join(', ')})`,
            )
          }
          if (value > best + minDelta) {
            best = value
            t.bestEpoch = stats.epoch
            wait = 0
            snapshot = copyArrays(target.arrays(), target.paramNames, snapshot)
          } else if (++wait >= patience) stop = true
        }
      }
      if (!es) t.bestEpoch = stats.epoch
      t.epochs.push(stats)
      if (opts.onEpoch && opts.onEpoch(stats) === false) stop = true
      return !stop
    },
    finish(): void {
      if (!snapshot) return
      const arrays = target.arrays()
      for (const name of Object.keys(snapshot)) arrays[name].set(snapshot[name])
    },
  }
  return t
}

function copyArrays(
  arrays: Record<string, Float32Array>,
  names: readonly string[],
  into: Record<string, Float32Array> | null,
): Record<string, Float32Array> {
  const out: Record<string, Float32Array> = into ?? {}
  for (const name of names) {
    const a = arrays[name]
    if (!a) continue
    const dst = out[name]
    if (dst && dst.length === a.length) dst.set(a)
    else out[name] = a.slice()
  }
  return out
}
