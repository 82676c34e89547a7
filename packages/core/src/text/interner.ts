import { IdMap } from '../id-map.js'

/** Ids up to this bound get a direct lookup table; larger or negative ones go through the map. */
const DENSE_LIMIT = 1 << 22

const encoder = new TextEncoder()
const decoder = new TextDecoder('utf-8', { fatal: true })

/** @internal Returned by {@link IdInterner.internBytes} for bytes that are not valid UTF-8. */
export const INVALID_UTF8 = -2

/**
 * @internal Interns external ids of one column into an {@link IdMap} without creating a string per
 * row: integer ids go through a direct table indexed by the id, string ids through a byte-keyed
 * open-addressing hash; only ids seen for the first time are decoded and added to the map.
 *
 * An owned map starts integer-keyed and switches to string keys at the first id that is not a
 * canonical integer (internal ids are kept). A map supplied by the caller keeps its kind.
 */
export class IdInterner {
  /** The map ids are interned into (replaced once if an owned int map turns into a string map). */
  map: IdMap
  /** 0: integer keys, 1: string keys. */
  mode: 0 | 1
  private readonly owned: boolean
  private dense: Int32Array
  // byte hash (string mode)
  private slots: Int32Array = new Int32Array(0)
  private mask = 0
  private entryOff: Int32Array = new Int32Array(0)
  private entryLen: Int32Array = new Int32Array(0)
  private entryHash: Int32Array = new Int32Array(0)
  private entryId: Int32Array = new Int32Array(0)
  private numEntries = 0
  private pool: Uint8Array = new Uint8Array(0)
  private poolLen = 0

  /**
   * @param map - the caller's map (kept, its kind fixed) or undefined for a fresh owned map.
   * @param allowNew - false: unknown ids give -1 instead of being added.
   */
  constructor(
    map: IdMap | undefined,
    readonly allowNew: boolean,
  ) {
    this.owned = map === undefined
    this.map = map ?? new IdMap('int')
    this.mode = this.map.kind === 'int' ? 0 : 1
    this.dense = new Int32Array(0)
    if (this.mode === 0) {
      const ext = this.map.toArray()
      let max = -1
      for (let i = 0; i < ext.length; i++) {
        const v = ext[i] as number
        if (v >= 0 && v < DENSE_LIMIT && v > max) max = v
      }
      if (max >= 0) {
        this.growDense(max + 1)
        for (let i = 0; i < ext.length; i++) {
          const v = ext[i] as number
          if (v >= 0 && v < DENSE_LIMIT) this.dense[v] = i
        }
      }
    } else {
      this.initHash(this.map.toArray())
    }
  }

  /** True when ids of this column may switch from integer to string keys. */
  get canSwitch(): boolean {
    return this.owned
  }

  /** Internal id of integer id `v` (integer mode only); -1 if unknown and `allowNew` is false. */
  internInt(v: number): number {
    if (v >= 0 && v < DENSE_LIMIT) {
      if (v < this.dense.length) {
        const x = this.dense[v]
        if (x >= 0) return x
      } else {
        this.growDense(v + 1)
      }
      if (!this.allowNew) return -1
      const id = this.map.intern(v)
      this.dense[v] = id
      return id
    }
    if (!this.allowNew) return this.map.get(v)
    return this.map.intern(v)
  }

  /**
   * Internal id of the string id in `buf[s..e)` (string mode only); -1 if unknown and `allowNew` is
   * false, {@link INVALID_UTF8} when a new id's bytes are not valid UTF-8.
   */
  internBytes(buf: Uint8Array, s: number, e: number): number {
    let h = 0x811c9dc5 | 0
    for (let p = s; p < e; p++) h = Math.imul(h ^ buf[p], 0x01000193)
    const len = e - s
    const mask = this.mask
    const slots = this.slots
    let slot = h & mask
    for (;;) {
      const k = slots[slot]
      if (k === 0) break
      const ent = k - 1
      if (this.entryHash[ent] === h && this.entryLen[ent] === len) {
        const off = this.entryOff[ent]
        const pool = this.pool
        let same = true
        for (let q = 0; q < len; q++) {
          if (pool[off + q] !== buf[s + q]) {
            same = false
            break
          }
        }
        if (same) return this.entryId[ent]
      }
      slot = (slot + 1) & mask
    }
    if (!this.allowNew) return -1
    let text: string
    try {
      text = decoder.decode(buf.subarray(s, e))
    } catch {
      return INVALID_UTF8
    }
    const id = this.map.intern(text)
    this.addEntry(buf, s, e, h, id)
    return id
  }

  /** Switches an owned integer map to string keys, keeping internal ids. */
  switchToStrings(): void {
    if (this.mode === 1) return
    if (!this.owned) throw new Error('IdInterner: cannot change the kind of a caller-supplied IdMap')
    const ext = this.map.toArray()
    const m = new IdMap('string')
    for (let i = 0; i < ext.length; i++) m.intern(String(ext[i]))
    this.map = m
    this.mode = 1
    this.dense = new Int32Array(0)
    this.initHash(m.toArray())
  }

  private growDense(min: number): void {
    let cap = Math.max(1024, this.dense.length)
    while (cap < min) cap *= 2
    if (cap > DENSE_LIMIT) cap = DENSE_LIMIT
    const d = new Int32Array(cap).fill(-1)
    d.set(this.dense)
    this.dense = d
  }

  private initHash(ext: readonly (string | number)[]): void {
    let cap = 1024
    while (cap < ext.length * 2) cap *= 2
    this.slots = new Int32Array(cap)
    this.mask = cap - 1
    this.entryOff = new Int32Array(cap >> 1)
    this.entryLen = new Int32Array(cap >> 1)
    this.entryHash = new Int32Array(cap >> 1)
    this.entryId = new Int32Array(cap >> 1)
    this.numEntries = 0
    this.pool = new Uint8Array(Math.max(4096, ext.length * 8))
    this.poolLen = 0
    for (let i = 0; i < ext.length; i++) {
      const b = encoder.encode(String(ext[i]))
      let h = 0x811c9dc5 | 0
      for (let p = 0; p < b.length; p++) h = Math.imul(h ^ b[p], 0x01000193)
      this.addEntry(b, 0, b.length, h, i)
    }
  }

  private addEntry(buf: Uint8Array, s: number, e: number, h: number, id: number): void {
    const len = e - s
    if (this.poolLen + len > this.pool.length) {
      const p = new Uint8Array(Math.max(this.pool.length * 2, this.poolLen + len))
      p.set(this.pool.subarray(0, this.poolLen))
      this.pool = p
    }
    this.pool.set(buf.subarray(s, e), this.poolLen)
    if (this.numEntries + 1 > this.entryOff.length) this.rehash()
    const ent = this.numEntries++
    this.entryOff[ent] = this.poolLen
    this.entryLen[ent] = len
    this.entryHash[ent] = h
    this.entryId[ent] = id
    this.poolLen += len
    let slot = h & this.mask
    while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask
    this.slots[slot] = ent + 1
  }

  private rehash(): void {
    const cap = this.slots.length * 2
    const grow = (a: Int32Array): Int32Array => {
      const b = new Int32Array(cap >> 1)
      b.set(a)
      return b
    }
    this.entryOff = grow(this.entryOff)
    this.entryLen = grow(this.entryLen)
    this.entryHash = grow(this.entryHash)
    this.entryId = grow(this.entryId)
    this.slots = new Int32Array(cap)
    this.mask = cap - 1
    for (let ent = 0; ent < this.numEntries; ent++) {
      let slot = this.entryHash[ent] & this.mask
      while (this.slots[slot] !== 0) slot = (slot + 1) & this.mask
      this.slots[slot] = ent + 1
    }
  }
}
