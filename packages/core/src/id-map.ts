/** An external id as it appears in a file: an integer or a string. */
export type ExternalId = string | number

/**
 * External ⇄ internal id map. Internal ids are dense `0..size-1` in order of first appearance
 * (or in the order given to {@link IdMap.from}).
 *
 * Integer-keyed maps (`kind: 'int'`) keep ids as numbers, so `"007"` and `7` are different only
 * in string maps. Lookups use a `Map`: fine at the edges (I/O, CLI), never in a kernel.
 */
export class IdMap {
  private readonly toInternal = new Map<ExternalId, number>()
  private readonly externals: ExternalId[] = []

  /** @param kind - `'int'` when every external id is an integer, else `'string'`. */
  constructor(readonly kind: 'int' | 'string' = 'int') {}

  /** Builds a map whose internal id i is `ids[i]`. Throws on a duplicate id. */
  static from(ids: ArrayLike<ExternalId>, kind?: 'int' | 'string'): IdMap {
    const k = kind ?? (allIntegers(ids) ? 'int' : 'string')
    const m = new IdMap(k)
    for (let i = 0; i < ids.length; i++) {
      const before = m.size
      m.intern(ids[i])
      if (m.size === before) throw new Error(`IdMap.from: duplicate id ${String(ids[i])} at position ${i}`)
    }
    return m
  }

  /** Number of ids. */
  get size(): number {
    return this.externals.length
  }

  /** Internal id of `id`, adding it when new. */
  intern(id: ExternalId): number {
    const key = this.normalise(id)
    let v = this.toInternal.get(key)
    if (v === undefined) {
      v = this.externals.length
      this.toInternal.set(key, v)
      this.externals.push(key)
    }
    return v
  }

  /** Internal id of `id`, or -1 when unknown. */
  get(id: ExternalId): number {
    const key = this.normalise(id)
    const v = this.toInternal.get(key)
    return v === undefined ? -1 : v
  }

  /** True when `id` is known. */
  has(id: ExternalId): boolean {
    return this.get(id) >= 0
  }

  /** External id of internal id `i`. */
  external(i: number): ExternalId {
    if (i < 0 || i >= this.externals.length) throw new RangeError(`IdMap: internal id ${i} out of range [0, ${this.externals.length})`)
    return this.externals[i]
  }

  /** All external ids in internal order (a copy). */
  toArray(): ExternalId[] {
    return this.externals.slice()
  }

  private normalise(id: ExternalId): ExternalId {
    if (this.kind === 'int') {
      const n = typeof id === 'number' ? id : Number(id)
      if (!Number.isInteger(n)) throw new Error(`IdMap: id ${JSON.stringify(id)} is not an integer in an integer-keyed map`)
      return n
    }
    return String(id)
  }
}

function allIntegers(ids: ArrayLike<ExternalId>): boolean {
  for (let i = 0; i < ids.length; i++) {
    const v = ids[i]
    if (typeof v === 'number') {
      if (!Number.isInteger(v)) return false
    } else if (!/^-?\d{1,15}$/.test(v) || (v.length > 1 && /^-?0/.test(v))) return false
  }
  return true
}
