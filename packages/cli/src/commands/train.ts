import { readFileSync } from 'node:fs'
import type { Interactions } from '@decoy/core'
import { writeFileAtomic } from '@decoy/core/node'
import { loadDataset } from '@decoy/datasets'
import { evaluate, type EvalResult } from '@decoy/eval'
import { FmFeatureBuilder, lossNames, mfDefaults, type FmFeatures, type LossName } from '@decoy/models'
import type { Command, CommandContext } from '../command.js'
import { InputError, UsageError } from '../errors.js'
import { asInputError, dataOptions, loadTest, loadTrain } from '../load.js'
import { TRAIN_DEFAULTS_TEXT, TRAIN_MODELS, defaultEpochs, serializeWithInfo, trainModel, type TrainSettings } from '../models.js'
import { evalJson, evalSummary, metricsTable } from '../report.js'
import { samplerFromArgs, samplerOptions, samplerPairingFromArgs } from '../sampler-flags.js'

/** `decoy train`. */
export const trainCommand: Command = {
  name: 'train',
  summary: 'train a model (mf, fm, item2vec) through any sampler, evaluate it, optionally save it',
  usage:
    "--train <file> --test <file> --model mf|fm|item2vec [--loss bpr|logistic|softmax|warp|gbce] --sampler <kind> [--sampler-config '<json>']\n" +
    '       [--factors 64] [--epochs N] [--lr x] [--l2 x] [--negatives k] [--batch-size b] [--workers w] [--seed s] [--k 10,20]\n' +
    '       [--save <path>] [--dataset <name>] [--kernel auto|wasm|js] [--json]\n' +
    '       fm: [--features genres,year,tags[,demographics]] [--user-features <file>] [--item-features <file>]\n' +
    '       item2vec: [--window all|N] [--sample 1e-3] [--output ns|hs]',
  options: [
    ...dataOptions('train', 'training interactions (file, directory, dataset)'),
    { name: 'test', type: 'string', value: '<file>', description: 'held-out interactions for the final full-ranking metrics' },
    { name: 'model', type: 'string', value: '<name>', description: TRAIN_MODELS.join('|'), defaultText: 'mf' },
    ...samplerOptions(),
    { name: 'loss', type: 'string', value: '<loss>', description: `mf/fm loss: ${lossNames.join('|')}`, defaultText: TRAIN_DEFAULTS_TEXT.loss },
    { name: 'factors', type: 'string', value: '<d>', description: 'embedding dimension', defaultText: TRAIN_DEFAULTS_TEXT.factors },
    { name: 'epochs', type: 'string', value: '<n>', description: 'passes over the training data', defaultText: TRAIN_DEFAULTS_TEXT.epochs },
    { name: 'lr', type: 'string', value: '<x>', description: 'learning rate (item2vec: initial alpha)', defaultText: TRAIN_DEFAULTS_TEXT.lr },
    { name: 'l2', type: 'string', value: '<x>', description: 'mf/fm: L2 on touched rows', defaultText: TRAIN_DEFAULTS_TEXT.l2 },
    { name: 'negatives', type: 'string', value: '<k>', description: 'negatives per positive', defaultText: TRAIN_DEFAULTS_TEXT.negatives },
    { name: 'batch-size', type: 'string', value: '<b>', description: 'positives per sampler call', defaultText: TRAIN_DEFAULTS_TEXT.batchSize },
    { name: 'optimizer', type: 'string', value: '<o>', description: 'mf/fm: sgd|adagrad', defaultText: TRAIN_DEFAULTS_TEXT.optimizer },
    { name: 'margin', type: 'string', value: '<x>', description: 'mf/fm: hinge margin (warp)', defaultText: '1' },
    { name: 'temperature', type: 'string', value: '<x>', description: 'mf/fm: softmax temperature', defaultText: '1' },
    { name: 'window', type: 'string', value: '<all|N>', description: 'item2vec: context window, or all (every pair of a history)', defaultText: TRAIN_DEFAULTS_TEXT.window },
    { name: 'sample', type: 'string', value: '<x>', description: 'item2vec: frequent-item subsampling threshold (0 = off)', defaultText: TRAIN_DEFAULTS_TEXT.sample },
    { name: 'output', type: 'string', value: '<ns|hs>', description: 'item2vec: negative sampling or hierarchical softmax', defaultText: TRAIN_DEFAULTS_TEXT.output },
    { name: 'kernel', type: 'string', value: '<auto|wasm|js>', description: 'step kernels, WebAssembly SIMD or TypeScript', defaultText: TRAIN_DEFAULTS_TEXT.kernel },
    { name: 'workers', type: 'string', value: '<w>', description: 'Hogwild worker threads (1 is bit-identical across runs)', defaultText: '1' },
    { name: 'seed', type: 'string', value: '<s>', description: 'seed of initialisation, order and sampler streams', defaultText: '42' },
    { name: 'k', type: 'string', value: '<k,…>', description: 'cut-offs of the test metrics', defaultText: '10,20' },
    { name: 'save', type: 'string', value: '<path>', description: 'save the model (Arrow IPC + JSON header), written atomically' },
    { name: 'dataset', type: 'string', value: '<name>', description: 'dataset whose metadata (titles) goes with the model, recorded at save' },
    { name: 'features', type: 'string', value: '<list>', description: 'fm: metadata fields of --dataset: genres,year,tags,demographics' },
    { name: 'user-features', type: 'string', value: '<file>', description: 'fm: CSV/TSV keyed by external user id (categorical a|b or numeric columns)' },
    { name: 'item-features', type: 'string', value: '<file>', description: 'fm: CSV/TSV keyed by external item id (categorical a|b or numeric columns)' },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    'item2vec samples negatives from popularity {"alpha":0.75} unless --sampler says otherwise (ignored with --output hs).\n' +
    'mf/fm with --sampler hard|dynamic|adaptive and neither --loss nor --negatives train with that sampler\'s recommended\n' +
    'pairing (loss, negatives, candidate settings under --sampler-config), said on stderr and recorded as config.pairing.\n' +
    'JSON keys: model, metrics {"ndcg@10", "ndcg@20", "recall@20", "hr@10", …} (when --test is given), k, users,\n' +
    'test_interactions, unseen_test_items, masked_test_items, sampled, warnings, train_seconds, updates_per_second,\n' +
    'updates, config (the full resolved configuration, sampler included), sampler_stats, epochs [{epoch, seconds, loss?,\n' +
    'updates?, pairs?, learningRate}], saved?.',
  async run(args, ctx) {
    const kind = args.choice('model', TRAIN_MODELS, 'mf')!
    const mfOnly = ['loss', 'l2', 'optimizer', 'margin', 'temperature']
    const i2vOnly = ['window', 'sample', 'output']
    const fmOnly = ['features', 'user-features', 'item-features']
    for (const f of kind === 'fm' ? i2vOnly : kind === 'mf' ? [...i2vOnly, ...fmOnly] : [...mfOnly, ...fmOnly]) if (args.has(f)) throw new UsageError(`train: --${f} does not apply to --model ${kind}`)
    let window: number | 'all' | undefined
    const w = args.str('window')
    if (w !== undefined) window = w === 'all' ? 'all' : args.int('window', undefined, 1)
    const settings: TrainSettings = {
      factors: args.int('factors', undefined, 1),
      epochs: args.int('epochs', undefined, 1),
      learningRate: args.num('lr', undefined, Number.MIN_VALUE),
      l2: args.num('l2', undefined, 0),
      negatives: args.int('negatives', undefined, 1),
      batchSize: args.int('batch-size', undefined, 1),
      workers: args.int('workers', 1, 1, 64)!,
      seed: args.str('seed') ?? '42',
      loss: args.choice('loss', lossNames as readonly LossName[]),
      optimizer: args.choice('optimizer', ['sgd', 'adagrad'] as const),
      margin: args.num('margin', undefined, 0),
      temperature: args.num('temperature', undefined, Number.MIN_VALUE),
      window,
      sample: args.num('sample', undefined, 0),
      output: args.choice('output', ['ns', 'hs'] as const),
      kernel: args.choice('kernel', ['auto', 'wasm', 'js'] as const),
    }
    const k = args.intList('k', [10, 20])
    const hs = kind === 'item2vec' && settings.output === 'hs'
    // A model-aware sampler without --loss / --negatives trains with its recommended pairing.
    const pairing = kind === 'item2vec' ? null : samplerPairingFromArgs(args)
    const sampler = hs && !args.has('sampler') ? null : samplerFromArgs(args, kind === 'item2vec' ? 'popularity' : undefined, pairing?.sampler)
    if (pairing) {
      settings.loss = pairing.loss as LossName
      settings.negatives = pairing.negatives
      ctx.log(`train: --sampler ${pairing.kind} without --loss/--negatives: its recommended pairing, loss ${pairing.loss}, ${pairing.negatives} negatives, ${JSON.stringify(pairing.sampler)}`)
    }
    const minBatch = sampler?.requires.minBatch
    const batch = settings.batchSize ?? (kind === 'item2vec' ? 2048 : mfDefaults.batchSize)
    if (minBatch !== undefined && batch < minBatch) {
      throw new UsageError(`train: sampler ${sampler!.config.kind} needs --batch-size >= ${minBatch}, got ${batch}`)
    }
    const { interactions: train, meta } = await loadTrain(args, ctx)
    const test = args.has('test') ? loadTest(args, train) : null
    if (kind === 'fm') settings.features = await fmFeatures(args, ctx, train)
    const epochs = settings.epochs ?? defaultEpochs(kind)
    const bar = ctx.progress(`train ${kind}`, epochs)
    let outcome
    try {
      outcome = await trainModel(kind, train, sampler, settings, (e) => {
        bar.update(e.epoch + 1, e.loss !== undefined && Number.isFinite(e.loss) ? `loss ${e.loss.toFixed(4)}` : undefined)
        if (!ctx.io.stderrIsTTY) {
          ctx.log(`epoch ${e.epoch + 1}/${epochs}  ${e.seconds.toFixed(2)}s` + (e.loss !== undefined ? `  loss ${e.loss.toFixed(4)}` : '') + (e.pairs !== undefined ? `  pairs ${e.pairs}` : ''))
        }
      })
    } catch (e) {
      bar.done()
      if (e instanceof UsageError || e instanceof InputError) throw e
      // Option and data problems the model or sampler reports (a bad hyper-parameter, a sampler that
      // needs a scorer or bigger batches) are plain Errors with such wording; TypeErrors etc. are bugs.
      const err = e as Error
      if (err.constructor === Error && /must be|unknown|requires|needs|expected|at least|too (few|many)/i.test(err.message)) {
        throw new UsageError(`train: ${err.message}`)
      }
      throw e
    }
    bar.done()
    let r: EvalResult | null = null
    if (test) r = evaluate(outcome.model, train, test, { k })
    let saved: string | undefined
    const savePath = args.str('save')
    if (savePath) {
      const bytes = serializeWithInfo(outcome.model, {
        ...(args.str('dataset') ? { dataset: args.str('dataset') } : meta?.items && isDatasetSpec(args.str('train')!) ? { dataset: args.str('train') } : {}),
        train: args.str('train'),
        ...(args.str('test') ? { test: args.str('test') } : {}),
        ...(r ? { metrics: r.metrics } : {}),
      })
      try {
        writeFileAtomic(savePath, bytes)
      } catch (e) {
        throw asInputError(e, savePath)
      }
      saved = savePath
    }
    const result = {
      model: kind,
      ...(r ? evalJson(r) : { metrics: {} }),
      train_seconds: outcome.trainSeconds,
      updates_per_second: outcome.updatesPerSecond,
      updates: outcome.updates,
      config: { ...outcome.config, k, ...(pairing ? { pairing: { sampler: pairing.kind, loss: pairing.loss, negatives: pairing.negatives, samplerConfig: pairing.sampler } } : {}) },
      sampler_stats: outcome.samplerStats,
      epochs: outcome.epochs,
      ...(saved ? { saved } : {}),
    }
    if (args.bool('json')) {
      ctx.json(result)
      return
    }
    let text = `model ${kind}, trained ${epochs} epochs in ${outcome.trainSeconds.toFixed(1)}s (${Math.round(outcome.updatesPerSecond).toLocaleString('en-US')} updates/s)\n`
    text += `config ${JSON.stringify(outcome.config)}\n`
    if (r) text += metricsTable(r) + evalSummary(r)
    if (saved) text += `saved ${saved}\n`
    ctx.io.stdout(text)
  },
}

function isDatasetSpec(s: string): boolean {
  return /^ml-/.test(s)
}

const FM_FIELDS = ['genres', 'year', 'tags', 'demographics'] as const

/**
 * The FM's feature rows: id fields, plus `--features` taken from the `--dataset` metadata (joined
 * on external ids, so split files work), plus `--user-features` / `--item-features` files.
 */
async function fmFeatures(args: Parameters<Command['run']>[0], ctx: CommandContext, train: Interactions): Promise<FmFeatures> {
  const fb = new FmFeatureBuilder({ userIds: train.userIds, itemIds: train.itemIds })
  const list = (args.str('features') ?? '').split(',').map((f) => f.trim()).filter((f) => f.length > 0)
  for (const f of list) {
    if (!(FM_FIELDS as readonly string[]).includes(f)) throw new UsageError(`train: --features: unknown field "${f}" (known: ${FM_FIELDS.join(', ')})`)
  }
  if (list.length > 0) {
    const name = args.str('dataset')
    if (!name) throw new UsageError('train: --features takes its fields from --dataset <name>; give one')
    let d
    try {
      d = await loadDataset(name, { dir: args.str('data-dir'), env: ctx.io.env })
    } catch (e) {
      throw asInputError(e, name)
    }
    const genres = list.includes('genres')
    const year = list.includes('year')
    if (genres || year) {
      if (!d.items) throw new UsageError(`train: dataset ${name} has no item metadata for --features genres/year`)
      fb.addItemMeta(d.items, { genres, year, unknownIds: 'skip' })
    }
    if (list.includes('tags')) {
      if (!d.tags) throw new UsageError(`train: dataset ${name} has no tags`)
      fb.addItemTags(d.tags)
    }
    if (list.includes('demographics')) {
      if (!d.users) throw new UsageError(`train: dataset ${name} has no user demographics (ml-100k and ml-1m have them)`)
      fb.addUserMeta(d.users, { unknownIds: 'skip' })
    }
  }
  for (const side of ['user', 'item'] as const) {
    const path = args.str(`${side}-features`)
    if (!path) continue
    try {
      fb.addFeatureFile(side, readFileSync(path, 'utf8'), { source: path })
    } catch (e) {
      throw asInputError(e, path)
    }
  }
  return fb.build()
}
