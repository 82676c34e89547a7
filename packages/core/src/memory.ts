/**
 * Memory guard: sizes that would not fit (an embedding of 10⁶ dimensions, 10¹⁵ draws kept in
 * memory, a synthetic log of 10¹² rows) fail before anything is allocated, with the estimate and
 * the limit in bytes, instead of hanging the machine or dying in V8 ("Invalid typed array
 * length"). One estimator for the library and the CLI.
 */

/**
 * A requested size needs more memory than Decoy may use. The CLI reports it with exit 2.
 *
 * @example
 * ```ts
 * try { model.fit(train, { sampler }) }
 * catch (e) { if (e instanceof ResourceError) console.error(e.bytes, e.limit) }
 * ```
 */
export class ResourceError extends Error {
  override readonly name = 'ResourceError'
  /**
   * @param message - the whole sentence: what, the estimate, the limit, how to lower it.
   * @param bytes - the estimated need.
   * @param limit - the budget it exceeds.
   */
  constructor(
    message: string,
    readonly bytes: number,
    readonly limit: number,
  ) {
    super(message)
  }
}

/** Budget when the machine's memory is unknown (browsers, workers without `process`): 2 GiB. */
export const DEFAULT_MEMORY_BUDGET = 2 * 1024 ** 3

/** Share of the machine's physical memory one Decoy process may plan to use. */
export const MEMORY_FRACTION = 0.75

/**
 * Elements in one typed array that Decoy's kernels can index (32-bit signed offsets); V8 itself
 * stops a little above 2³².
 */
export const MAX_ARRAY_ELEMENTS = 2 ** 31 - 1

let override: number | null = null

interface ProcessLike {
  env?: Record<string, string | undefined>
  getBuiltinModule?: (id: string) => unknown
}

/**
 * Parses a size such as `4000000000`, `512MB`, `2GiB`, `1.5g`.
 * @returns bytes, or null when `text` is not a size.
 * @internal
 */
export function parseByteSize(text: string): number | null {
  const m = /^\s*(\d+(?:\.\d+)?(?:e\d+)?)\s*([kmgt]?)(i?b)?\s*$/i.exec(text)
  if (!m) return null
  const unit = m[2].toLowerCase()
  const base = m[3] !== undefined && m[3].toLowerCase() === 'ib' ? 1024 : unit === '' ? 1 : 1000
  const pow = { '': 0, k: 1, m: 2, g: 3, t: 4 }[unit] ?? 0
  const v = Number(m[1]) * base ** pow
  return Number.isFinite(v) && v > 0 ? v : null
}

/**
 * The bytes Decoy may plan to use: {@link setMemoryBudget}'s value, else `DECOY_MEMORY_LIMIT`
 * (`8GB`, `512MiB`, bytes), else 75% of the machine's memory on Node (`MEMORY_FRACTION`), else
 * 2 GiB (`DEFAULT_MEMORY_BUDGET`).
 */
export function memoryBudget(): number {
  if (override !== null) return override
  const proc = (globalThis as { process?: ProcessLike }).process
  const env = proc?.env?.DECOY_MEMORY_LIMIT
  if (env !== undefined && env !== '') {
    const v = parseByteSize(env)
    if (v !== null) return v
  }
  // process.getBuiltinModule (Node ≥ 20.16) reaches node:os without an import, so this module
  // stays browser-safe.
  const os = proc?.getBuiltinModule?.('node:os') as { totalmem?: () => number } | undefined
  const total = os?.totalmem?.()
  return typeof total === 'number' && total > 0 ? Math.floor(total * MEMORY_FRACTION) : DEFAULT_MEMORY_BUDGET
}

/**
 * Sets the budget for this thread (null restores the default).
 * @param bytes - bytes, or null.
 */
export function setMemoryBudget(bytes: number | null): void {
  if (bytes !== null && !(Number.isFinite(bytes) && bytes > 0))
    throw new RangeError(`memory budget must be a positive number of bytes, got ${bytes}`)
  override = bytes
}

/** `1234567890` → `1.23 GB (1234567890 bytes)`. */
export function formatBytes(bytes: number): string {
  const units = ['bytes', 'kB', 'MB', 'GB', 'TB', 'PB', 'EB']
  let v = bytes
  let u = 0
  while (v >= 1000 && u < units.length - 1) {
    v /= 1000
    u++
  }
  const exact = Number.isFinite(bytes) && bytes < 1e21 ? `${Math.round(bytes)} bytes` : `${bytes.toExponential(2)} bytes`
  return u === 0 ? exact : `${v.toPrecision(3)} ${units[u]} (${exact})`
}

/** One array of a planned allocation: how many elements of how many bytes each. */
export interface AllocationPart {
  /** What it holds, for the message (`item factors`). */
  readonly what: string
  /** Elements (may be a product of user inputs; checked for size and integrality). */
  readonly elements: number
  /** Bytes per element (4 for Float32Array / Int32Array, 8 for Float64Array). */
  readonly bytesPer: number
}

/**
 * Checks a planned allocation against the budget before anything is allocated.
 *
 * @param task - what is being planned, for the message (`mf with 1000000 factors`).
 * @param parts - the arrays it needs (their sum is the estimate).
 * @param hint - how to lower it, appended to the message (`lower --factors`).
 * @returns the estimated bytes.
 * @throws {@link ResourceError} when the sum exceeds {@link memoryBudget} or one array exceeds
 * {@link MAX_ARRAY_ELEMENTS}, naming the estimate and the limit.
 * @example
 * ```ts
 * checkAllocation('mf', [{ what: 'item factors', elements: numItems * dim, bytesPer: 4 }], 'lower the dimension')
 * ```
 */
export function checkAllocation(task: string, parts: readonly AllocationPart[], hint?: string): number {
  let bytes = 0
  let largest: AllocationPart | null = null
  for (const p of parts) {
    if (!(p.elements >= 0)) throw new RangeError(`${task}: ${p.what} has an invalid size ${p.elements}`)
    bytes += p.elements * p.bytesPer
    if (largest === null || p.elements > largest.elements) largest = p
  }
  const limit = memoryBudget()
  const tail = hint ? `; ${hint}` : ''
  if (bytes > limit) {
    const big = largest ? largest.elements * largest.bytesPer : 0
    const biggest =
      largest && big < bytes * 0.99 ? `, of which ${largest.what} ${formatBytes(big)}` : ` for ${largest?.what ?? 'its arrays'}`
    throw new ResourceError(
      `${task} needs about ${formatBytes(bytes)} of memory${biggest}, over the limit of ${formatBytes(limit)}${limitNote()}${tail}`,
      bytes,
      limit,
    )
  }
  if (largest !== null && largest.elements > MAX_ARRAY_ELEMENTS) {
    throw new ResourceError(
      `${task}: ${largest.what} would hold ${largest.elements.toExponential(3)} elements, over the ${MAX_ARRAY_ELEMENTS} one array can hold${tail}`,
      bytes,
      limit,
    )
  }
  return bytes
}

function limitNote(): string {
  if (override !== null) return ''
  const env = (globalThis as { process?: ProcessLike }).process?.env?.DECOY_MEMORY_LIMIT
  return env ? ' (DECOY_MEMORY_LIMIT)' : ` (${Math.round(MEMORY_FRACTION * 100)}% of this machine's memory; DECOY_MEMORY_LIMIT changes it)`
}
