/**
 * The Decoy demo: matrix factorization trained with popularity-proportional negatives on
 * MovieLens latest-small (80/20 per-user random split), full-ranking metrics against a popularity
 * baseline, and one user's recent history and top-10 recommendations with titles.
 *
 *   pnpm demo                                   # from the repository root
 *   pnpm --filter @decoy/example-movielens-mf start [-- --data synthetic] [--epochs N] [--user ID]
 *
 * Data: $DECOY_DATA_DIR/ml-latest-small, else the cache (~/.cache/decoy or $DECOY_CACHE), else a
 * download from GroupLens into the cache. `--data synthetic` needs no download.
 */
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { splitRandom, type Interactions } from '@decoy/core'
import { defaultCacheDir, loadDataset, readMovieLens, writeSyntheticMovieLens, type Dataset } from '@decoy/datasets'
import { evaluate, pairedComparison, popularityRecommender } from '@decoy/eval'
import { matrixFactorization } from '@decoy/models'
import { createSampler } from '@decoy/samplers'

const here = dirname(fileURLToPath(import.meta.url))
const config = JSON.parse(readFileSync(join(here, 'configs', 'demo.json'), 'utf8'))
// `pnpm start -- --flag` hands the script a leading `--` (pnpm 10), which strict parsing would reject.
const { values } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  options: {
    data: { type: 'string', default: config.dataset },
    epochs: { type: 'string' },
    user: { type: 'string' },
    workers: { type: 'string' },
    smoke: { type: 'boolean', default: false },
    help: { type: 'boolean', short: 'h', default: false },
  },
})
if (values.help) {
  console.log('usage: main.ts [--data ml-latest-small|synthetic] [--epochs N] [--user ID] [--workers W] [--smoke]')
  process.exit(0)
}
const smoke = values.smoke === true
const synthetic = values.data === 'synthetic'

/** A progress bar with ETA on stderr when it is a terminal, one line per update otherwise. */
function progress(label: string, total: number) {
  const tty = process.stderr.isTTY === true
  const start = Date.now()
  return {
    update(done: number, status: string) {
      const secs = (Date.now() - start) / 1000
      const eta = done > 0 ? (secs * (total - done)) / done : 0
      if (tty) {
        const w = 24
        const fill = Math.round((done / total) * w)
        process.stderr.write(
          `\r\x1b[2K${label} [${'#'.repeat(fill)}${'-'.repeat(w - fill)}] ${done}/${total} ${secs.toFixed(1)}s ETA ${eta.toFixed(1)}s  ${status}`,
        )
      } else process.stderr.write(`${label} ${done}/${total}  ${secs.toFixed(1)}s  ${status}\n`)
    },
    done() {
      if (tty) process.stderr.write('\r\x1b[2K')
    },
  }
}

async function loadData(): Promise<{ data: Dataset; source: string; cleanup?: () => void }> {
  if (synthetic) {
    // A planted-structure log in the ml-latest-small layout, with fake titles and genres.
    const dir = mkdtempSync(join(tmpdir(), 'decoy-demo-'))
    const s = config.smoke.synthetic
    writeSyntheticMovieLens(dir, {
      ...(smoke ? s : { users: 600, items: 2000, clusters: 12, interactionsPerUser: [20, 150] }),
      seed: config.seed,
    })
    return {
      data: readMovieLens(dir, 'ml-latest-small', { name: 'synthetic' }),
      source: 'synthetic (planted clusters, fake titles)',
      cleanup: () => rmSync(dir, { recursive: true, force: true }),
    }
  }
  let announced = false
  try {
    const data = await loadDataset(values.data!, {
      onProgress: (_bytes, total) => {
        if (!announced) process.stderr.write(`downloading ${values.data} (${(total / 1e6).toFixed(1)} MB) into ${defaultCacheDir()} …\n`)
        announced = true
      },
    })
    return { data, source: values.data! }
  } catch (e) {
    console.error(`Could not load ${values.data}: ${(e as Error).message}\n`)
    console.error('To supply a copy: download https://files.grouplens.org/datasets/movielens/ml-latest-small.zip,')
    console.error(`unzip it and set DECOY_DATA_DIR to the folder that contains ml-latest-small/ (or unzip it into ${defaultCacheDir()}).`)
    console.error('Or run the demo offline on generated data:  pnpm demo --data synthetic')
    process.exit(1)
  }
}

const t0 = Date.now()
const { data, source, cleanup } = await loadData()
const all = data.interactions
const { train, test } = splitRandom(all, config.split)
console.log(
  `data: ${source}: ${all.numUsers} users, ${all.numItems} items, ${all.items.length} interactions; train ${train.items.length}, test ${test.items.length}`,
)

const epochs = values.epochs ? Number(values.epochs) : smoke ? config.smoke.epochs : config.epochs
const workers = values.workers ? Number(values.workers) : smoke ? config.smoke.workers : config.workers
const modelOptions = smoke ? { ...config.model, dim: config.smoke.dim, negatives: config.smoke.negatives } : config.model
const sampler = createSampler(config.sampler)
const model = matrixFactorization({ ...modelOptions })
console.log(
  `model: mf ${JSON.stringify(modelOptions)}; sampler ${JSON.stringify(config.sampler)}; ${epochs} epochs on ${workers} worker${workers > 1 ? 's' : ''}`,
)
const bar = progress('train', epochs)
const fit = await model.fit(train, {
  sampler,
  epochs,
  workers,
  seed: config.seed,
  onEpoch: (e) => bar.update(e.epoch + 1, `loss ${e.loss.toFixed(4)}`),
})
bar.done()

const k: number[] = config.k
const mf = evaluate(model, train, test, { k })
const pop = evaluate(popularityRecommender(train), train, test, { k })
const keys = ['ndcg@10', 'recall@10', 'ndcg@20', 'recall@20', 'hr@10', 'coverage@10']
console.log(
  `\ntrained in ${fit.trainSeconds.toFixed(1)}s (${(fit.updatesPerSecond / 1e6).toFixed(2)} M pair updates/s); full ranking over ${train.numItems} items, ${mf.numUsers} test users\n`,
)
console.log(`${'metric'.padEnd(12)} ${'mf'.padStart(8)} ${'popularity'.padStart(11)}`)
for (const key of keys)
  console.log(`${key.padEnd(12)} ${mf.metrics[key].toFixed(4).padStart(8)} ${pop.metrics[key].toFixed(4).padStart(11)}`)
const cmp = pairedComparison(mf, pop, 'ndcg@10')
console.log(
  `paired ndcg@10 difference mf − popularity: ${cmp.meanDiff >= 0 ? '+' : ''}${cmp.meanDiff.toFixed(4)} (95% CI ${cmp.ci[0].toFixed(4)} … ${cmp.ci[1].toFixed(4)})`,
)

// One user's recent history and top-10.
const titleOf = (item: number) => data.items?.titles[item] ?? `item ${all.itemIds.external(item)}`
const wanted = values.user ?? (synthetic ? undefined : String(config.user))
let user = 0
if (wanted !== undefined) {
  const id = all.userIds.kind === 'int' ? Number(wanted) : wanted
  if (all.userIds.has(id)) user = all.userIds.get(id)
  else console.error(`user ${wanted} is not in the data; showing user ${all.userIds.external(0)}`)
}
const userId = all.userIds.external(user)
function recent(x: Interactions, u: number, n: number): number[] {
  const s = x.indptr[u]
  const e = x.indptr[u + 1]
  const rows: number[] = []
  for (let j = s; j < e; j++) rows.push(j)
  if (x.times) rows.sort((a, b) => x.times![b] - x.times![a])
  return rows.slice(0, n).map((j) => x.items[j])
}
console.log(`\nuser ${userId}: ${train.indptr[user + 1] - train.indptr[user]} training interactions; most recent:`)
for (const item of recent(train, user, 5)) console.log(`  ${titleOf(item)}`)
const top = model.recommend(Int32Array.of(user), 10)
const held = new Set(Array.from(test.items.subarray(test.indptr[user], test.indptr[user + 1])))
console.log(`top-10 recommendations (✓ = in the user's held-out test items):`)
for (let r = 0; r < 10; r++) {
  const item = top.items[r]
  if (item < 0) break
  console.log(`  ${String(r + 1).padStart(2)}. ${held.has(item) ? '✓' : ' '} ${titleOf(item)}`)
}
const seconds = (Date.now() - t0) / 1000
console.log(`\ndone in ${seconds.toFixed(1)}s`)
console.log(
  JSON.stringify({
    example: 'movielens-mf',
    data: source,
    epochs,
    workers,
    metrics: Object.fromEntries(keys.map((key) => [key, Number(mf.metrics[key].toFixed(4))])),
    popularity: { 'ndcg@10': Number(pop.metrics['ndcg@10'].toFixed(4)) },
    train_seconds: Number(fit.trainSeconds.toFixed(2)),
    seconds: Number(seconds.toFixed(1)),
  }),
)
cleanup?.()
if (smoke && !(mf.metrics['ndcg@10'] > pop.metrics['ndcg@10'])) {
  console.error('smoke: mf did not beat popularity on the planted data')
  process.exit(1)
}
