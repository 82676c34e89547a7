import { mkdtempSync, readFileSync, readdirSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { buildInteractions, createRng, IdMap } from '@decoy/core'
import { prngBelow, prngFloat } from '@decoy/core/kernels'
import { formatInteractionsTsv, writeInteractionsTsv } from '@decoy/core/node'

const dir = mkdtempSync(join(tmpdir(), 'decoy-stream-write-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('writeInteractionsTsv (streamed in chunks)', () => {
  it('writes, over several 1 MiB chunks, the lines a plain per-line formatter writes', () => {
    const st = createRng('tsv').state
    const n = 120_000
    const users = Int32Array.from({ length: n }, () => prngBelow(st, 3000))
    const items = Int32Array.from({ length: n }, () => prngBelow(st, 900))
    const weights = Float32Array.from({ length: n }, () => Math.round(prngFloat(st) * 10) / 2 + (prngBelow(st, 7) === 0 ? 0.1 : 0))
    const times = Float64Array.from({ length: n }, (_, j) => (j % 11 === 0 ? 1.5e9 + 0.25 : j % 13 === 0 ? -j : 1.6e9 + j))
    // String ids, some needing quotes (tab, quote, leading space) and some multi-byte.
    const userIds = IdMap.from(Array.from({ length: 3000 }, (_, u) => (u % 500 === 0 ? `u"${u}\t` : u % 7 === 0 ? `ü${u}` : ` u${u}`)))
    const itemIds = IdMap.from(Array.from({ length: 900 }, (_, i) => `item-${i}`))
    const x = buildInteractions({ users, items, weights, times }, { numUsers: 3000, numItems: 900, userIds, itemIds, duplicates: 'last' })
    const path = join(dir, 'big.tsv')
    writeInteractionsTsv(path, x)
    const got = readFileSync(path, 'utf8')
    expect(got.length).toBeGreaterThan(3 << 20)
    const quote = (s: string): string => (!/[\t\n\r"]/.test(s) && s.trim() === s ? s : '"' + s.replace(/"/g, '""') + '"')
    const lines = ['user\titem\trating\ttimestamp']
    for (let u = 0; u < x.numUsers; u++) {
      for (let j = x.indptr[u]; j < x.indptr[u + 1]; j++) {
        const w = x.weights![j]
        let ws = String(w)
        for (let p = 1; p <= 9; p++) {
          if (Math.fround(Number(w.toPrecision(p))) === w) {
            ws = String(Number(w.toPrecision(p)))
            break
          }
        }
        lines.push(
          `${quote(String(x.userIds.external(u)))}\t${quote(String(x.itemIds.external(x.items[j])))}\t${ws}\t${String(x.times![j])}`,
        )
      }
    }
    expect(got).toBe(lines.join('\n') + '\n')
    expect(formatInteractionsTsv(x)).toBe(got)
    expect(readdirSync(dir).filter((f) => f.endsWith('.tmp'))).toEqual([])
  })
})
