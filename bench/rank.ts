/**
 * Blocked full ranking (`dotTopK`, `dotTopKParallel`, `evaluateAsync`) against the cost of the
 * product alone, on the Gowalla shape of issue 15: 29,858 users × 40,981 items, dim 64, 27 train
 * and 7 test items per user on average (≈ 1.03M interactions), random factors.
 *
 * - "product alone": the WebAssembly tile kernel over every (user block, item panel) with the
 *   thresholds at +Infinity (it computes every score, adds the biases and compares, but never
 *   writes a record), one thread, every user: the floor any full ranking pays;
 * - "evaluate, 1 thread": `evaluate` of every user (item packing, blocked ranking with the fused
 *   top-k, masking of the train rows, metrics at K = 10, 20, coverage, popularity);
 * - their ratio (target ≤ 1.2), in process CPU time (`process.cpuUsage`, which other jobs on a
 *   shared machine distort less than wall time), runs interleaved, the median of 5 rounds; beside
 *   it `dotTopK` alone (top 20, train rows masked) over the product alone, same rounds;
 * - "evaluate, 2 workers": `evaluateAsync` with `dotTopKParallel` over all users, wall clock
 *   (target ≤ 10 s on 2 cores).
 *
 * Standalone: `npx tsx bench/rank.ts`.
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

/** One benchmark figure. */
export interface BenchRow {
  name: string
  value: number
  unit: string
}

const USERS = 29_858
const ITEMS = 40_981
const DIM = 64
/** Interleaved rounds of product alone, evaluate and dotTopK; the figures are medians. */
const ROUNDS = 5

/** Runs the group; returns product-alone and evaluation figures. */
export async function benchRank(): Promise<BenchRow[]> {
  const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
  const { dotTopKParallel } = await import('@decoy/core/node')
  const { evaluate, evaluateAsync } = await import('@decoy/eval')
  const inner = await import('../packages/core/src/dot-topk.js')
  const sb = await import('../packages/core/src/kernels/score-block.js')
  const st = core.createRng('bench-rank').state
  const f = {
    dim: DIM,
    numUsers: USERS,
    numItems: ITEMS,
    userFactors: Float32Array.from({ length: USERS * DIM }, () => 0.1 * core.prngNormal(st)),
    itemFactors: Float32Array.from({ length: ITEMS * DIM }, () => 0.1 * core.prngNormal(st)),
    itemBias: Float32Array.from({ length: ITEMS }, () => 0.1 * core.prngNormal(st)),
  }
  const model = { numItems: ITEMS, scoreAll: (u: number, out: Float32Array) => core.dotScoreRow(f, u, out), factors: () => f }
  const log = (n: number): { users: Int32Array; items: Int32Array } => {
    const users = new Int32Array(USERS * n)
    const items = new Int32Array(USERS * n)
    for (let u = 0, j = 0; u < USERS; u++) for (let c = 0; c < n; c++, j++) (users[j] = u), (items[j] = core.prngBelow(st, ITEMS))
    return { users, items }
  }
  const tr = log(27)
  const te = log(7)
  const opts = { numUsers: USERS, numItems: ITEMS, duplicates: 'first' as const }
  const train = core.buildInteractions(tr, opts)
  const test = core.buildInteractions(te, opts)

  // Product alone over every user: every block against every panel, thresholds +Infinity (the
  // kernel computes and compares every score but never offers one to a heap).
  const L = inner.rankLayout(ITEMS, DIM, 20, 1)
  const memory = new WebAssembly.Memory({ initial: L.bytes / 65536 })
  inner.packItems(f.itemFactors, f.itemBias, L, memory.buffer)
  const kernel = sb.instantiateScoreBlock(memory)
  const f32 = new Float32Array(memory.buffer)
  const at = inner.slotRegions(DIM, L.kk, L.maskWords)
  const U = L.scratchAt + at.U
  const T = L.scratchAt + at.T
  f32.fill(Infinity, T >> 2, (T >> 2) + inner.BLOCK_ROWS)
  const productOnly = (): number => {
    const t0 = process.cpuUsage()
    for (let s = 0; s + inner.BLOCK_ROWS <= USERS; s += inner.BLOCK_ROWS) {
      // Pack the block as the ranker does (part of the product's cost).
      for (let r = 0; r < inner.BLOCK_ROWS; r++) {
        const base = (U >> 2) + (r >> 2) * DIM * 4 + (r & 3)
        const src = (s + r) * DIM
        for (let x = 0; x < DIM; x++) f32[base + x * 4] = f.userFactors[src + x]
      }
      const o = (name: keyof typeof at): number => L.scratchAt + at[name]
      kernel.scoreTopK(
        U,
        inner.BLOCK_ROWS,
        o('UB'),
        T,
        L.itemsAt,
        L.biasAt,
        DIM,
        0,
        L.panels,
        o('HZ'),
        o('HS'),
        o('HI'),
        L.kk,
        o('X'),
        L.maskWords,
        o('R'),
      )
    }
    return cpuSeconds(t0)
  }
  const everyone = Int32Array.from({ length: USERS }, (_, u) => u)
  const topKAll = (): number => {
    const t0 = process.cpuUsage()
    core.dotTopK(f, everyone, 20, { exclude: [train] })
    return cpuSeconds(t0)
  }
  const evalAll = (): number => {
    const t0 = process.cpuUsage()
    evaluate(model, train, test, { k: [10, 20] })
    return cpuSeconds(t0)
  }
  const ratios: number[] = []
  const topRatios: number[] = []
  const prod: number[] = []
  const evals: number[] = []
  for (let r = 0; r < ROUNDS; r++) {
    const a = productOnly()
    const b = evalAll()
    const c = topKAll()
    prod.push(a)
    evals.push(b)
    ratios.push(b / a)
    topRatios.push(c / a)
  }
  const gmacs = (Math.floor(USERS / inner.BLOCK_ROWS) * inner.BLOCK_ROWS * ITEMS * DIM) / median(prod) / 1e9

  const t0 = performance.now()
  const res = await evaluateAsync(model, train, test, {
    k: [10, 20],
    topK: (g, users, k, exclude) => dotTopKParallel(g, users, k, { exclude, workers: 2 }),
  })
  const twoWorkers = (performance.now() - t0) / 1000
  const t1 = performance.now()
  evaluate(model, train, test, { k: [10, 20] })
  const oneThread = (performance.now() - t1) / 1000
  if (res.numUsers !== USERS) throw new Error('bench rank: not every user was evaluated')
  return [
    {
      name: `rank: product alone, 1 thread, CPU time (${USERS} users × ${ITEMS} items, dim ${DIM})`,
      value: round(gmacs, 2),
      unit: 'GMAC/s',
    },
    { name: 'rank: evaluate / product alone, 1 thread, CPU time (target ≤ 1.2)', value: round(median(ratios), 3), unit: '×' },
    { name: 'rank: dotTopK (top 20, train masked) / product alone, 1 thread, CPU time', value: round(median(topRatios), 3), unit: '×' },
    { name: `rank: evaluate ${USERS} × ${ITEMS}, 1 thread, CPU time`, value: round(median(evals), 2), unit: 's' },
    { name: `rank: evaluate ${USERS} × ${ITEMS}, 1 thread, wall`, value: round(oneThread, 2), unit: 's' },
    { name: `rank: evaluate ${USERS} × ${ITEMS}, 2 workers, wall (target ≤ 10 s)`, value: round(twoWorkers, 2), unit: 's' },
    {
      name: 'rank: wall 1 thread / 2 workers (≤ 2; ~1 when the machine has no idle core)',
      value: round(oneThread / twoWorkers, 2),
      unit: '×',
    },
  ]
}

function median(xs: number[]): number {
  const s = xs.slice().sort((a, b) => a - b)
  const m = s.length >> 1
  return s.length % 2 === 1 ? s[m] : (s[m - 1] + s[m]) / 2
}

function cpuSeconds(since: NodeJS.CpuUsage): number {
  const d = process.cpuUsage(since)
  return (d.user + d.system) / 1e6
}

function round(x: number, digits = 0): number {
  const p = 10 ** digits
  return Math.round(x * p) / p
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  if (!process.execArgv.join(' ').includes('decoy-source')) {
    const r = spawnSync(process.execPath, ['--conditions=decoy-source', ...process.execArgv, fileURLToPath(import.meta.url)], {
      stdio: 'inherit',
    })
    process.exit(r.status ?? 1)
  }
  console.table(await benchRank())
}
