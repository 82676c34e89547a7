/**
 * The one backend choice of every model family: its WebAssembly SIMD twin or its TypeScript
 * reference kernel. A family's backend module (`mf/backend.ts`, …) calls it and hands `fit` the
 * arrays to train, so `fit` never decides which kernel runs.
 */

/** The `kernel` option: `'auto'` (the twin where it runs), `'wasm'` (the twin or an error), `'js'` (the reference). */
export type KernelOption = 'auto' | 'wasm' | 'js'

/** What a family's twin offers for one configuration. */
export interface WasmTwin<L> {
  /** The twin implements the configuration (loss, optimiser, dim, …). */
  covers: boolean
  /** The engine runs WebAssembly SIMD (and threads when shared). */
  supported(): boolean
  /** Lays out the twin's memory; null when the parameters do not fit. */
  layout(): L | null
  /** What `'wasm'` needs, for the error when it was forced and cannot run. */
  needs: string
}

/** The chosen backend: the twin's memory layout (null for the reference) and its name. */
export interface KernelChoice<L> {
  layout: L | null
  kernel: 'wasm' | 'js'
}

/**
 * Validates `kernel` and chooses: the twin when `kernel` is `'wasm'` or `'auto'`, the twin covers
 * the configuration, the engine supports it and its memory fits; the TypeScript reference
 * otherwise. The two agree to float32 rounding per step; each is deterministic for a seed.
 *
 * @param where - the caller's name for messages (`fit`, `item2vec.fit`).
 * @throws Error for a `kernel` that is not one of the three, or `'wasm'` forced where it cannot run.
 */
export function chooseKernel<L>(kernel: KernelOption | undefined, where: string, twin: WasmTwin<L>): KernelChoice<L> {
  const k = kernel ?? 'auto'
  if (k !== 'auto' && k !== 'wasm' && k !== 'js') throw new Error(`${where}: kernel must be 'auto', 'wasm' or 'js', got ${String(k)}`)
  const layout = k !== 'js' && twin.covers && twin.supported() ? twin.layout() : null
  if (k === 'wasm' && layout === null) throw new Error(`${where}: kernel 'wasm' needs ${twin.needs}`)
  return { layout, kernel: layout ? 'wasm' : 'js' }
}
