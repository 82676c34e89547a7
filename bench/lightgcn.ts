/**
 * LightGCN (`@decoy/models` kind `lightgcn`): throughput of the sparse propagation kernel (one
 * layer `Ã·E` over the symmetric-normalised graph, TypeScript) in edge-rows per second, and seconds
 * per training epoch against MF's on the same data, sampler, loss, dim and batch, back to back
 * (compare the ratio, not the seconds, on a busy machine). Data: planted logs shaped like Gowalla as LightGCN's
 * paper uses it (29,858 users × 40,981 items, ~1.03M interactions): full size for the propagation
 * rows, scaled by `LIGHTGCN_BENCH_SCALE` (default 0.1) for the epoch rows (a full-size epoch takes
 * minutes on one thread).
 *
 * Standalone: `npx tsx bench/lightgcn.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

/**
 * Runs the LightGCN benchmark.
 * @returns rows: propagation edge-rows/s at dim 64, seconds per epoch of LightGCN (K = 3) and MF and their ratio, for two losses.
 */
export async function benchLightGcn(): Promise<BenchRow[]> {
  const { generateSynthetic } = await import('@decoy/datasets')
  const { createModel } = await import('@decoy/models')
  const { createSampler } = await import('@decoy/samplers')
  const { normalizedGraph, propagateLayer } = await import('../packages/models/src/lightgcn/graph.js')
  const gowalla = (scale: number) =>
    generateSynthetic({
      users: Math.round(29858 * scale),
      items: Math.round(40981 * scale),
      clusters: 50,
      interactionsPerUser: [10, 59],
      seed: 'bench-lightgcn',
    }).interactions
  const full = gowalla(1)
  const dim = 64
  const rows: BenchRow[] = []
  const g = normalizedGraph(full)
  const users = full.numUsers
  const items = full.numItems
  let nnz = full.items.length
  const src = new Float32Array((users + items) * dim).fill(0.01)
  const dst = new Float32Array(src.length)
  propagateLayer(g, src, dst, dim)
  const reps = 10
  const t0 = performance.now()
  for (let r = 0; r < reps; r++) propagateLayer(g, r % 2 ? dst : src, r % 2 ? src : dst, dim)
  const secs = (performance.now() - t0) / 1000
  rows.push({
    name: `propagation layer Ã·E, dim ${dim}, ${users}×${items}, ${nnz} interactions (2·nnz edge-rows)`,
    value: Number(((2 * nnz * reps) / secs / 1e6).toFixed(3)),
    unit: 'M edge-rows/s',
  })
  rows.push({ name: 'propagation layer, seconds', value: Number((secs / reps).toFixed(4)), unit: 's' })

  const train = gowalla(Number(process.env.LIGHTGCN_BENCH_SCALE ?? 0.1))
  nnz = train.items.length
  // Two settings: the defaults (sampled softmax, 32 negatives: the slots dominate MF's epoch) and
  // BPR with one negative (MF's epoch is tiny, so propagation dominates the ratio).
  for (const [loss, negatives] of [
    ['softmax', 32],
    ['bpr', 1],
  ] as const) {
    const secs: Record<string, number> = {}
    for (const kind of ['mf', 'lightgcn']) {
      const extra = kind === 'mf' ? { bias: false } : { layers: 3 }
      const model = createModel({ kind, dim, loss, negatives, epochs: 1, batchSize: 2048, ...extra })
      const res = await model.fit(train, { sampler: createSampler({ kind: 'uniform' }), seed: 1, kernel: 'js' })
      secs[kind] = res.trainSeconds
    }
    rows.push({
      name: `epoch, MF (js kernel), ${loss} k=${negatives}, batch 2048, ${nnz} interactions`,
      value: Number(secs.mf.toFixed(3)),
      unit: 's',
    })
    rows.push({ name: `epoch, LightGCN K=3, ${loss} k=${negatives}, same settings`, value: Number(secs.lightgcn.toFixed(3)), unit: 's' })
    rows.push({
      name: `LightGCN / MF seconds per epoch, ${loss} k=${negatives} (target ≤ K+1 = 4)`,
      value: Number((secs.lightgcn / secs.mf).toFixed(2)),
      unit: '×',
    })
  }
  return rows
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
    })
    process.exit(child.status ?? 1)
  }
  console.table(await benchLightGcn())
}
