import { readFileSync } from 'node:fs'
import { parseInteractions, splitRandom } from '@decoy/core'
import { createSampler } from '@decoy/samplers'
import { matrixFactorization } from '@decoy/models'
import { evaluate } from '@decoy/eval'
import { generateSynthetic } from '@decoy/datasets'
const data = process.env.DATA ?? 'ml'
let x
if (data === 'ml') {
  const path = '/work/shared/datasets/ml-latest-small/ratings.csv'
  x = parseInteractions(readFileSync(path), { source: path })
} else {
  x = generateSynthetic({ seed: 3, ...JSON.parse(data) }).interactions
}
let { train, test } = splitRandom(x, { testFraction: 0.2, seed: 42 })
if (process.env.VAL) ({ train, test } = splitRandom(train, { testFraction: 0.2, seed: 7 }))
const runs = JSON.parse(process.argv[2])
for (const r of runs) {
  const m = matrixFactorization({ seed: r.seed ?? 1, ...r.model })
  const res = await m.fit(train, { sampler: createSampler(r.sampler), ...r.fit })
  const ev = evaluate(m, train, test, { k: [10, 20] })
  console.log(JSON.stringify(r), 'ndcg10', ev.metrics['ndcg@10'].toFixed(4), 'r20', ev.metrics['recall@20'].toFixed(4), 'sec', res.trainSeconds.toFixed(2), 'loss', res.epochs.map(e=>e.loss.toFixed(2)).join(' '))
}
