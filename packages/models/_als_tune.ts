import { splitRandom, type Interactions } from '@decoy/core'
import { generateSynthetic, loadDataset } from '@decoy/datasets'
import { evaluate, popularityRecommender } from '@decoy/eval'
import { alternatingLeastSquares } from '@decoy/models'

const which = process.argv[2]
async function data(): Promise<Interactions> {
  if (which === 'ml-small') return (await loadDataset('ml-latest-small', { dir: '/work/shared/datasets', download: false })).interactions
  if (which === 'ml100k') return generateSynthetic({ users: 943, items: 1682, clusters: 20, interactionsPerUser: [20, 190], affinity: 0.7, popularityExponent: 1, seed: 1 }).interactions
  if (which === 'lastfm') return generateSynthetic({ users: 1892, items: 17632, clusters: 30, interactionsPerUser: 50, affinity: 0.7, popularityExponent: 1.1, seed: 2 }).interactions
  if (which === 'gowalla') return generateSynthetic({ users: 6000, items: 8200, clusters: 40, interactionsPerUser: [10, 60], affinity: 0.6, popularityExponent: 0.9, seed: 3 }).interactions
  throw new Error(which)
}
const all = await data()
const { train: full } = splitRandom(all, { testFraction: 0.2, seed: 42 })
const { train, test: val } = splitRandom(full, { testFraction: 0.2, seed: 'validation' })
const pop = evaluate(popularityRecommender(train), train, val, { k: [10] }).metrics['ndcg@10']
console.log(JSON.stringify({ data: which, users: train.numUsers, items: train.numItems, nnz: train.items.length, pop }))
const regs = (process.argv[3] ?? '1,3,10,30,100').split(',').map(Number)
const alphas = (process.argv[4] ?? '1,3,10').split(',').map(Number)
const iters = (process.argv[5] ?? '15').split(',').map(Number)
for (const reg of regs) for (const alpha of alphas) for (const it of iters) {
  const m = alternatingLeastSquares({ dim: 64, reg, alpha, iterations: it })
  const r = await m.fit(train, { seed: 42 })
  const ndcg = evaluate(m, train, val, { k: [10] }).metrics['ndcg@10']
  console.log(JSON.stringify({ data: which, reg, alpha, it, ndcg: +ndcg.toFixed(4), s: +r.trainSeconds.toFixed(2) }))
}
