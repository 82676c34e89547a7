import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { gzipSync } from 'node:zlib'
import { afterAll, describe, expect, it } from 'vitest'
import { runCli } from '../test-support.js'

const dir = mkdtempSync(join(tmpdir(), 'decoy-convert-'))
afterAll(() => rmSync(dir, { recursive: true, force: true }))

describe('decoy data convert', () => {
  const csv = 'user,item,rating,timestamp\nb,x,4,10\na,y,5,11\nb,y,2.5,12\nc,x,1,13\na,x,3,14\n'
  it('gzip CSV → Arrow: the file reads back to the same statistics', async () => {
    writeFileSync(join(dir, 'log.csv'), csv)
    writeFileSync(join(dir, 'log.csv.gz'), gzipSync(csv))
    const r = await runCli(['data', 'convert', '--data', join(dir, 'log.csv.gz'), '--out', join(dir, 'log.arrow'), '--json'])
    expect(r.code).toBe(0)
    expect(JSON.parse(r.out)).toMatchObject({ interactions: 5, users: 3, items: 2 })
    const a = await runCli(['data', 'stats', '--data', join(dir, 'log.arrow'), '--json'])
    const b = await runCli(['data', 'stats', '--data', join(dir, 'log.csv'), '--json'])
    const strip = (s: string) => ({ ...JSON.parse(s), data: undefined })
    expect(strip(a.out)).toEqual(strip(b.out))
  })

  it('bad input exits 2 with one line naming the file', async () => {
    writeFileSync(join(dir, 'big.csv'), 'user,item,rating\n1,2,1e39\n')
    const r = await runCli(['data', 'convert', '--data', join(dir, 'big.csv'), '--out', join(dir, 'big.arrow')])
    expect(r.code).toBe(2)
    expect(r.err).toMatch(/big\.csv.*line 2.*rating.*32-bit float/)
    mkdirSync(join(dir, 'empty'))
    const e = await runCli(['data', 'stats', '--data', join(dir, 'empty')])
    expect(e.code).toBe(2)
  })
})
