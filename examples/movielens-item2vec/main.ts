/**
 * item2vec on MovieLens latest-small: skip-gram over each user's time-ordered history of liked
 * films (rating ≥ 3.5), negatives from the popularity sampler (α = 0.75, word2vec's law), then the
 * films most similar (cosine) to a few well-known titles.
 *
 *   pnpm --filter @decoy/example-movielens-item2vec start [-- --data synthetic]
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { itemCounts } from '@decoy/core'
import { defaultCacheDir, loadDataset, readMovieLens, writeSyntheticMovieLens, type Dataset } from '@decoy/datasets'
import { item2vec } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

const here = dirname(fileURLToPath(import.meta.url))
const config = JSON.parse(readFileSync(join(here, 'configs', 'item2vec.json'), 'utf8'))
// `pnpm start -- --flag` hands the script a leading `--` (pnpm 10), which strict parsing would reject.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: { data: { type: 'string', default: config.dataset }, epochs: { type: 'string' }, smoke: { type: 'boolean', default: false } },
})
const smoke = values.smoke === true
const synthetic = values.data === 'synthetic'

async function loadData(): Promise<{ data: Dataset; cleanup?: () => void }> {
  if (synthetic) {
    const dir = mkdtempSync(join(tmpdir(), 'decoy-i2v-'))
    writeSyntheticMovieLens(dir, {
      ...(smoke ? config.smoke.synthetic : { users: 600, items: 2000, clusters: 12, interactionsPerUser: [20, 150] }),
      seed: config.seed,
    })
    return {
      data: readMovieLens(dir, 'ml-latest-small', { name: 'synthetic', minRating: config.minRating }),
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  try {
    return { data: await loadDataset(values.data!, { minRating: config.minRating }) }
  } catch (e) {
    console.error(`Could not load ${values.data}: ${(e as Error).message}\n`)
    console.error('To supply a copy: download https://files.grouplens.org/datasets/movielens/ml-latest-small.zip, unzip it and set')
    console.error(`DECOY_DATA_DIR to the folder that contains ml-latest-small/ (or unzip it into ${defaultCacheDir()}).`)
    console.error('Or run offline on generated data:  pnpm --filter @decoy/example-movielens-item2vec start -- --data synthetic')
    process.exit(1)
  }
}

const t0 = Date.now()
const { data, cleanup } = await loadData()
const x = data.interactions
const titles = data.items!.titles
const genres = data.items!.genres
console.log(
  `data: ${values.data}, ratings >= ${config.minRating}: ${x.numUsers} users, ${x.numItems} items, ${x.items.length} interactions`,
)

const epochs = values.epochs ? Number(values.epochs) : smoke ? config.smoke.epochs : config.epochs
const options = smoke ? { ...config.model, dim: config.smoke.dim } : config.model
const model = item2vec(options)
const fit = await model.fit(x, {
  sampler: createSampler(config.sampler),
  epochs,
  seed: config.seed,
  onEpoch: (e) => process.stderr.write(`epoch ${e.epoch + 1}/${epochs}  ${e.slots} pairs  ${e.seconds.toFixed(1)}s\n`),
})
console.log(
  `item2vec ${JSON.stringify(options)}, sampler ${JSON.stringify(config.sampler)}: ${epochs} epochs, ${(fit.epochs.reduce((a, e) => a + e.slots, 0) / fit.trainSeconds / 1e6).toFixed(2)} M pairs/s\n`,
)

// Query items: the configured titles, or (synthetic) the most popular items.
let queries: number[]
if (synthetic) {
  const counts = itemCounts(x)
  queries = Array.from(counts.keys())
    .sort((a, b) => counts[b] - counts[a] || a - b)
    .slice(0, smoke ? config.smoke.queries : 5)
} else {
  queries = []
  for (const t of config.queries as string[]) {
    const i = titles.indexOf(t)
    if (i < 0) console.error(`title not found: ${t}`)
    else queries.push(i)
  }
}
const top = model.similarItems(Int32Array.from(queries), config.k)
let sameGenre = 0
let shown = 0
const result: Record<string, string[]> = {}
for (let q = 0; q < queries.length; q++) {
  const item = queries[q]
  console.log(`${titles[item]}  [${genres[item].join('|')}]`)
  result[titles[item]] = []
  for (let r = 0; r < config.k; r++) {
    const j = top.items[q * config.k + r]
    if (j < 0) break
    console.log(`  ${top.scores[q * config.k + r].toFixed(3)}  ${titles[j]}  [${genres[j].join('|')}]`)
    result[titles[item]].push(titles[j])
    if (genres[j][0] === genres[item][0]) sameGenre++
    shown++
  }
  console.log('')
}
const seconds = (Date.now() - t0) / 1000
console.log(`neighbours sharing the query's first genre: ${((100 * sameGenre) / shown).toFixed(0)}%; done in ${seconds.toFixed(1)}s`)
console.log(
  JSON.stringify({
    example: 'movielens-item2vec',
    data: values.data,
    epochs,
    sameFirstGenre: Number((sameGenre / shown).toFixed(3)),
    seconds: Number(seconds.toFixed(1)),
    similar: result,
  }),
)
cleanup?.()
// On planted data an item's first genre is its cluster: most neighbours must share it.
if (smoke && !(sameGenre / shown > 0.6)) {
  console.error(`smoke: only ${sameGenre}/${shown} neighbours share the query's cluster`)
  process.exit(1)
}
