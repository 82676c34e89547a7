/**
 * Batch-shared negatives: the GEMM kernel and the whole shared-negative step at M = 1024, dim 64,
 * in GFLOP/s on one core (the step counts its three products, 3 × 2·rows·M·dim flops, and spends
 * the rest on the loss pass, gathers and row updates), the WebAssembly kernel against its scalar
 * twin, then one epoch of MF with `shared` (M = 1024) against `all` on a synthetic catalogue of
 * 40,000 items, interleaved, as a time ratio.
 *
 * Standalone: `npx tsx bench/shared.ts` (re-runs itself with the `decoy-source` condition).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const DIM = 64
const M = 1024
const ROWS = 256

/** Best-of-`reps` seconds of `fn`. */
function best(reps: number, fn: () => void): number {
  let b = Infinity
  for (let r = 0; r < reps; r++) {
    const t0 = performance.now()
    fn()
    b = Math.min(b, (performance.now() - t0) / 1000)
  }
  return b
}

/**
 * Runs the group.
 * @returns GEMM and step GFLOP/s, the kernel's speed-up over the scalar loop, and the shared/all epoch ratio.
 */
export async function benchShared(): Promise<BenchRow[]> {
  const core = await import('@decoy/core')
  const { prngNormal } = await import('@decoy/core/kernels')
  const kernels = await import('@decoy/models/kernels')
  const models = await import('@decoy/models')
  const { createSampler } = await import('@decoy/samplers')
  const rows: BenchRow[] = []
  const st = core.createRng('bench-shared').state

  // The three products of a step on their own.
  const gemmFlops = 3 * 2 * ROWS * M * DIM
  const arenas = [new kernels.GemmArena(true), new kernels.GemmArena(false)]
  const secs: number[] = []
  for (const g of arenas) {
    const [u, qt, s, q, du, dq] = g.reserve([ROWS * DIM, DIM * M, ROWS * M, M * DIM, ROWS * DIM, M * DIM])
    for (let i = 0; i < g.f32.length; i++) g.f32[i] = 0.1 * prngNormal(st)
    const reps = g.wasm ? 20 : 1
    secs.push(
      best(3, () => {
        for (let r = 0; r < reps; r++) {
          g.gemm(u * 4, DIM * 4, 4, qt * 4, M * 4, s * 4, M * 4, ROWS, M, DIM, 0)
          g.gemm(s * 4, M * 4, 4, q * 4, DIM * 4, du * 4, DIM * 4, ROWS, DIM, M, 0)
          g.gemm(s * 4, 4, M * 4, u * 4, DIM * 4, dq * 4, DIM * 4, M, DIM, ROWS, 0)
        }
      }) / reps,
    )
  }
  const gemmName = `GEMM: scores + dU + dQ, ${ROWS} rows × M ${M} × dim ${DIM} (WebAssembly SIMD)`
  rows.push({ name: gemmName, value: round(gemmFlops / secs[0] / 1e9), unit: 'GFLOP/s' })
  rows.push({ name: 'GEMM: WebAssembly SIMD / scalar TypeScript', value: round(secs[1] / secs[0]), unit: 'x' })

  // The whole step: 256 slots of 256 distinct users against 1,024 shared uniform negatives.
  const numUsers = 2000
  const numItems = 20000
  const perUser = 20
  const users = new Int32Array(numUsers * perUser)
  const items = new Int32Array(numUsers * perUser)
  for (let u = 0, o = 0; u < numUsers; u++) {
    for (let c = 0; c < perUser; c++, o++) {
      users[o] = u
      items[o] = (u * 7919 + c * 104729) % numItems
    }
  }
  const train = core.buildInteractions({ users, items }, { numUsers, numItems })
  for (const chunk of [1, 8] as const) {
    const arrays: Record<string, Float32Array> = {
      left: Float32Array.from({ length: numUsers * DIM }, () => 0.1 * prngNormal(st)),
      right: Float32Array.from({ length: numItems * DIM }, () => 0.1 * prngNormal(st)),
      bias: new Float32Array(numItems),
    }
    arrays.leftAcc = new Float32Array(arrays.left.length)
    arrays.rightAcc = new Float32Array(arrays.right.length)
    arrays.biasAcc = new Float32Array(numItems)
    const { code, hp } = kernels.resolveLoss('softmax', {}, M, numItems)
    const spec = {
      dim: DIM,
      numItems,
      loss: code,
      hp: Array.from(hp),
      optimizer: kernels.OPT_ADAGRAD,
      normalize: 0,
      l2: 0.05,
      l2Bias: 0.05,
    }
    const step = new kernels.SharedStep(arrays, spec)
    const sampler = createSampler({ kind: 'shared', count: M })
    sampler.prepare({ train, rng: core.createRng('bench-shared').fork('sampler'), scorer: null })
    const slots = ROWS * chunk
    const batch = core.createBatch(slots)
    const negs = core.createNegativeBuffer(slots, 1)
    for (let s = 0; s < slots; s++) {
      const u = (Math.floor(s / chunk) * 7) % numUsers
      batch.users[s] = u
      batch.positives[s] = train.items[train.indptr[u] + (s % chunk)]
    }
    batch.size = slots
    sampler.sample(batch, negs)
    const reps = 10
    const sec =
      best(5, () => {
        for (let r = 0; r < reps; r++) step.step(batch, negs, 0, slots, 0.05)
      }) / reps
    const label = chunk === 1 ? `${ROWS} slots of distinct users` : `${slots} slots, ${chunk} per user`
    const name = `shared-negative step, M ${M}, dim ${DIM}, ${label} (GEMM flops / step time)`
    rows.push({ name, value: round(gemmFlops / sec / 1e9), unit: 'GFLOP/s' })
  }

  // One epoch of MF: shared (M = 1024) against all, on a 40k-item catalogue, interleaved.
  const { generateSynthetic } = await import('@decoy/datasets')
  const shape = { users: 2000, items: 40000, clusters: 20, interactionsPerUser: [10, 60] as [number, number], popularityExponent: 1 }
  const big = generateSynthetic({ ...shape, seed: 'bench-shared' }).interactions
  const times: Record<string, number[]> = { shared: [], all: [] }
  for (let round = 0; round < 2; round++) {
    for (const kind of ['shared', 'all'] as const) {
      const m = models.matrixFactorization({ epochs: 1, batchSize: 2048 })
      const sampler = createSampler(kind === 'shared' ? { kind, count: M } : { kind })
      const r = await m.fit(big, { sampler, seed: round })
      times[kind].push(r.trainSeconds)
    }
  }
  const sh = Math.min(...times.shared)
  const al = Math.min(...times.all)
  rows.push({ name: 'MF epoch, 2k users × 40k items: shared (M 1024)', value: round(sh), unit: 's' })
  rows.push({ name: 'MF epoch, 2k users × 40k items: all items', value: round(al), unit: 's' })
  rows.push({ name: 'MF epoch on 40k items: shared / all', value: round(sh / al), unit: 'ratio' })
  return rows
}

function round(x: number): number {
  return Math.round(x * 1000) / 1000
}

const self = fileURLToPath(import.meta.url)
if (process.argv[1] === self) {
  const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
  if (!conditioned) {
    const child = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, self], { stdio: 'inherit' })
    process.exit(child.status ?? 1)
  }
  console.table(await benchShared())
}
