import type { Interactions } from '@decoy/core'
import { nnz, splitLeaveLast, splitRandom, splitTemporal, type Split } from '@decoy/core'
import { writeSplit } from '@decoy/core/node'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { asInputError, dataOptions, loadData } from '../load.js'

const STRATEGIES = ['random', 'leave-last', 'temporal'] as const

function sizes(x: Interactions): { interactions: number; users: number; items: number } {
  let users = 0
  for (let u = 0; u < x.numUsers; u++) if (x.indptr[u + 1] > x.indptr[u]) users++
  const seen = new Uint8Array(x.numItems)
  let items = 0
  for (let j = 0; j < x.items.length; j++) {
    if (seen[x.items[j]] === 0) {
      seen[x.items[j]] = 1
      items++
    }
  }
  return { interactions: nnz(x), users, items }
}

/** `decoy split`. */
export const splitCommand: Command = {
  name: 'split',
  summary: 'split interactions into train.tsv and test.tsv (random, leave-last, temporal)',
  usage: '--data <path|dataset> --strategy random|leave-last|temporal [--test-fraction 0.2] [--k 1] --seed 42 --out <dir> [--json]',
  options: [
    ...dataOptions('data'),
    {
      name: 'strategy',
      type: 'string',
      value: '<s>',
      description: 'random (per-user holdout) | leave-last (k latest per user) | temporal (global time cut)',
      defaultText: 'random',
    },
    {
      name: 'test-fraction',
      type: 'string',
      value: '<f>',
      description: 'random: share of each user held out; temporal: share of all interactions after the cut',
      defaultText: '0.2',
    },
    { name: 'k', type: 'string', value: '<n>', description: 'leave-last: interactions held out per user', defaultText: '1' },
    {
      name: 'cut-time',
      type: 'string',
      value: '<t>',
      description: 'temporal: interactions at or after this time (seconds) go to test (instead of --test-fraction)',
    },
    { name: 'min-interactions', type: 'string', value: '<n>', description: 'users with fewer interactions stay entirely in train' },
    { name: 'seed', type: 'string', value: '<s>', description: 'seed (required for random)' },
    { name: 'out', type: 'string', value: '<dir>', description: 'output directory; train.tsv and test.tsv are written atomically' },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'JSON keys: strategy, seed, out, files {train, test}, train {interactions, users, items}, test {interactions, users, items},\n' +
    'options (the resolved split options), dropped_cold_users (temporal).\n' +
    'Example: decoy split --data ml-latest-small --strategy random --test-fraction 0.2 --seed 42 --out split/',
  async run(args, ctx) {
    const strategy = args.choice('strategy', STRATEGIES, 'random')!
    const out = args.required('out')
    const seed = args.str('seed')
    const minInteractions = args.int('min-interactions', undefined, 1)
    if (strategy === 'random' && seed === undefined)
      throw new UsageError('split: --seed is required for --strategy random (e.g. --seed 42)')
    if (strategy !== 'leave-last' && args.has('k')) throw new UsageError(`split: --k applies to --strategy leave-last, not ${strategy}`)
    if (strategy !== 'temporal' && args.has('cut-time'))
      throw new UsageError(`split: --cut-time applies to --strategy temporal, not ${strategy}`)
    if (strategy === 'leave-last' && args.has('test-fraction'))
      throw new UsageError('split: --test-fraction does not apply to --strategy leave-last (use --k)')
    if (args.has('cut-time') && args.has('test-fraction'))
      throw new UsageError('split: give either --cut-time or --test-fraction, not both')
    const testFraction = args.num('test-fraction', 0.2, Number.MIN_VALUE, 1 - Number.EPSILON)!
    const k = args.int('k', 1, 1)!
    const cutTime = args.num('cut-time')
    const { interactions: x } = await loadData(args, ctx, 'data')
    let split: Split
    let options: Record<string, unknown>
    try {
      if (strategy === 'random') {
        options = { testFraction, seed: seed!, ...(minInteractions !== undefined ? { minInteractions } : {}) }
        split = splitRandom(x, { testFraction, seed: seed!, minInteractions })
      } else if (strategy === 'leave-last') {
        options = { k, ...(minInteractions !== undefined ? { minInteractions } : {}) }
        split = splitLeaveLast(x, { k, minInteractions })
      } else {
        options = cutTime !== undefined ? { cutTime } : { testFraction }
        if (minInteractions !== undefined) options.minInteractions = minInteractions
        split = splitTemporal(x, cutTime !== undefined ? { cutTime, minInteractions } : { testFraction, minInteractions })
      }
    } catch (e) {
      throw asInputError(e, args.str('data'))
    }
    const files = writeSplit(out, split)
    const result = {
      strategy,
      seed: seed ?? null,
      out,
      files,
      options,
      train: sizes(split.train),
      test: sizes(split.test),
      ...(split.droppedColdUsers !== undefined ? { dropped_cold_users: split.droppedColdUsers } : {}),
    }
    if (args.bool('json')) {
      ctx.json(result)
      return
    }
    ctx.io.stdout(
      `${strategy} split of ${args.str('data')} → ${files.train} (${result.train.interactions} interactions, ${result.train.users} users), ` +
        `${files.test} (${result.test.interactions} interactions, ${result.test.users} users)` +
        (split.droppedColdUsers ? `; ${split.droppedColdUsers} cold users dropped from test` : '') +
        '\n',
    )
  },
}
