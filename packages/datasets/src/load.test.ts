import { mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, describe, expect, it } from 'vitest'
import { DataError } from '@decoy/core'
import { generateSynthetic, loadInteractions, writeSyntheticMovieLens } from '@decoy/datasets'

const root = mkdtempSync(join(tmpdir(), 'decoy-load-'))
afterAll(() => rmSync(root, { recursive: true, force: true }))

describe('loadInteractions', () => {
  it('generates synthetic data from a spec, with a required seed', async () => {
    const a = await loadInteractions('synthetic:users=50,items=30,clusters=3,interactionsPerUser=4-8', { seed: 5 })
    const b = generateSynthetic({ users: 50, items: 30, clusters: 3, interactionsPerUser: [4, 8], seed: 5 })
    expect(Array.from(a.interactions.items)).toEqual(Array.from(b.interactions.items))
    expect(Array.from(a.meta!.userCluster!)).toEqual(Array.from(b.userCluster))
    const c = await loadInteractions('synthetic:users=50,items=30,seed=5')
    expect(c.interactions.numUsers).toBe(50)
    await expect(loadInteractions('synthetic')).rejects.toThrow(/needs a seed/)
    await expect(loadInteractions('synthetic:colours=3', { seed: 1 })).rejects.toThrow(/unknown option "colours"/)
    await expect(loadInteractions('synthetic:users=many', { seed: 1 })).rejects.toThrow(/users="many" is not a number/)
  })

  it('applies minRating to synthetic data through its generated ratings', async () => {
    const all = await loadInteractions('synthetic:users=100,items=50', { seed: 2, synthetic: { ratings: true } })
    const pos = await loadInteractions('synthetic:users=100,items=50', { seed: 2, minRating: 4 })
    const w = all.interactions.weights!
    let n = 0
    for (const r of w) if (r >= 4) n++
    expect(pos.interactions.indptr[pos.interactions.numUsers]).toBe(n)
    expect(pos.interactions.numUsers).toBe(100)
  })

  it('detects a MovieLens directory and returns its metadata', async () => {
    const d = join(root, 'synthetic-ml')
    const w = writeSyntheticMovieLens(d, { users: 25, items: 20, clusters: 2, interactionsPerUser: 5, seed: 3 })
    const r = await loadInteractions(d)
    expect(r.meta!.name).toBe('ml-latest-small')
    expect(r.meta!.source).toBe(d)
    expect(r.interactions.indptr[r.interactions.numUsers]).toBe(125)
    expect(r.meta!.items!.titles[0]).toBe(w.titles[Number(r.interactions.itemIds.external(0)) - 1])
    const d25 = join(root, 'ml-25m')
    writeSyntheticMovieLens(d25, { users: 5, items: 5, clusters: 1, interactionsPerUser: 2, seed: 3 })
    expect((await loadInteractions(d25)).meta!.name).toBe('ml-25m')
    await expect(loadInteractions(d, { format: 'ml-1m' })).rejects.toThrow(/ratings\.dat not found/)
    await expect(loadInteractions(d, { format: 'csv' })).rejects.toThrow(/is a directory; format csv needs a file/)
  })

  it('reads CSV and TSV files, with --format overrides', async () => {
    const csv = join(root, 'log.csv')
    writeFileSync(csv, 'user,item,rating\nu1,a,5\nu1,b,3\nu2,a,4\n')
    const r = await loadInteractions(csv)
    expect([r.interactions.numUsers, r.interactions.numItems, r.interactions.indptr[2]]).toEqual([2, 2, 3])
    const implicit = await loadInteractions(csv, { minRating: 4 })
    expect(implicit.interactions.indptr[implicit.interactions.numUsers]).toBe(2)
    const tsv = join(root, 'log.txt')
    writeFileSync(tsv, 'userId\tmovieId\n1\t10\n2\t10\n2\t20\n')
    const t = await loadInteractions(tsv, { format: 'tsv' })
    expect(t.interactions.indptr[t.interactions.numUsers]).toBe(3)
    await expect(loadInteractions(csv, { format: 'ml-100k' })).rejects.toThrow(/is a file; format ml-100k needs the dataset's directory/)
  })

  it('reads Arrow IPC files by extension, by content and by --format arrow', async () => {
    const { interactionsToArrow, writeArrowIpc } = await import('@decoy/core/arrow')
    const d = generateSynthetic({ users: 40, items: 30, clusters: 3, interactionsPerUser: 6, ratings: true, seed: 8 })
    const bytes = writeArrowIpc(interactionsToArrow(d.interactions), 'file')
    const a = join(root, 'log.arrow')
    writeFileSync(a, bytes)
    const misnamed = join(root, 'log.bin')
    writeFileSync(misnamed, writeArrowIpc(interactionsToArrow(d.interactions), 'stream'))
    for (const [p, fmt] of [
      [a, undefined],
      [misnamed, undefined],
      [misnamed, 'arrow'],
    ] as const) {
      const r = await loadInteractions(p, { format: fmt })
      expect(r.interactions.indptr[r.interactions.numUsers]).toBe(240)
      expect(r.interactions.numUsers).toBe(40)
    }
    const implicit = await loadInteractions(a, { minRating: 4 })
    let n = 0
    for (const w of d.interactions.weights!) if (w >= 4) n++
    expect(implicit.interactions.indptr[implicit.interactions.numUsers]).toBe(n)
    const notArrow = join(root, 'fake.arrow')
    writeFileSync(notArrow, 'user,item\n1,2\n')
    await expect(loadInteractions(notArrow)).rejects.toThrow(/fake\.arrow.*not an Arrow IPC/)
  })

  it('reads a ratings file of a MovieLens layout directly (u.data, ratings.dat)', async () => {
    const d = join(root, 'raw')
    mkdirSync(d, { recursive: true })
    writeFileSync(join(d, 'u.data'), '1\t10\t5\t881250949\n2\t10\t4\t891717742\n')
    writeFileSync(join(d, 'ratings.dat'), '1::1193::5::978300760\n1::661::3::978302109\n')
    expect((await loadInteractions(join(d, 'u.data'))).interactions.indptr[2]).toBe(2)
    expect((await loadInteractions(join(d, 'ratings.dat'))).interactions.numItems).toBe(2)
  })

  it('gives clear errors for bad input, unknown formats and unknown names', async () => {
    const bad = join(root, 'bad.csv')
    writeFileSync(bad, 'user,item,rating\n1,2,3\n1,3,abc\n')
    const err = await loadInteractions(bad).catch((e: unknown) => e)
    expect(err).toBeInstanceOf(DataError)
    expect((err as DataError).line).toBe(3)
    expect((err as DataError).field).toBe('rating')
    await expect(loadInteractions(bad, { format: 'xlsx' })).rejects.toThrow(/Unknown format "xlsx"; expected one of ml-100k/)
    await expect(loadInteractions('ml-1m', { format: 'ml-100k' })).rejects.toThrow(/ml-1m layout, which --format ml-100k cannot read/)
    await expect(loadInteractions('ml-3m')).rejects.toThrow(/neither a file, a directory nor a known dataset; known datasets: .*synthetic/)
    await expect(loadInteractions(join(root, 'nothing-here.csv'))).rejects.toThrow(/neither a file/)
    const empty = join(root, 'empty-dir')
    mkdirSync(empty, { recursive: true })
    await expect(loadInteractions(empty)).rejects.toThrow(/no MovieLens files found/)
  })
})
