import { readFileSync } from 'node:fs'
import { defaultSpaces, leaderboardText, parseBudget, tune, type SearchSpace } from '@decoy/experiments'
import { modelKinds } from '@decoy/models'
import type { Command } from '../command.js'
import { InputError, UsageError } from '../errors.js'
import { STRICT_OPTION, asInputError, dataOptions, loadTest, loadTrain } from '../load.js'
import { formatDuration } from '../progress.js'

/** The default spaces as help text, one model kind a line. */
function spacesHelp(): string {
  return Object.entries(defaultSpaces)
    .map(
      ([kind, space]) =>
        `  ${kind}:\n` +
        Object.entries(space)
          .map(([key, d]) => `    ${key}: ${JSON.stringify(d)}`)
          .join('\n'),
    )
    .join('\n')
}

/** Reads `--space <json file>`. */
function readSpace(path: string): SearchSpace {
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw asInputError(e, path)
  }
  try {
    return JSON.parse(text) as SearchSpace
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`, path)
  }
}

/** `decoy tune`. */
export const tuneCommand: Command = {
  name: 'tune',
  summary: 'search hyper-parameters on a validation split carved from train (random search + successive halving); best.json',
  usage:
    `--train <file> [--test <file>] --model ${modelKinds.join('|')} [--space <json file>] --budget <30m | 200 trials>\n` +
    '       [--metric ndcg@10] [--validation-fraction 0.2] [--seed s] [--workers w] --out <dir>\n' +
    '       [--rungs 1,3,9,27] [--eta 3] [--patience 2] [--json]',
  options: [
    ...dataOptions('train', 'training interactions; the validation part is carved from them (per user, at random)'),
    {
      name: 'test',
      type: 'string',
      value: '<file>',
      description: 'held-out interactions: the best configuration is retrained on all of train and evaluated once',
    },
    STRICT_OPTION,
    { name: 'model', type: 'string', value: '<kind>', description: modelKinds.join('|'), defaultText: 'mf' },
    {
      name: 'space',
      type: 'string',
      value: '<json file>',
      description: 'search space (see below)',
      defaultText: 'the default space of the model kind',
    },
    { name: 'budget', type: 'string', value: '<30m|200 trials>', description: 'wall-clock time (s, m, h) or a number of configurations' },
    { name: 'metric', type: 'string', value: '<metric@k>', description: 'validation metric maximised', defaultText: 'ndcg@10' },
    {
      name: 'validation-fraction',
      type: 'string',
      value: '<f>',
      description: "share of each user's training interactions held out for validation",
      defaultText: '0.2',
    },
    {
      name: 'seed',
      type: 'string',
      value: '<s>',
      description: 'seed of the validation split, the configurations and every model',
      defaultText: '42',
    },
    {
      name: 'workers',
      type: 'string',
      value: '<w>',
      description: 'trials trained at once, one worker thread each (results do not depend on it)',
      defaultText: '1',
    },
    { name: 'rungs', type: 'string', value: '<e,…>', description: 'epochs of the successive-halving rungs', defaultText: '1,3,9,27' },
    { name: 'eta', type: 'string', value: '<n>', description: 'keep the best 1/eta of each rung', defaultText: '3' },
    {
      name: 'patience',
      type: 'string',
      value: '<n>',
      description: 'epochs without a better validation metric before a trial stops',
      defaultText: '2',
    },
    {
      name: 'out',
      type: 'string',
      value: '<dir>',
      description: 'trials.jsonl (journal: a rerun continues it), trials.csv, best.json, trials.svg, leaderboard.md',
    },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'Random configurations from the space; each bracket of eta^(rungs-1) configurations trains all for rungs[0] epochs on the\n' +
    'train part, keeps the best 1/eta for rungs[1] epochs, and so on; every trial early-stops on the validation metric\n' +
    '(--patience) and keeps its best epoch, which becomes the epochs (ALS: iterations) of best.json. The test file never enters\n' +
    'the search. With a trial budget the result depends only on the seed (each trial trains on one thread, whatever --workers);\n' +
    'a time budget stops scheduling when the time is up. Finished trials are appended to <out>/trials.jsonl, so rerunning\n' +
    'the same command (a larger budget too) continues the search; the other files are written as one set at the end.\n' +
    'best.json is a model config: decoy train --config best.json, or a model entry of an experiment config.\n' +
    'Space: {"<option>": constant | {"values": [...]} | {"min": a, "max": b, "log"?: true, "int"?: true}, "sampler": {"values":\n' +
    '  [{"kind": "uniform"}, {"kind": "popularity", "alpha": {"min": 0, "max": 1}}]}} (options: the model\'s --help keys, camelCase).\n' +
    'Default spaces:\n' +
    spacesHelp() +
    '\nJSON keys: best (config), validation {"ndcg@10", …}, metrics {"ndcg@10", "recall@20", …} (with --test), trials, seconds, out.',
  async run(args, ctx) {
    const kind = args.choice('model', modelKinds, 'mf')!
    const budgetText = args.required('budget')
    const out = args.required('out')
    let budget
    try {
      budget = parseBudget(budgetText)
    } catch (e) {
      throw new UsageError(`tune: --${(e as Error).message}`)
    }
    const fraction = args.num('validation-fraction', 0.2, 0, 1)!
    if (!(fraction > 0 && fraction < 1)) throw new UsageError(`tune: --validation-fraction must be in (0, 1), got ${fraction}`)
    const metric = args.str('metric') ?? 'ndcg@10'
    const workers = args.int('workers', 1, 1, 64)!
    const rungs = args.has('rungs') ? args.intList('rungs', [], 10_000) : undefined
    const eta = args.int('eta', undefined, 2, 100)
    const patience = args.int('patience', undefined, 1, 1000)
    const spacePath = args.str('space')
    const space = spacePath ? readSpace(spacePath) : undefined
    const { interactions: train } = await loadTrain(args, ctx)
    const test = args.has('test') ? await loadTest(args, train, 'test', args.bool('strict')) : undefined
    const bar = ctx.progress(`tune ${kind}`, 1000)
    let lastBest = -Infinity
    let r
    try {
      r = await tune({
        train,
        ...(test ? { test } : {}),
        model: kind,
        ...(space ? { space } : {}),
        budget,
        metric,
        validationFraction: fraction,
        seed: args.str('seed') ?? '42',
        workers,
        out,
        ...(rungs ? { rungs } : {}),
        ...(eta !== undefined ? { eta } : {}),
        ...(patience !== undefined ? { patience } : {}),
        onProgress: (p) => {
          bar.update(p.fraction * 1000, `${p.trials} trials, best ${metric} ${p.best.toFixed(4)}`)
          if (!ctx.io.stderrIsTTY && p.best > lastBest)
            ctx.log(`${formatDuration(p.seconds)}  ${p.trials} trials  best ${metric} ${p.best.toFixed(4)}`)
          lastBest = Math.max(lastBest, p.best)
        },
      })
    } catch (e) {
      bar.done()
      const err = e as Error & { field?: string }
      // Space, budget and option errors name their field: usage errors (exit 2).
      if (['SpaceError', 'TuneError', 'BudgetError'].includes(err.name))
        throw new UsageError(`tune: ${err.message.replace(/^space\./, `${spacePath ?? 'space'}: space.`)}`)
      throw e
    }
    bar.done()
    const board =
      `leaderboard (validation ${metric}, top 10 of ${r.trials} trials; ${r.resumed} tasks reused from ${out}):\n` +
      leaderboardText(r.leaderboard, metric, 10)
    if (args.bool('json')) {
      ctx.log(board)
      ctx.json({
        best: r.best,
        validation: r.validation,
        ...(r.metrics ? { metrics: r.metrics } : {}),
        trials: r.trials,
        seconds: r.seconds,
        out,
      })
      return
    }
    let text = board + `best ${JSON.stringify(r.best)}\nvalidation ${metric} ${r.validation[metric]}\n`
    if (r.metrics)
      text += `test ${Object.entries(r.metrics)
        .map(([k, v]) => `${k} ${v.toFixed(4)}`)
        .join('  ')}\n`
    text += `${r.trials} trials in ${formatDuration(r.seconds)}; wrote ${Object.values(r.files).join(', ')}\n`
    ctx.io.stdout(text)
  },
}
