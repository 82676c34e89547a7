/**
 * apache-arrow, loaded only when a model file is written or read: it is most of a browser bundle
 * (≈ 60 kB gzip) and a page that only trains and ranks never needs it. In Node it loads
 * synchronously on first use (so `serialize()` and `deserializeModel` stay synchronous there); in
 * a browser `await loadModelFormat()` loads it first (the `@decoy/models/browser` helpers do).
 */
type Arrow = typeof import('apache-arrow')

let arrow: Arrow | null = null
let loading: Promise<void> | null = null

/**
 * Loads apache-arrow for model files (a dynamic import: bundlers split it into its own chunk).
 * Idempotent; `serialize()`, `deserializeModel` and the `decode`/`deserialize` of every model are
 * synchronous once it resolves.
 */
export function loadModelFormat(): Promise<void> {
  if (arrow !== null) return Promise.resolve()
  loading ??= import('apache-arrow').then(
    (m) => {
      arrow ??= m
    },
    (e: Error) => {
      loading = null
      throw new Error(`loadModelFormat: cannot load apache-arrow: ${e.message}`)
    },
  )
  return loading
}

/**
 * apache-arrow now, for the synchronous model-file functions: loaded already, or loaded
 * synchronously under Node (`process.getBuiltinModule`, Node ≥ 20.16).
 * @throws Error telling the caller to `await loadModelFormat()` first elsewhere (browsers).
 */
export function arrowNow(what: string): Arrow {
  if (arrow !== null) return arrow
  const proc = (globalThis as { process?: { getBuiltinModule?: (id: string) => unknown } }).process
  if (typeof proc?.getBuiltinModule === 'function') {
    const { createRequire } = proc.getBuiltinModule('node:module') as typeof import('node:module')
    arrow = createRequire(import.meta.url)('apache-arrow') as Arrow
    return arrow
  }
  throw new Error(
    `${what}: model files use apache-arrow, loaded on demand in browsers: await loadModelFormat() first, or use the async helpers of @decoy/models/browser (modelToBytes, modelFromBytes)`,
  )
}
