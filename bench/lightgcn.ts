/**
 * LightGCN (`@decoy/models` kind `lightgcn`): throughput of the sparse propagation kernel (one
 * layer `Ã·E` over the symmetric-normalised graph), TypeScript reference against the WebAssembly
 * SIMD twin, and seconds per training epoch against MF's on the same data, sampler, loss, dim and
 * batch, for exact propagation (`propagateEvery: 1`) and cached layers (`propagateEvery: N`).
 * Every comparison is interleaved over rounds and reported as the median (compare ratios, not
 * seconds, on a busy machine). Data: planted logs shaped like Gowalla as LightGCN's paper uses it
 * (29,858 users × 40,981 items, ~1.03M interactions): full size for the propagation rows, scaled by
 * `LIGHTGCN_BENCH_SCALE` (default 0.1) for the epoch rows; `LIGHTGCN_BENCH_N` (default 4) is the
 * cached variant's `propagateEvery`.
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

const median = (xs: number[]): number => {
  const s = [...xs].sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 ? s[m] : (s[m - 1] + s[m]) / 2
}

/**
 * Runs the LightGCN benchmark.
 * @returns rows: propagation throughput (TS, wasm, ratio) at dim 64; seconds per epoch of MF and
 * LightGCN (K = 3; exact and cached) and their ratios, for two losses.
 */
export async function benchLightGcn(): Promise<BenchRow[]> {
  const { generateSynthetic } = await import('@decoy/datasets')
  const { createModel } = await import('@decoy/models')
  const { createSampler } = await import('@decoy/samplers')
  const { normalizedGraph } = await import('../packages/models/src/lightgcn/graph.js')
  const { jsPropagator, wasmPropagator } = await import('../packages/models/src/lightgcn/propagate.js')
  const { createPropagationPool } = await import('../packages/models/src/lightgcn/threads.js')
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
  const nnz = full.items.length
  const wasm = wasmPropagator(g, dim, 2)
  // The same kernel over shared memory with one worker thread: rows split in two.
  const threaded = wasmPropagator(g, dim, 2, undefined, true)
  if (!wasm || !threaded) throw new Error('bench lightgcn: the WebAssembly SIMD kernel does not run on this engine')
  const pool = await createPropagationPool(threaded.memory as WebAssembly.Memory, 1)
  threaded.useThreads(pool)
  const props = { ts: jsPropagator(g, dim), wasm, 'wasm 2 threads': threaded }
  type Kind = keyof typeof props
  const kinds = Object.keys(props) as Kind[]
  const bufs = Object.fromEntries(kinds.map((k) => [k, [props[k].floats().fill(0.01), props[k].floats()]])) as Record<Kind, Float32Array[]>
  const layerSecs = Object.fromEntries(kinds.map((k) => [k, [] as number[]])) as Record<Kind, number[]>
  const reps = 3
  for (let round = 0; round < 6; round++) {
    for (const kind of kinds) {
      const [x, y] = bufs[kind]
      const t0 = performance.now()
      for (let r = 0; r < reps; r++) props[kind].layer(r % 2 ? y : x, r % 2 ? x : y)
      // Round 0 warms the JIT.
      if (round > 0) layerSecs[kind].push((performance.now() - t0) / 1000 / reps)
    }
  }
  threaded.useThreads(null)
  await pool.close()
  const edgeRows = 2 * nnz
  for (const kind of kinds) {
    const secs = median(layerSecs[kind])
    const label = `propagation layer Ã·E, ${kind}, dim ${dim}, ${full.numUsers}×${full.numItems}, ${nnz} interactions`
    rows.push({ name: `${label}: seconds`, value: Number(secs.toFixed(4)), unit: 's' })
    rows.push({
      name: `${label}: nnz·dim (2·nnz edge-rows × dim) per second`,
      value: Number(((edgeRows * dim) / secs / 1e9).toFixed(3)),
      unit: 'G/s',
    })
    rows.push({
      name: `${label}: GFLOP/s (a multiply and an add per edge-row element)`,
      value: Number(((2 * edgeRows * dim) / secs / 1e9).toFixed(3)),
      unit: 'GFLOP/s',
    })
  }
  rows.push({
    name: 'propagation layer, wasm 2 threads speed-up over wasm (median of 5 interleaved rounds; needs 2 idle cores)',
    value: Number((median(layerSecs.wasm) / median(layerSecs['wasm 2 threads'])).toFixed(2)),
    unit: '×',
  })
  rows.push({
    name: 'propagation layer, wasm speed-up over ts (median of 5 interleaved rounds)',
    value: Number((median(layerSecs.ts) / median(layerSecs.wasm)).toFixed(2)),
    unit: '×',
  })

  const scale = Number(process.env.LIGHTGCN_BENCH_SCALE ?? 0.1)
  const train = gowalla(scale)
  const cachedN = Number(process.env.LIGHTGCN_BENCH_N ?? 4)
  // Two settings: the defaults (sampled softmax, 32 negatives: the slots dominate MF's epoch) and
  // BPR with one negative (the paper's; MF's epoch is tiny, so propagation dominates the ratio).
  for (const [loss, negatives] of [
    ['softmax', 32],
    ['bpr', 1],
  ] as const) {
    const variants: Record<string, Record<string, unknown>> = {
      mf: { kind: 'mf', bias: false },
      'lightgcn exact': { kind: 'lightgcn', layers: 3, propagateEvery: 1 },
      [`lightgcn propagateEvery ${cachedN}`]: { kind: 'lightgcn', layers: 3, propagateEvery: cachedN },
    }
    const secs: Record<string, number[]> = {}
    const cpu: Record<string, number[]> = {}
    for (let round = 0; round < 3; round++) {
      for (const [name, extra] of Object.entries(variants)) {
        const model = createModel({ dim, loss, negatives, epochs: 1, batchSize: 2048, ...extra } as unknown as { kind: string })
        const c0 = process.cpuUsage()
        const res = await model.fit(train, { sampler: createSampler({ kind: 'uniform' }), seed: 1 })
        const c = process.cpuUsage(c0)
        ;(secs[name] ??= []).push(res.trainSeconds)
        ;(cpu[name] ??= []).push((c.user + c.system) / 1e6)
      }
    }
    const mf = median(secs.mf)
    const mfCpu = median(cpu.mf)
    for (const name of Object.keys(variants)) {
      rows.push({
        name: `epoch, ${name} (kernel auto), ${loss} k=${negatives}, batch 2048, dim ${dim}, ${train.items.length} interactions`,
        value: Number(median(secs[name]).toFixed(3)),
        unit: 's',
      })
      if (name !== 'mf') {
        rows.push({
          name: `${name} / MF seconds per epoch, ${loss} k=${negatives} (target ≤ K+1 = 4; median of 3 interleaved rounds)`,
          value: Number((median(secs[name]) / mf).toFixed(2)),
          unit: '×',
        })
        // CPU time of the process: what a loaded machine's wall clock hides.
        rows.push({
          name: `${name} / MF CPU seconds per epoch, ${loss} k=${negatives}`,
          value: Number((median(cpu[name]) / mfCpu).toFixed(2)),
          unit: '×',
        })
      }
    }
  }

  // LIGHTGCN_BENCH_FULL=1: one epoch of each at full Gowalla size with the models' default settings
  // (MF: batch 256; LightGCN: batch 2048, exact and cached), wall and CPU seconds. Minutes of work.
  if (process.env.LIGHTGCN_BENCH_FULL === '1') {
    // Gowalla's training split: ~810k interactions over the same users and items (27.5 per user).
    const gowallaTrain = generateSynthetic({
      users: 29858,
      items: 40981,
      clusters: 50,
      interactionsPerUser: [8, 47],
      seed: 'bench-lightgcn-train',
    }).interactions
    const fullVariants: Record<string, Record<string, unknown>> = {
      'mf defaults': { kind: 'mf' },
      'lightgcn defaults (propagateEvery 1)': { kind: 'lightgcn' },
      [`lightgcn propagateEvery ${cachedN}`]: { kind: 'lightgcn', propagateEvery: cachedN },
    }
    for (const [name, config] of Object.entries(fullVariants)) {
      const model = createModel({ ...config, epochs: 1 } as unknown as { kind: string })
      const c0 = process.cpuUsage()
      const res = await model.fit(gowallaTrain, { sampler: createSampler({ kind: 'uniform' }), seed: 1 })
      const c = process.cpuUsage(c0)
      const label = `Gowalla-size epoch (${gowallaTrain.items.length} training interactions), ${name}, kernel ${res.kernel}`
      rows.push({ name: `${label}: wall seconds`, value: Number(res.trainSeconds.toFixed(1)), unit: 's' })
      rows.push({ name: `${label}: CPU seconds`, value: Number(((c.user + c.system) / 1e6).toFixed(1)), unit: 's' })
    }
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
