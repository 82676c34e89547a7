/**
 * The item2vec README's quality protocol, one configuration per run: ml-latest-small ratings →
 * `splitRandom(seed 42)` (per-user random 80/20) → fit → full-ranking NDCG@10 / recall@10.
 *
 *   DECOY_DATA_DIR=<dir holding ml-latest-small/> npx tsx --conditions=decoy-source \
 *     examples/movielens-item2vec/quality.ts '{"window":"all"}' [epochs] [fit options JSON]
 */
import { readFileSync } from 'node:fs'
import { join } from 'node:path'
import { parseInteractions, splitRandom } from '@decoy/core'
import { evaluate } from '@decoy/eval'
import { item2vec, type Item2VecFitOptions, type Item2VecOptions } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

const dir = process.env.DECOY_DATA_DIR
if (!dir) {
  console.error('set DECOY_DATA_DIR to the folder that contains ml-latest-small/')
  process.exit(2)
}
const options = JSON.parse(process.argv[2] ?? '{}') as Item2VecOptions & { alphaNoise?: number }
const epochs = Number(process.argv[3] ?? 20)
const fitExtra = JSON.parse(process.argv[4] ?? '{}') as Partial<Item2VecFitOptions>
const noise = options.alphaNoise ?? 0.75
delete options.alphaNoise

const x = parseInteractions(readFileSync(join(dir, 'ml-latest-small', 'ratings.csv')), { source: 'ratings.csv' })
const { train, test } = splitRandom(x, { testFraction: 0.2, seed: 42 })
const model = item2vec(options)
const res = await model.fit(train, { sampler: createSampler({ kind: 'popularity', alpha: noise }), epochs, seed: 42, ...fitExtra })
const m = evaluate(model, train, test, { k: [10] }).metrics
console.log(
  JSON.stringify({
    options,
    noiseAlpha: noise,
    epochs,
    kernel: res.kernel,
    pairsPerEpoch: Math.round(res.epochs.reduce((a, e) => a + e.slots, 0) / epochs),
    seconds: +res.trainSeconds.toFixed(1),
    ndcg10: +m['ndcg@10'].toFixed(4),
    recall10: +m['recall@10'].toFixed(4),
  }),
)
