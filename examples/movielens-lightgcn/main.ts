/**
 * LightGCN (He et al., SIGIR 2020) against matrix factorization on MovieLens latest-small (random
 * 80/20 per-user split, seed 42, full ranking): the same loss, dim, negatives and epochs, through
 * each sampler named, both models trained in the same process, one after the other per sampler,
 * so that seconds per epoch compare as a ratio even on a shared machine.
 *
 *   pnpm --filter @decoy/example-movielens-lightgcn start [-- --samplers uniform,popularity,hard] [--epochs N] [--seeds 1,2,3]
 *   … --propagate-every 1,4,16     # one LightGCN per value (exact, cached layers), against the same MF
 *   pnpm --filter @decoy/example-movielens-lightgcn smoke      # synthetic data, seconds
 *
 * Data: $DECOY_DATA_DIR/ml-latest-small, else the cache, else a download; `--data synthetic` none.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { splitRandom, type SamplerConfig } from '@decoy/core'
import { loadDataset, readMovieLens, writeSyntheticMovieLens, type Dataset } from '@decoy/datasets'
import { evaluate, popularityRecommender } from '@decoy/eval'
import { createModel, type FitResult, type LossName, type Model } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

const { values } = parseArgs({
  // `pnpm start -- --flag` hands the `--` through under pnpm 10.
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: {
    data: { type: 'string', default: 'ml-latest-small' },
    samplers: { type: 'string', default: 'uniform,popularity,hard' },
    loss: { type: 'string', default: 'bpr' },
    negatives: { type: 'string' },
    epochs: { type: 'string' },
    dim: { type: 'string', default: '64' },
    layers: { type: 'string', default: '3' },
    'batch-size': { type: 'string' },
    'propagate-every': { type: 'string', default: '1' },
    kernel: { type: 'string', default: 'auto' },
    seeds: { type: 'string' },
    lr: { type: 'string' },
    l2: { type: 'string' },
    'lightgcn-l2': { type: 'string' },
    'lightgcn-lr': { type: 'string' },
    models: { type: 'string', default: 'mf,lightgcn' },
    seed: { type: 'string', default: '1' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log(
    'usage: main.ts [--data ml-latest-small|synthetic] [--samplers uniform,popularity,hard] [--loss bpr] [--negatives k] [--epochs N]',
  )
  console.log(
    '       [--dim 64] [--layers 3] [--batch-size b] [--propagate-every n[,n…]] [--lr x] [--l2 x] [--seed s | --seeds 1,2,3] [--kernel auto|wasm|js] [--smoke]',
  )
  process.exit(0)
}
const smoke = values.smoke === true
const synthetic = values.data === 'synthetic'

async function loadData(): Promise<{ data: Dataset; cleanup?: () => void }> {
  if (!synthetic) return { data: await loadDataset(values.data!) }
  const dir = mkdtempSync(join(tmpdir(), 'decoy-lightgcn-'))
  const shape = smoke
    ? { users: 120, items: 300, clusters: 6, interactionsPerUser: [10, 40] as [number, number] }
    : { users: 600, items: 2000, clusters: 12, interactionsPerUser: [20, 150] as [number, number] }
  writeSyntheticMovieLens(dir, { ...shape, seed: 42 })
  return {
    data: readMovieLens(dir, 'ml-latest-small', { name: 'synthetic' }),
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  }
}

const { data, cleanup } = await loadData()
const { train, test } = splitRandom(data.interactions, { testFraction: 0.2, seed: 42 })
console.log(
  `data: ${values.data}: ${train.numUsers} users, ${train.numItems} items; train ${train.items.length}, test ${test.items.length}`,
)

const loss = values.loss as LossName
const negatives = Number(values.negatives ?? (loss === 'bpr' ? 1 : 32))
const epochs = Number(values.epochs ?? (smoke ? 4 : 20))
const dim = Number(smoke ? 16 : values.dim)
// One batch size for both, LightGCN's (one propagation per batch), so the two see the same steps.
const batchSize = Number(values['batch-size'] ?? (smoke ? 64 : 2048))
const lr = Number(values.lr ?? 0.1)
const l2 = Number(values.l2 ?? 0.05)
const common = { loss, negatives, epochs, batchSize, learningRate: lr, l2, dim }
const lightGcnConfig = (propagateEvery: number): Record<string, unknown> => ({
  kind: 'lightgcn',
  ...common,
  // One summed-gradient step per batch, and propagation smooths: LightGCN's own defaults (lr 0.3, L2 0.005).
  l2: Number(values['lightgcn-l2'] ?? 0.005),
  learningRate: Number(values['lightgcn-lr'] ?? 0.3),
  layers: Number(values.layers),
  propagateEvery,
})
const everyList = values['propagate-every']!.split(',').map(Number)
const configs: Record<string, Record<string, unknown>> = { mf: { kind: 'mf', ...common, bias: false } }
// `lightgcn` for a single --propagate-every, `lightgcn/N` for each of several.
for (const n of everyList) configs[everyList.length === 1 ? 'lightgcn' : `lightgcn/${n}`] = lightGcnConfig(n)
const modelNames = values
  .models!.split(',')
  .flatMap((m) => (m === 'lightgcn' ? Object.keys(configs).filter((k) => k.startsWith('lightgcn')) : [m]))
for (const m of modelNames) if (!configs[m]) throw new Error(`--models: unknown model ${m} (mf, lightgcn)`)
const seeds = (values.seeds ?? values.seed!).split(',')
const kernel = values.kernel as 'auto' | 'wasm' | 'js'
const lightName = modelNames.find((m) => m.startsWith('lightgcn'))
console.log(
  `loss ${loss}, ${negatives} negative(s), dim ${dim}, ${epochs} epochs, batch ${batchSize}, Adagrad lr ${lr}, l2 ${l2} (lightgcn lr ${lightGcnConfig(1).learningRate}, l2 ${lightGcnConfig(1).l2}), seeds ${seeds.join(',')}, kernel ${kernel}`,
)

const pop = evaluate(popularityRecommender(train), train, test, { k: [10, 20] }).metrics
console.log(`popularity: ndcg@10 ${pop['ndcg@10'].toFixed(4)}  recall@20 ${pop['recall@20'].toFixed(4)}\n`)
const rows: Record<string, unknown>[] = []
/** Mean and sample standard deviation. */
const stats = (xs: number[]): { mean: number; std: number } => {
  const mean = xs.reduce((a, b) => a + b, 0) / xs.length
  const std = xs.length > 1 ? Math.sqrt(xs.reduce((a, b) => a + (b - mean) ** 2, 0) / (xs.length - 1)) : 0
  return { mean, std }
}
const fmt = (x: { mean: number; std: number }, d = 4): string =>
  seeds.length > 1 ? `${x.mean.toFixed(d)}±${x.std.toFixed(d)}` : x.mean.toFixed(d)
console.log(
  `${'sampler'.padEnd(12)} ${'model'.padEnd(12)} ${'ndcg@10'.padStart(15)} ${'recall@20'.padStart(15)} ${'s/epoch'.padStart(12)} ${'/mf'.padStart(6)}`,
)
for (const samplerKind of values.samplers!.split(',')) {
  const runs: Record<string, { ndcg: number[]; recall: number[]; perEpoch: number[] }> = {}
  for (const seed of seeds) {
    // Models interleaved per seed, so their seconds compare as ratios on a shared machine.
    for (const name of modelNames) {
      const model: Model = createModel(configs[name] as { kind: string })
      const sampler = createSampler({ kind: samplerKind } as SamplerConfig)
      const res: FitResult = await model.fit(train, {
        sampler,
        seed,
        kernel,
        // Progress on stderr: one line per epoch (a Gowalla-sized epoch takes minutes on one thread).
        onEpoch: (e) =>
          void process.stderr.write(
            `  ${samplerKind} ${name} seed ${seed} epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)}s\n`,
          ),
      })
      const m = evaluate(model, train, test, { k: [10, 20] }).metrics
      const r = (runs[name] ??= { ndcg: [], recall: [], perEpoch: [] })
      r.ndcg.push(m['ndcg@10'])
      r.recall.push(m['recall@20'])
      r.perEpoch.push(res.trainSeconds / res.epochs.length)
    }
  }
  const out: Record<
    string,
    { ndcg: { mean: number; std: number }; recall: { mean: number; std: number }; perEpoch: number; costRatio?: number }
  > = {}
  for (const name of modelNames) {
    const r = runs[name]
    // Cost ratio: per seed against MF's run of the same seed, then the median.
    const ratios = runs.mf ? r.perEpoch.map((t, i) => t / runs.mf.perEpoch[i]).sort((a, b) => a - b) : []
    const costRatio = ratios.length > 0 ? ratios[ratios.length >> 1] : undefined
    out[name] = {
      ndcg: stats(r.ndcg),
      recall: stats(r.recall),
      perEpoch: stats(r.perEpoch).mean,
      ...(costRatio === undefined ? {} : { costRatio }),
    }
    console.log(
      `${samplerKind.padEnd(12)} ${name.padEnd(12)} ${fmt(out[name].ndcg).padStart(15)} ${fmt(out[name].recall).padStart(15)} ${out[name].perEpoch.toFixed(2).padStart(12)} ${(costRatio === undefined ? '' : `${costRatio.toFixed(2)}×`).padStart(6)}`,
    )
  }
  if (out.mf && lightName) {
    const gain = out[lightName].ndcg.mean / out.mf.ndcg.mean - 1
    console.log(`${''.padEnd(12)} ${lightName}/mf: ndcg@10 ${gain >= 0 ? '+' : ''}${(100 * gain).toFixed(1)}%\n`)
  }
  rows.push({ sampler: samplerKind, seeds, models: out })
}
console.log(
  JSON.stringify({
    example: 'movielens-lightgcn',
    data: values.data,
    loss,
    negatives,
    dim,
    epochs,
    batchSize,
    popularity: pop['ndcg@10'],
    rows,
  }),
)
cleanup?.()
if (smoke) {
  for (const r of rows as { models: Record<string, { ndcg: { mean: number } }> }[]) {
    if (!(lightName && r.models[lightName].ndcg.mean > pop['ndcg@10'])) {
      console.error('smoke: lightgcn did not beat popularity on the planted data')
      process.exit(1)
    }
  }
}
