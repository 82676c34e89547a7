/**
 * LightGCN (He et al., SIGIR 2020) against matrix factorization on MovieLens latest-small (random
 * 80/20 per-user split, seed 42, full ranking): the same loss, dim, negatives and epochs, through
 * each sampler named, both models trained in the same process, one after the other per sampler,
 * so that seconds per epoch compare as a ratio even on a shared machine.
 *
 *   pnpm --filter @decoy/example-movielens-lightgcn start [-- --samplers uniform,popularity,hard] [--epochs N]
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
  console.log('       [--dim 64] [--layers 3] [--batch-size b] [--propagate-every n] [--lr x] [--l2 x] [--seed s] [--smoke]')
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
const configs: Record<string, Record<string, unknown>> = {
  mf: { kind: 'mf', ...common, bias: false },
  lightgcn: {
    kind: 'lightgcn',
    ...common,
    // One summed-gradient step per batch, and propagation smooths: LightGCN's own defaults (lr 0.3, L2 0.005).
    l2: Number(values['lightgcn-l2'] ?? 0.005),
    learningRate: Number(values['lightgcn-lr'] ?? 0.3),
    layers: Number(values.layers),
    propagateEvery: Number(values['propagate-every']),
  },
}
console.log(
  `loss ${loss}, ${negatives} negative(s), dim ${dim}, ${epochs} epochs, batch ${batchSize}, Adagrad lr ${lr}, l2 ${l2} (lightgcn lr ${configs.lightgcn.learningRate}, l2 ${configs.lightgcn.l2}), seed ${values.seed}`,
)

const pop = evaluate(popularityRecommender(train), train, test, { k: [10, 20] }).metrics
console.log(`popularity: ndcg@10 ${pop['ndcg@10'].toFixed(4)}  recall@20 ${pop['recall@20'].toFixed(4)}\n`)
const rows: Record<string, unknown>[] = []
console.log(`${'sampler'.padEnd(12)} ${'model'.padEnd(9)} ${'ndcg@10'.padStart(8)} ${'recall@20'.padStart(9)} ${'s/epoch'.padStart(8)}`)
for (const samplerKind of values.samplers!.split(',')) {
  const out: Record<string, { ndcg: number; recall: number; perEpoch: number }> = {}
  for (const name of values.models!.split(',')) {
    const model: Model = createModel(configs[name] as { kind: string })
    const sampler = createSampler({ kind: samplerKind } as SamplerConfig)
    const res: FitResult = await model.fit(train, {
      sampler,
      seed: values.seed,
      kernel: 'js',
      // Progress on stderr: one line per epoch (a Gowalla-sized epoch takes minutes on one thread).
      onEpoch: (e) =>
        void process.stderr.write(
          `  ${samplerKind} ${name} epoch ${e.epoch + 1}/${epochs}: loss ${e.loss.toFixed(4)}, ${e.seconds.toFixed(2)}s\n`,
        ),
    })
    const m = evaluate(model, train, test, { k: [10, 20] }).metrics
    out[name] = { ndcg: m['ndcg@10'], recall: m['recall@20'], perEpoch: res.trainSeconds / res.epochs.length }
    console.log(
      `${samplerKind.padEnd(12)} ${name.padEnd(9)} ${m['ndcg@10'].toFixed(4).padStart(8)} ${m['recall@20'].toFixed(4).padStart(9)} ${out[name].perEpoch.toFixed(2).padStart(8)}`,
    )
  }
  if (!out.mf || !out.lightgcn) continue
  const gain = out.lightgcn.ndcg / out.mf.ndcg - 1
  const cost = out.lightgcn.perEpoch / out.mf.perEpoch
  console.log(
    `${''.padEnd(12)} lightgcn/mf: ndcg@10 ${gain >= 0 ? '+' : ''}${(100 * gain).toFixed(1)}%, cost per epoch ${cost.toFixed(2)}×\n`,
  )
  rows.push({
    sampler: samplerKind,
    mf: out.mf,
    lightgcn: out.lightgcn,
    ndcgGain: Number(gain.toFixed(4)),
    costRatio: Number(cost.toFixed(3)),
  })
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
  for (const r of rows as { lightgcn: { ndcg: number } }[]) {
    if (!(r.lightgcn.ndcg > pop['ndcg@10'])) {
      console.error('smoke: lightgcn did not beat popularity on the planted data')
      process.exit(1)
    }
  }
}
