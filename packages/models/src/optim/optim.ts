/**
 * Optimisers as row-update kernels. A step kernel computes the gradient of one parameter row in
 * the form `a·src + b·θ` (a dot-product model's gradient always has this shape: the other side's
 * factors times a coefficient, plus the L2 and normalisation terms along θ itself), and hands it to
 * one of these, which update θ in place. Every model shares them; the choice is an integer so that
 * the step kernel's call site stays monomorphic.
 */

/** Plain SGD: θ ← θ − lr·g. */
export const OPT_SGD = 0
/** Adagrad with per-parameter accumulators: G ← G + g², θ ← θ − lr·g/√(G + ε). */
export const OPT_ADAGRAD = 1

/** Optimiser names, as used in configs. */
export type OptimizerName = 'sgd' | 'adagrad'

/** Learning-rate schedules: `constant`, or `linear` decay to `minLearningRate` over the run (word2vec's). */
export type ScheduleName = 'constant' | 'linear'

/** ε of Adagrad's denominator. */
export const ADAGRAD_EPS = 1e-10

/**
 * SGD update of `theta[to..to+dim)` with gradient `a·src[so+f] + b·theta[to+f]`.
 * @param b - coefficient along θ (the L2 term goes here: b = l2 + model terms).
 * @remarks O(dim), allocates nothing.
 */
export function sgdRow(
  theta: Float32Array,
  to: number,
  src: Float32Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    theta[to + f] = t - lr * (a * src[so + f] + b * t)
  }
}

/**
 * SGD update of `theta[to..to+dim)` with gradient `a·src[so+f] + b·theta[to+f]`, `src` in
 * double precision (an accumulated user gradient).
 * @remarks O(dim), allocates nothing.
 */
export function sgdRow64(
  theta: Float32Array,
  to: number,
  src: Float64Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    theta[to + f] = t - lr * (a * src[so + f] + b * t)
  }
}

/**
 * Adagrad update of `theta[to..to+dim)` with gradient `g = a·src[so+f] + b·theta[to+f]` and
 * accumulators `acc[to..to+dim)` (same layout as θ).
 * @see Duchi, Hazan & Singer, "Adaptive Subgradient Methods", JMLR 2011.
 * @remarks O(dim), allocates nothing.
 */
export function adagradRow(
  theta: Float32Array,
  acc: Float32Array,
  to: number,
  src: Float32Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    const g = a * src[so + f] + b * t
    const h = acc[to + f] + g * g
    acc[to + f] = h
    theta[to + f] = t - (lr * g) / Math.sqrt(h + ADAGRAD_EPS)
  }
}

/**
 * Adagrad update with a double-precision gradient source; see {@link adagradRow}.
 * @remarks O(dim), allocates nothing.
 */
export function adagradRow64(
  theta: Float32Array,
  acc: Float32Array,
  to: number,
  src: Float64Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    const g = a * src[so + f] + b * t
    const h = acc[to + f] + g * g
    acc[to + f] = h
    theta[to + f] = t - (lr * g) / Math.sqrt(h + ADAGRAD_EPS)
  }
}

/**
 * Update of one scalar parameter `theta[i]` with gradient `g` (biases).
 * @param acc - Adagrad accumulators (ignored for SGD).
 * @remarks O(1), allocates nothing.
 */
export function scalarUpdate(optimizer: number, theta: Float32Array, acc: Float32Array, i: number, g: number, lr: number): void {
  if (optimizer === OPT_ADAGRAD) {
    const h = acc[i] + g * g
    acc[i] = h
    theta[i] -= (lr * g) / Math.sqrt(h + ADAGRAD_EPS)
  } else {
    theta[i] -= lr * g
  }
}

/**
 * Learning rate at `progress` ∈ [0, 1] of the run. `linear` decays from `lr` to `minLr` (word2vec's
 * alpha → min_alpha); `constant` returns `lr`.
 * @remarks O(1), allocates nothing.
 */
export function scheduledRate(schedule: number, lr: number, minLr: number, progress: number): number {
  if (schedule === SCHEDULE_LINEAR) {
    const p = progress < 0 ? 0 : progress > 1 ? 1 : progress
    const r = lr - (lr - minLr) * p
    return r > minLr ? r : minLr
  }
  return lr
}

/** Schedule code: constant rate. */
export const SCHEDULE_CONSTANT = 0
/** Schedule code: linear decay. */
export const SCHEDULE_LINEAR = 1

/** Code of an optimiser name; throws naming the option on an unknown one. */
export function optimizerCode(name: OptimizerName): number {
  if (name === 'sgd') return OPT_SGD
  if (name === 'adagrad') return OPT_ADAGRAD
  throw new Error(`optimizer: unknown optimizer ${JSON.stringify(name)}; expected sgd or adagrad`)
}

/** Code of a schedule name; throws naming the option on an unknown one. */
export function scheduleCode(name: ScheduleName): number {
  if (name === 'constant') return SCHEDULE_CONSTANT
  if (name === 'linear') return SCHEDULE_LINEAR
  throw new Error(`schedule: unknown schedule ${JSON.stringify(name)}; expected constant or linear`)
}
