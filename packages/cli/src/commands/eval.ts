import { evaluateAsync } from '@decoy/eval'
import type { Command } from '../command.js'
import { UsageError } from '../errors.js'
import { STRICT_OPTION, dataOptions, loadTest, loadTrain } from '../load.js'
import { evalWorkers, topKRunner } from '../eval-runner.js'
import { loadModelForEval, EVAL_MODELS } from '../models.js'
import { evalJson, evalSummary, metricsTable } from '../report.js'

/** `decoy eval`. */
export const evalCommand: Command = {
  name: 'eval',
  summary: 'full-ranking evaluation of a model (popularity, or a saved model) on a train/test split',
  usage: '--train <file> --test <file> --model popularity|<saved> [--k 10,20] [--sampled N --seed S] [--json]',
  options: [
    ...dataOptions('train', 'training interactions (file, directory, dataset); their items are masked'),
    { name: 'test', type: 'string', value: '<file>', description: 'held-out interactions, read into the training id space' },
    {
      name: 'model',
      type: 'string',
      value: '<name|file>',
      description: `${EVAL_MODELS.join('|')}, or a model file saved by decoy train --save`,
    },
    { name: 'k', type: 'string', value: '<k,…>', description: 'cut-offs', defaultText: '10,20' },
    {
      name: 'sampled',
      type: 'string',
      value: '<N>',
      description: 'sampled-candidate metrics against N frozen negatives per positive (biased; flagged)',
    },
    { name: 'seed', type: 'string', value: '<s>', description: 'seed of the sampled negatives (required with --sampled)' },
    { name: 'workers', type: 'string', value: '<w>', description: 'threads of the blocked ranking (mf, fm, item2vec)', defaultText: '2' },
    STRICT_OPTION,
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'JSON keys: model, train, test, metrics {"ndcg@10", "recall@20", "precision@K", "hr@K", "mrr@K", "map@K", "coverage@K",\n' +
    '"meanPopularity@K"} (keys prefixed "sampled_" with --sampled), k, users, test_interactions, unseen_test_items,\n' +
    'masked_test_items, unknown_users, unknown_user_interactions, unknown_items, sampled, sampled_negatives?, sampled_seed?,\n' +
    'warnings. Test users absent from train are skipped and counted (--strict: an error); test items absent\n' +
    'from train stay in the denominators.',
  async run(args, ctx) {
    const modelSpec = args.required('model')
    args.required('test')
    const k = args.intList('k', [10, 20])
    const sampledN = args.int('sampled', undefined, 1)
    const seed = args.str('seed')
    if (sampledN !== undefined && seed === undefined) throw new UsageError('eval: --sampled needs --seed (the negatives are frozen by it)')
    const { interactions: train } = await loadTrain(args, ctx)
    const test = await loadTest(args, train, 'test', args.bool('strict'))
    const model = await loadModelForEval(modelSpec, train)
    const r = await evaluateAsync(model.model, train, test, {
      k,
      strict: args.bool('strict'),
      topK: topKRunner(evalWorkers(args)),
      ...(sampledN !== undefined ? { sampled: { negatives: sampledN, seed: seed! } } : {}),
    })
    if (args.bool('json')) {
      ctx.json({ model: model.name, train: args.str('train'), test: args.str('test'), ...evalJson(r) })
      return
    }
    ctx.io.stdout(`model ${model.name}\n` + metricsTable(r) + evalSummary(r))
  },
}
