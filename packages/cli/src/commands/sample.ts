import type { FactorView, Scorer } from '@decoy/core'
import { checkAllocation, createBatch, createNegativeBuffer, createRng, nnz, userOfInteraction } from '@decoy/core'
import { containsSorted, prngBelow } from '@decoy/core/kernels'
import { writeFileAtomic } from '@decoy/core/node'
import type { Command } from '../command.js'
import { InputError, UsageError } from '../errors.js'
import { expectedCounts, samplerLaw } from '../law.js'
import { dataOptions, loadTrain } from '../load.js'
import { loadSavedScorer } from '../models.js'
import { samplerFromArgs, samplerOptions } from '../sampler-flags.js'
import { randomFactorView } from '../scorer.js'
import { chiSquareCounts, totalVariation } from '@decoy/eval'

/**
 * Most draws one run makes: at the ~10⁷ draws/s of the cheapest samplers, 10⁹ is minutes; more
 * would look like a hang (split a bigger check across seeds).
 */
const MAX_DRAWS = 1e9

/** Memory one `--out` row takes until it is written: text ~40 chars, held as a string and as UTF-8. */
const BYTES_PER_ROW = 120

/** `decoy sample`. */
export const sampleCommand: Command = {
  name: 'sample',
  summary: 'draw training positives and their negatives from a sampler; check its law',
  usage: "--train <file> --sampler <kind> [--sampler-config '<json>'] [--negatives k] --draws N --seed S [--out samples.tsv] [--json]",
  options: [
    ...dataOptions('train', 'training interactions (file, directory, dataset); positives are drawn from them'),
    ...samplerOptions(),
    { name: 'negatives', type: 'string', value: '<k>', description: 'negatives per positive', defaultText: '1' },
    { name: 'draws', type: 'string', value: '<N>', description: 'negatives to draw in total, at most 1e9 (rounded up to whole positives)' },
    { name: 'seed', type: 'string', value: '<s>', description: 'seed of positives, sampler stream and random factors' },
    { name: 'batch-size', type: 'string', value: '<b>', description: 'positives per sampler call', defaultText: '1024' },
    {
      name: 'factors',
      type: 'string',
      value: '<d>',
      description: 'dimension of the seeded random-factor model lent to model-aware samplers',
      defaultText: '32',
    },
    {
      name: 'model',
      type: 'string',
      value: '<saved>',
      description: 'a model saved by decoy train --save, lent to model-aware samplers instead of random factors',
    },
    {
      name: 'out',
      type: 'string',
      value: '<file>',
      description: 'write one TSV row per draw: user, positive, negative, logQ (external ids; masked draws omitted)',
    },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'JSON keys: sampler (resolved config), negatives, batch_size, positives, draws, draws_per_second, sample_seconds, masked,\n' +
    'rejection_rate, mean_trials, positives_returned (0 whenever excludePositives is on), hardness?, scorer\n' +
    '("none"|"random-factors"|"saved"), sampler_stats, out?, and for samplers with a closed-form law (uniform, random,\n' +
    'popularity): law, chi_square, chi_square_df, chi_square_p_value, total_variation, total_variation_noise (the TV\n' +
    'expected from sampling noise alone at this number of draws).',
  async run(args, ctx) {
    const draws = args.int('draws', undefined, 1)
    if (draws === undefined) throw new UsageError('sample: --draws is required (e.g. --draws 100000)')
    if (draws > MAX_DRAWS) {
      throw new UsageError(
        `sample: --draws must be at most 1e9 (got ${args.str('draws')}): more would run for hours; ` +
          'check a law with 1e6–1e8 draws, or split the run across seeds',
      )
    }
    const seed = args.str('seed')
    if (seed === undefined) throw new UsageError('sample: --seed is required (e.g. --seed 42)')
    const k = args.int('negatives', 1, 1)!
    const batchSize = args.int('batch-size', 1024, 1)!
    const dim = args.int('factors', 32, 1)!
    const outPath = args.str('out')
    // The rows of --out are held until the end (the file is written atomically): check they fit.
    if (outPath) {
      const outRows = { what: 'the output rows', elements: draws, bytesPer: BYTES_PER_ROW }
      checkAllocation(`sample --out with ${draws} draws`, [outRows], 'lower --draws')
    }
    const sampler = samplerFromArgs(args)
    const { interactions: train } = await loadTrain(args, ctx)
    if (sampler.requires.minBatch !== undefined && batchSize < sampler.requires.minBatch) {
      throw new UsageError(`sample: sampler ${sampler.config.kind} needs --batch-size >= ${sampler.requires.minBatch}`)
    }
    const rng = createRng(seed)
    let scorer: Scorer | FactorView | null = null
    let scorerName = 'none'
    if (args.has('model')) {
      scorer = await loadSavedScorer(args.str('model')!, train)
      scorerName = 'saved'
    } else if (sampler.requires.scorer || sampler.requires.factors) {
      scorer = randomFactorView(train.numUsers, train.numItems, dim, seed)
      scorerName = 'random-factors'
    }
    try {
      sampler.prepare({ train, rng: rng.fork('sampler'), scorer })
    } catch (e) {
      throw new InputError(
        `sample: sampler ${sampler.config.kind} cannot run on ${args.str('train')}: ${(e as Error).message}`,
        args.str('train'),
      )
    }

    const n = nnz(train)
    const rowUser = userOfInteraction(train)
    const positives = Math.ceil(draws / k)
    const batch = createBatch(batchSize)
    const buf = createNegativeBuffer(batchSize, k)
    const posState = rng.fork('positives').state
    const counts = new Float64Array(train.numItems)
    const drawsPerUser = new Float64Array(train.numUsers)
    const indptr = train.indptr
    const items = train.items
    let masked = 0
    let returnedPositives = 0
    let sampleMs = 0
    const rows: string[] = []
    const userIds = outPath ? train.userIds.toArray().map(String) : []
    const itemIds = outPath ? train.itemIds.toArray().map(String) : []
    const bar = ctx.progress('sample', positives)
    for (let done = 0; done < positives; ) {
      const size = Math.min(batchSize, positives - done)
      for (let s = 0; s < size; s++) {
        const r = prngBelow(posState, n)
        batch.users[s] = rowUser[r]
        batch.positives[s] = items[r]
      }
      batch.size = size
      const t0 = performance.now()
      sampler.sample(batch, buf)
      sampleMs += performance.now() - t0
      let chunk = ''
      for (let s = 0; s < size; s++) {
        const u = batch.users[s]
        for (let d = 0; d < k; d++) {
          const o = s * k + d
          const j = buf.items[o]
          if (j < 0) {
            masked++
            continue
          }
          counts[j]++
          drawsPerUser[u]++
          if (containsSorted(items, indptr[u], indptr[u + 1], j)) returnedPositives++
          if (outPath) chunk += `${userIds[u]}\t${itemIds[batch.positives[s]]}\t${itemIds[j]}\t${formatLogQ(buf.logQ[o])}\n`
        }
      }
      if (outPath) rows.push(chunk)
      done += size
      bar.update(done)
    }
    bar.done()
    const total = positives * k
    const st = sampler.stats()
    const result: Record<string, unknown> = {
      sampler: sampler.config,
      negatives: k,
      batch_size: batchSize,
      positives,
      draws: total,
      draws_per_second: sampleMs > 0 ? total / (sampleMs / 1000) : null,
      sample_seconds: sampleMs / 1000,
      masked,
      rejection_rate: st.rejectionRate,
      mean_trials: st.meanTrials,
      positives_returned: returnedPositives,
      ...(st.hardness !== undefined ? { hardness: st.hardness } : {}),
      scorer: scorerName,
      ...(scorerName === 'random-factors' ? { factors: dim } : {}),
      sampler_stats: st,
    }
    const law = samplerLaw(sampler, train)
    if (law) {
      const exclude = (sampler.config as { excludePositives?: boolean }).excludePositives !== false
      const expected = expectedCounts(law.p, train, drawsPerUser, exclude)
      const chi = chiSquareCounts(counts, expected)
      const drawn = total - masked
      let noise = 0
      for (let j = 0; j < expected.length; j++) {
        const q = expected[j] / drawn
        noise += Math.sqrt((2 * q * (1 - q)) / (Math.PI * drawn))
      }
      Object.assign(result, {
        law: law.name + (exclude ? ', training positives excluded' : ''),
        chi_square: chi.statistic,
        chi_square_df: chi.df,
        chi_square_p_value: chi.pValue,
        total_variation: totalVariation(counts, expected),
        total_variation_noise: noise / 2,
      })
    }
    if (outPath) {
      writeFileAtomic(outPath, 'user\tpositive\tnegative\tlogQ\n' + rows.join(''))
      result.out = outPath
    }
    if (args.bool('json')) {
      ctx.json(result)
      return
    }
    const lines = [
      `sampler ${JSON.stringify(sampler.config)}`,
      `draws ${total} (${positives} positives × ${k}), masked ${masked}, positives returned ${returnedPositives}`,
      `draws/s ${result.draws_per_second === null ? 'n/a' : Math.round(result.draws_per_second as number).toLocaleString('en-US')}, rejection rate ${st.rejectionRate.toFixed(4)}, mean trials ${st.meanTrials.toFixed(3)}` +
        (st.hardness !== undefined ? `, hardness ${st.hardness.toFixed(3)}` : ''),
    ]
    if (law) {
      lines.push(
        `law ${result.law}: chi-square ${(result.chi_square as number).toFixed(1)} on ${result.chi_square_df} df, p = ${(result.chi_square_p_value as number).toPrecision(3)}; ` +
          `TV distance ${(result.total_variation as number).toFixed(4)} (sampling noise ≈ ${(result.total_variation_noise as number).toFixed(4)})`,
      )
    }
    if (outPath) lines.push(`wrote ${outPath}`)
    ctx.io.stdout(lines.join('\n') + '\n')
  },
}

function formatLogQ(v: number): string {
  if (!Number.isFinite(v)) return String(v)
  return String(Number(v.toPrecision(7)))
}
