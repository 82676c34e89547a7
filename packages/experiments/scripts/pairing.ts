/**
 * Sampler pairing experiments (issue 13, part 4): MF trained with a sampler and a (loss,
 * negatives, candidates) pairing, scored by NDCG@10 on a validation split carved from train.
 *
 *   npx tsx packages/experiments/scripts/pairing.ts <dataset> '<json list of runs>'
 *
 * dataset: `ml` (ml-latest-small, random per-user 80/20 seed 42, validation 10% of train seed 7;
 * needs DECOY_DATA_DIR), `s100k` (planted 943 × 1682 in 20 clusters of 84 items, 20–250 per user:
 * users nearly exhaust their cluster, a false-negative stress case), `s100k8` (943 × 1682 in 8
 * clusters, 20–200 per user, ML-100K's ~106 on average), `s17k` (planted 1,900 × 17,000). Each run: { sampler: {...}, fit: {...} }; prints one JSON line per run: validation
 * NDCG@10, wall and CPU seconds of the fit, and false negatives per 1,000 draws (validation
 * positives chosen as negatives).
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'

const self = fileURLToPath(import.meta.url)
if (!process.execArgv.join(' ').includes('decoy-source')) {
  const child = spawnSync(process.execPath, ['--conditions=decoy-source', '--import', 'tsx', self, ...process.argv.slice(2)], {
    stdio: 'inherit',
  })
  process.exit(child.status ?? 1)
}

const core = { ...(await import('@decoy/core')), ...(await import('@decoy/core/kernels')) }
const { createSampler } = await import('@decoy/samplers')
const { matrixFactorization } = await import('@decoy/models')
const { evaluate } = await import('@decoy/eval')
const { generateSynthetic, loadDataset } = await import('@decoy/datasets')

/** The training and validation interactions of a named dataset. */
export async function pairingData(
  name: string,
): Promise<{ train: import('@decoy/core').Interactions; valid: import('@decoy/core').Interactions }> {
  let all: import('@decoy/core').Interactions
  if (name === 'ml') all = (await loadDataset('ml-latest-small', { dir: process.env.DECOY_DATA_DIR, interactionsOnly: true })).interactions
  else if (name === 's100k')
    all = generateSynthetic({
      users: 943,
      items: 1682,
      clusters: 20,
      interactionsPerUser: [20, 250],
      affinity: 0.7,
      popularityExponent: 1.0,
      seed: 100,
    }).interactions
  else if (name === 's100k8')
    all = generateSynthetic({
      users: 943,
      items: 1682,
      clusters: 8,
      interactionsPerUser: [20, 200],
      affinity: 0.7,
      popularityExponent: 1.0,
      seed: 100,
    }).interactions
  else if (name === 's17k')
    all = generateSynthetic({
      users: 1900,
      items: 17000,
      clusters: 40,
      interactionsPerUser: [10, 120],
      affinity: 0.7,
      popularityExponent: 1.1,
      seed: 17,
    }).interactions
  else throw new Error(`unknown dataset ${name}`)
  const { train: full } = core.splitRandom(all, { testFraction: 0.2, seed: 42 })
  const { train, test: valid } = core.splitRandom(full, { testFraction: 0.1, seed: 7 })
  return { train, valid }
}

const [name, runsJson] = process.argv.slice(2)
const runs = JSON.parse(runsJson) as { sampler: import('@decoy/core').SamplerConfig; fit?: Record<string, unknown>; tag?: string }[]
const { train, valid } = await pairingData(name)
/**
 * Wraps a sampler to count false negatives: chosen negatives that are the user's validation
 * positives (held out of train, so the sampler cannot exclude them), per 1,000 draws.
 */
function countFalseNegatives(
  s: import('@decoy/core').NegativeSampler,
  held: import('@decoy/core').Interactions,
): { sampler: import('@decoy/core').NegativeSampler; rate: () => number } {
  let draws = 0
  let hits = 0
  const wrapped: import('@decoy/core').NegativeSampler = {
    config: s.config,
    requires: s.requires,
    prepare: (ctx) => s.prepare(ctx),
    stats: () => s.stats(),
    sample: () => {},
    ...(s.onEpochEnd ? { onEpochEnd: (e: number) => s.onEpochEnd!(e) } : {}),
  }
  wrapped.sample = (batch, out) => {
    s.sample(batch, out)
    for (let sl = 0; sl < batch.size; sl++) {
      const u = batch.users[sl]
      for (let d = 0; d < out.k; d++) {
        const j = out.items[sl * out.k + d]
        if (j < 0) continue
        draws++
        if (core.containsSorted(held.items, held.indptr[u], held.indptr[u + 1], j)) hits++
      }
    }
  }
  return { sampler: wrapped, rate: () => (draws > 0 ? (1000 * hits) / draws : 0) }
}

for (const r of runs) {
  const model = matrixFactorization()
  const base = createSampler(r.sampler)
  const fn = countFalseNegatives(base, valid)
  const c0 = process.cpuUsage()
  const res = await model.fit(train, { sampler: fn.sampler, seed: 1, ...(r.fit ?? {}) })
  const cpu = process.cpuUsage(c0)
  const ev = evaluate(model, train, valid, { k: [10] })
  console.log(
    JSON.stringify({
      data: name,
      tag: r.tag,
      sampler: r.sampler,
      fit: r.fit,
      ndcg: +ev.metrics['ndcg@10'].toFixed(4),
      seconds: +res.trainSeconds.toFixed(2),
      falseNegPerMille: +fn.rate().toFixed(3),
      hardness: res.samplerStats.hardness,
      // CPU seconds of the fit: the machine is shared, so wall time overstates it.
      cpuSeconds: +((cpu.user + cpu.system) / 1e6).toFixed(2),
    }),
  )
}
