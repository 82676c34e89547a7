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
/**
 * Row-wise Adagrad: one accumulator per parameter row, G_r ← G_r + mean_f(g_f²),
 * θ_r ← θ_r − lr·g/√(G_r + ε) — one square root per row instead of one per coordinate, and a
 * row's accumulators take one float instead of `dim`. Biases (rows of one) keep scalar Adagrad.
 * @see FBGEMM / TorchRec `rowwise_adagrad` (EXACT_ROWWISE_ADAGRAD) for embedding tables.
 */
export const OPT_ADAGRAD_ROW = 2

/**
 * Optimiser names, as used in configs. `'adagrad-row'` is row-wise Adagrad ({@link OPT_ADAGRAD_ROW}),
 * named after the method it varies so that it sorts and reads next to `'adagrad'` in lists and
 * `--help`; only MF implements it (FM and LightGCN reject it, naming the option).
 */
export type OptimizerName = 'sgd' | 'adagrad' | 'adagrad-row'

/** Every optimiser name, in the order error messages and `--help` list them. */
export const optimizerNames: readonly OptimizerName[] = Object.freeze(['sgd', 'adagrad', 'adagrad-row'])

/** The optimisers every model implements (per-coordinate state only). */
export const basicOptimizerNames: readonly OptimizerName[] = Object.freeze(['sgd', 'adagrad'])

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
 * Row-wise Adagrad update of row `row` = `theta[to..to+dim)` with gradient
 * `g_f = a·src[so+f] + b·theta[to+f]`: `acc[row] += Σ_f g_f² / dim`, then
 * `theta[to+f] -= lr·g_f/√(acc[row] + ε)`. Two passes over the row (the mean needs the whole
 * gradient first); the second recomputes g from the unchanged inputs rather than storing it.
 * @param acc - one accumulator per row (`[rows]`).
 * @see {@link OPT_ADAGRAD_ROW}.
 * @remarks O(dim), allocates nothing; one square root and one division per row.
 */
export function adagradRowwise(
  theta: Float32Array,
  acc: Float32Array,
  row: number,
  to: number,
  src: Float32Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  let s2 = 0
  for (let f = 0; f < dim; f++) {
    const g = a * src[so + f] + b * theta[to + f]
    s2 += g * g
  }
  const h = acc[row] + s2 / dim
  acc[row] = h
  const r = lr / Math.sqrt(h + ADAGRAD_EPS)
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    theta[to + f] = t - r * (a * src[so + f] + b * t)
  }
}

/**
 * Row-wise Adagrad update with a double-precision gradient source; see {@link adagradRowwise}.
 * @remarks O(dim), allocates nothing.
 */
export function adagradRowwise64(
  theta: Float32Array,
  acc: Float32Array,
  row: number,
  to: number,
  src: Float64Array,
  so: number,
  a: number,
  b: number,
  dim: number,
  lr: number,
): void {
  let s2 = 0
  for (let f = 0; f < dim; f++) {
    const g = a * src[so + f] + b * theta[to + f]
    s2 += g * g
  }
  const h = acc[row] + s2 / dim
  acc[row] = h
  const r = lr / Math.sqrt(h + ADAGRAD_EPS)
  for (let f = 0; f < dim; f++) {
    const t = theta[to + f]
    theta[to + f] = t - r * (a * src[so + f] + b * t)
  }
}

/**
 * Accumulator floats an optimiser keeps for `rows` parameter rows of `dim` values: none (SGD),
 * `rows·dim` (Adagrad), `rows` (row-wise Adagrad).
 */
export function accumulatorLength(optimizer: number, rows: number, dim: number): number {
  if (optimizer === OPT_ADAGRAD) return rows * dim
  if (optimizer === OPT_ADAGRAD_ROW) return rows
  return 0
}

/**
 * Update of one scalar parameter `theta[i]` with gradient `g` (biases). Row-wise Adagrad updates a
 * scalar as plain Adagrad (a bias is a row of one).
 * @param acc - Adagrad accumulators (ignored for SGD).
 * @remarks O(1), allocates nothing.
 */
export function scalarUpdate(optimizer: number, theta: Float32Array, acc: Float32Array, i: number, g: number, lr: number): void {
  if (optimizer === OPT_ADAGRAD || optimizer === OPT_ADAGRAD_ROW) {
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

/**
 * Code of an optimiser name.
 * @param accepts - the names the calling model implements (default: SGD and Adagrad, which every
 * model does); MF passes {@link optimizerNames}.
 * @param model - the model's name, for the error.
 * @throws Error naming the option on an unknown name (listing every known one), or on a known
 * name the model does not implement (listing the ones it does).
 */
export function optimizerCode(name: OptimizerName, accepts: readonly OptimizerName[] = basicOptimizerNames, model = 'this model'): number {
  // A name's index in optimizerNames is its OPT_* code.
  const code = optimizerNames.indexOf(name)
  if (code < 0) {
    throw new Error(`optimizer: unknown optimizer ${JSON.stringify(name)}; expected ${listNames(optimizerNames)}`)
  }
  if (!accepts.includes(name)) {
    throw new Error(`optimizer: ${model} does not implement ${JSON.stringify(name)}; expected ${listNames(accepts)}`)
  }
  return code
}

function listNames(names: readonly string[]): string {
  return names.length < 2 ? names.join('') : `${names.slice(0, -1).join(', ')} or ${names[names.length - 1]}`
}

/** Code of a schedule name; throws naming the option on an unknown one. */
export function scheduleCode(name: ScheduleName): number {
  if (name === 'constant') return SCHEDULE_CONSTANT
  if (name === 'linear') return SCHEDULE_LINEAR
  throw new Error(`schedule: unknown schedule ${JSON.stringify(name)}; expected constant or linear`)
}
