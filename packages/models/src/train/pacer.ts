/**
 * Progress reports and yielding to the event loop during `fit`: the one place that decides when a
 * training loop calls `onProgress` and when it gives the page (or Node's event loop) a turn. The
 * loops stay synchronous between those points, so yielding never changes what is computed.
 */

/** Where a fit is, passed to `onProgress` (per batch, throttled, and at every epoch end). */
export interface FitProgress {
  /** 0-based epoch being trained. */
  epoch: number
  /** Planned epochs of the fit. */
  epochs: number
  /** Steps (batches; ALS: row blocks; item2vec: user blocks) done in this epoch. */
  step: number
  /** Steps of an epoch. */
  steps: number
  /** Fraction of the whole fit done, 0..1. */
  fraction: number
  /** Wall-clock seconds since the fit's training loop started. */
  seconds: number
  /** Mean loss per slot so far in this epoch (absent for models that do not compute it). */
  loss?: number
}

/**
 * When `fit` gives the event loop a turn (a macrotask: `setImmediate` in Node, a `MessageChannel`
 * message in browsers, neither clamped like `setTimeout(0)`):
 * - `'auto'`: whenever about 25 ms passed since the last turn, so a page never blocks for long;
 * - `'batch'`: after every step; `'epoch'`: after every epoch; `'never'`: not at all;
 * - a number: whenever that many milliseconds passed (tfjs's `yieldEvery`).
 *
 * Default: `'auto'` where there is no Node (`process.versions.node` absent: browsers, Web
 * Workers), `'never'` in Node.
 */
export type YieldEvery = 'auto' | 'batch' | 'epoch' | 'never' | number

/** The pacing options of `fit` (part of `CommonFitOptions`). */
export interface PacingOptions {
  /** Called with the fit's progress per step (at most about every 16 ms) and at every epoch end. */
  onProgress?: (p: FitProgress) => void
  /** When to yield to the event loop (see {@link YieldEvery}). */
  yieldEvery?: YieldEvery
}

/** Milliseconds between two `onProgress` calls within an epoch. */
export const PROGRESS_INTERVAL_MS = 16
/** Milliseconds of work between two turns of the event loop under `yieldEvery: 'auto'`. */
export const AUTO_YIELD_MS = 25

/** True when running under Node (where `fit` does not yield by default). */
export function isNode(): boolean {
  const p = (globalThis as { process?: { versions?: { node?: string } } }).process
  return typeof p?.versions?.node === 'string'
}

/**
 * Decides, step by step, when a training loop reports progress and when it yields. Call
 * {@link Pacer.step} after each step (only when {@link Pacer.active}) and await
 * {@link Pacer.pause} when it returns true; call {@link Pacer.epochEnd} likewise after each epoch.
 */
export interface Pacer {
  /** False when there is nothing to do per step (no `onProgress`, no time-based yielding). */
  readonly active: boolean
  /** Records step `step` (1-based count done) of `epoch`; returns true when the loop should yield. */
  step(epoch: number, step: number, loss?: number): boolean
  /** True when the loop should yield once before training (after its set-up), i.e. it yields at all. */
  readonly yields: boolean
  /** Records the end of `epoch` (always reported); returns true when the loop should yield. */
  epochEnd(epoch: number, loss?: number): boolean
  /** A turn of the event loop. */
  pause(): Promise<void>
}

/**
 * Validates the pacing options and builds the {@link Pacer} of a fit of `epochs` epochs of `steps`
 * steps each.
 * @throws Error naming `yieldEvery` when it is not one of its forms.
 */
export function createPacer(opts: PacingOptions, epochs: number, steps: number): Pacer {
  const onProgress = opts.onProgress
  if (onProgress !== undefined && typeof onProgress !== 'function') throw new Error('fit: onProgress must be a function')
  const mode = opts.yieldEvery ?? (isNode() ? 'never' : 'auto')
  let everyMs = -1
  if (mode === 'auto') everyMs = AUTO_YIELD_MS
  else if (mode === 'batch') everyMs = 0
  else if (typeof mode === 'number') {
    if (!(Number.isFinite(mode) && mode >= 0))
      throw new Error(`fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or milliseconds ≥ 0, got ${mode}`)
    everyMs = mode
  } else if (mode !== 'epoch' && mode !== 'never') {
    throw new Error(`fit: yieldEvery must be 'auto', 'batch', 'epoch', 'never' or milliseconds ≥ 0, got ${JSON.stringify(mode)}`)
  }
  const yieldEpoch = mode !== 'never'
  const start = performance.now()
  let lastYield = start
  let lastReport = -Infinity
  const perStep = Math.max(1, steps)
  const report = (now: number, epoch: number, step: number, loss: number | undefined): void => {
    lastReport = now
    const p: FitProgress = {
      epoch,
      epochs,
      step,
      steps: perStep,
      fraction: Math.min(1, (epoch + step / perStep) / epochs),
      seconds: (now - start) / 1000,
    }
    if (loss !== undefined && Number.isFinite(loss)) p.loss = loss
    onProgress!(p)
  }
  return {
    active: onProgress !== undefined || everyMs >= 0,
    yields: yieldEpoch,
    step(epoch: number, step: number, loss?: number): boolean {
      const now = performance.now()
      if (onProgress !== undefined && now - lastReport >= PROGRESS_INTERVAL_MS && step < perStep) report(now, epoch, step, loss)
      if (everyMs >= 0 && now - lastYield >= everyMs) {
        lastYield = now
        return true
      }
      return false
    },
    epochEnd(epoch: number, loss?: number): boolean {
      const now = performance.now()
      if (onProgress !== undefined) report(now, epoch, perStep, loss)
      if (yieldEpoch) {
        lastYield = now
        return true
      }
      return false
    },
    pause: macrotask,
  }
}

type Resolve = () => void
let channel: MessageChannel | null = null
const waiting: Resolve[] = []
let lastTimerTurn = 0

/** Milliseconds after which a browser turn goes through the timer queue (see {@link macrotask}). */
export const TIMER_TURN_MS = 40

/**
 * Resolves on the next macrotask: `setImmediate` in Node (whose event loop runs due timers on
 * every turn); elsewhere a `MessageChannel` message, which browsers do not clamp to 4 ms as they do
 * nested `setTimeout(0)`. Chromium runs posted messages ahead of due timers, though (measured: a
 * 10 ms interval fired only every 50–60 ms between 25 ms slices), so when 40 ms passed since the
 * last one, a turn goes through `setTimeout(0)` instead, queued behind the page's due timers. It is
 * usually set from a message task, outside any timer nesting, so it is not clamped either.
 */
export function macrotask(): Promise<void> {
  const g = globalThis as { setImmediate?: (cb: () => void) => unknown }
  if (typeof g.setImmediate === 'function') {
    const si = g.setImmediate
    return new Promise((resolve) => si(resolve))
  }
  const now = performance.now()
  if (typeof MessageChannel !== 'function' || now - lastTimerTurn >= TIMER_TURN_MS) {
    lastTimerTurn = now
    return new Promise((resolve) => setTimeout(resolve, 0))
  }
  if (channel === null) {
    channel = new MessageChannel()
    channel.port1.onmessage = () => waiting.shift()?.()
    // Under Node (no setImmediate is unusual but possible), an idle port must not keep it alive.
    ;(channel.port1 as { unref?: () => void }).unref?.()
  }
  const c = channel
  return new Promise((resolve) => {
    waiting.push(resolve)
    c.port2.postMessage(null)
  })
}
