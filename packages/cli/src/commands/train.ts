import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '@decoy/core/node'
import { loadDataset } from '@decoy/datasets'
import { evaluateAsync, type EvalResult } from '@decoy/eval'
import { modelFamilies, modelKinds, optionFlag, type ModelMetadata, type OptionSpec } from '@decoy/models'
import type { Args, OptionSpec as CommandOption } from '../args.js'
import type { Command, CommandContext } from '../command.js'
import { InputError, UsageError } from '../errors.js'
import { STRICT_OPTION, asInputError, dataOptions, loadTest, loadTrain } from '../load.js'
import { evalWorkers, topKRunner } from '../eval-runner.js'
import { defaultEpochs, serializeWithInfo, trainModel, type TrainSettings } from '../models.js'
import { evalJson, evalSummary, metricsTable } from '../report.js'
import { samplerFromArgs, samplerOptions, samplerPairingFromArgs } from '../sampler-flags.js'
import { withConfigFile } from '../config-file.js'
import { carveValidation } from '@decoy/experiments'

/** Keys every family takes through `fit` (the common options), so they are flags of their own. */
const FIT_KEYS = new Set(['epochs', 'batchSize'])

/** One flag of a model option: the families that take it, their specs, aliases. */
interface ModelFlag {
  flag: string
  key: string
  kinds: string[]
  specs: OptionSpec[]
}

/** Every model option of every registered family, as flags (first spec wins for the type). */
function modelFlags(): ModelFlag[] {
  const byFlag = new Map<string, ModelFlag>()
  for (const kind of modelKinds) {
    const schema = modelFamilies[kind].options
    for (const key of Object.keys(schema)) {
      if (FIT_KEYS.has(key)) continue
      const spec = schema[key]
      if (spec.type === 'object' && !spec.file) continue
      const flag = optionFlag(key, spec)
      const f = byFlag.get(flag) ?? { flag, key, kinds: [], specs: [] }
      f.kinds.push(kind)
      f.specs.push(spec)
      byFlag.set(flag, f)
    }
  }
  return [...byFlag.values()]
}

const FLAGS = modelFlags()

/** A family's default sampler as help shows it: `popularity {"alpha":0.3}`. */
function defaultSamplerText(kind: string): string {
  const f = modelFamilies[kind]
  return `${f.defaultSampler}${f.defaultSamplerConfig ? ` ${JSON.stringify(f.defaultSamplerConfig)}` : ''}`
}

/** Families that never sample (ALS): `--sampler`, `--loss` and `--negatives` are errors with them. */
const SAMPLERLESS = modelKinds.filter((k) => modelFamilies[k].samplerless !== undefined)

function flagOption(f: ModelFlag): CommandOption {
  const all = f.kinds.length === modelKinds.length
  const defaults = f.specs
    .map((sp, i) => (i === 0 || sp.defaultText === f.specs[0].defaultText ? null : `${f.kinds[i]} ${sp.defaultText}`))
    .filter((x) => x)
  const defaultText =
    f.specs[0].defaultText === undefined ? undefined : f.specs[0].defaultText + (defaults.length ? ` (${defaults.join(', ')})` : '')
  const sp = f.specs[0]
  const value = sp.file
    ? '<file>'
    : sp.values
      ? `<${sp.values.join('|')}>`
      : sp.type === 'boolean'
        ? '<true|false>'
        : sp.type === 'int|all'
          ? '<all|n>'
          : sp.type === 'int'
            ? '<n>'
            : '<x>'
  return {
    name: f.flag,
    type: 'string',
    value,
    description: (all ? '' : `${f.kinds.join('/')}: `) + f.specs[0].doc,
    ...(defaultText !== undefined ? { defaultText } : {}),
  }
}

/** Reads one model option from its flag, typed by the family's schema. */
function readFlag(args: Args, flag: string, spec: OptionSpec): unknown {
  const raw = args.str(flag)
  if (raw === undefined) return undefined
  const min =
    spec.min === undefined ? undefined : spec.exclusiveMin ? (spec.type === 'int' ? spec.min + 1 : Number.MIN_VALUE + spec.min) : spec.min
  switch (spec.type) {
    case 'int':
      return args.int(flag, undefined, min, spec.max)
    case 'number':
      return args.num(flag, undefined, min, spec.max)
    case 'int|all':
      return raw === 'all' ? 'all' : args.int(flag, undefined, min ?? 1)
    case 'boolean':
      if (raw !== 'true' && raw !== 'false') throw new UsageError(`train: --${flag} must be true or false, got ${JSON.stringify(raw)}`)
      return raw === 'true'
    case 'string':
      return spec.values ? args.choice(flag, spec.values) : raw
    case 'string|object':
      return raw
    case 'object':
      try {
        return { path: raw, text: readFileSync(raw, 'utf8') }
      } catch (e) {
        throw asInputError(e, raw)
      }
  }
}

/** `decoy train`. */
export const trainCommand: Command = {
  name: 'train',
  summary: `train a model (${modelKinds.join(', ')}) through any sampler${SAMPLERLESS.length ? ` (${SAMPLERLESS.join(', ')}: none)` : ''}, evaluate it, optionally save it`,
  usage:
    `--train <file> --test <file> --model ${modelKinds.join('|')} [--loss bpr|logistic|softmax|warp|gbce] [--sampler <kind>] [--sampler-config '<json>']\n` +
    '       [--dim 64] [--epochs N] [--lr x] [--l2 x] [--negatives k] [--batch-size b] [--workers w] [--seed s] [--k 10,20]\n' +
    '       [--save <path>] [--dataset <name>] [--kernel auto|wasm|js] [--json]\n' +
    '       fm: [--features genres,year,tags[,demographics]] [--user-features <file>] [--item-features <file>]\n' +
    '       item2vec: [--window all|N] [--sample 1e-3] [--output ns|hs]\n' +
    '       als: [--reg 30] [--alpha 3] [--iterations 10] [--cg-steps 3] (no --sampler, --loss or --negatives)\n' +
    "       every model option of the registry's schemas is a flag (see below); --factors is an alias of --dim",
  options: [
    {
      name: 'config',
      type: 'string',
      value: '<json file>',
      description: "options as JSON (keys as the flags, or a model config such as decoy tune's best.json); flags override it",
    },
    ...dataOptions('train', 'training interactions (file, directory, dataset)'),
    { name: 'test', type: 'string', value: '<file>', description: 'held-out interactions for the final full-ranking metrics' },
    { name: 'model', type: 'string', value: '<name>', description: modelKinds.join('|'), defaultText: 'mf' },
    ...samplerOptions(),
    ...FLAGS.map(flagOption),
    { name: 'factors', type: 'string', value: '<d>', description: 'alias of --dim' },
    {
      name: 'epochs',
      type: 'string',
      value: '<n>',
      description: 'passes over the training data',
      defaultText: modelKinds
        .map((k, i) => (i === 0 ? String(modelFamilies[k].defaults.epochs) : `${k} ${modelFamilies[k].defaults.epochs}`))
        .join(', '),
    },
    {
      name: 'batch-size',
      type: 'string',
      value: '<b>',
      description: 'examples per sampler call',
      defaultText: modelKinds
        .map((k, i) => (i === 0 ? String(modelFamilies[k].defaults.batchSize) : `${k} ${modelFamilies[k].defaults.batchSize}`))
        .join(', '),
    },
    {
      name: 'kernel',
      type: 'string',
      value: '<auto|wasm|js>',
      description: 'step kernels, WebAssembly SIMD or TypeScript',
      defaultText:
        'auto (wasm when WebAssembly SIMD is available, dim % 4 = 0 and, for mf/fm, the loss is not warp and scores are not cosine)',
    },
    {
      name: 'workers',
      type: 'string',
      value: '<w>',
      description: 'Hogwild worker threads (1 is bit-identical across runs); also the evaluation threads',
      defaultText: '1 (evaluation: 2)',
    },
    STRICT_OPTION,
    { name: 'seed', type: 'string', value: '<s>', description: 'seed of initialisation, order and sampler streams', defaultText: '42' },
    { name: 'k', type: 'string', value: '<k,…>', description: 'cut-offs of the test metrics', defaultText: '10,20' },
    {
      name: 'validation-fraction',
      type: 'string',
      value: '<f>',
      description:
        "carve this share of each user's training interactions (as decoy tune does) and early-stop on its ndcg@10, keeping the best epoch",
    },
    { name: 'save', type: 'string', value: '<path>', description: 'save the model (Arrow IPC + JSON header), written atomically' },
    { name: 'dataset', type: 'string', value: '<name>', description: 'dataset whose metadata (titles, features) goes with the model' },
    { name: 'json', type: 'boolean', description: 'print one JSON object on stdout' },
  ],
  notes:
    `mf samples negatives from ${defaultSamplerText('mf')}, fm and lightgcn from uniform, unless --sampler says otherwise\n` +
    '(a named sampler keeps its own defaults: --sampler popularity is alpha 0.75).\n' +
    'item2vec samples negatives from popularity {"alpha":0.75} unless --sampler says otherwise (ignored with --output hs).\n' +
    "mf/fm with --sampler hard|dynamic|adaptive and neither --loss nor --negatives train with that sampler's recommended\n" +
    'pairing (loss, negatives, candidate settings under --sampler-config), said on stderr and recorded as config.pairing.\n' +
    'JSON keys: model, metrics {"ndcg@10", "ndcg@20", "recall@20", "hr@10", …} (when --test is given), k, users,\n' +
    'test_interactions, unseen_test_items, masked_test_items, unknown_users, unknown_user_interactions, unknown_items, sampled,\n' +
    'warnings, train_seconds, eval_seconds (null without --test), updates_per_second,\n' +
    'updates, config (the full resolved configuration, sampler included), sampler_stats, epochs [{epoch, seconds, loss?,\n' +
    'updates?, pairs?, learningRate}], saved?.',
  async run(cliArgs, ctx) {
    const args = withConfigFile(cliArgs, trainCommand.options)
    const kind = args.choice('model', modelKinds, 'mf')!
    const family = modelFamilies[kind]
    if (args.has('dim') && args.has('factors')) throw new UsageError('train: give --dim or --factors, not both')
    // A family that never samples (ALS) rejects the sampling flags, saying why.
    for (const f of family.samplerless ? ['sampler', 'sampler-config', 'loss', 'negatives'] : []) {
      if (args.has(f)) throw new UsageError(`train: --${f} does not apply to --model ${kind}: ${family.samplerless}`)
    }
    const options: Record<string, unknown> = {}
    for (const f of FLAGS) {
      const given = args.has(f.flag) || (f.flag === 'dim' && args.has('factors'))
      if (!given) continue
      const i = f.kinds.indexOf(kind)
      if (i < 0) throw new UsageError(`train: --${f.flag} does not apply to --model ${kind}`)
      const key = Object.keys(family.options).find((k) => optionFlag(k, family.options[k]) === f.flag)!
      options[key] = readFlag(args, args.has(f.flag) ? f.flag : 'factors', f.specs[i])
    }
    const settings: TrainSettings = {
      options,
      epochs: args.int('epochs', undefined, 1),
      batchSize: args.int('batch-size', undefined, 1),
      workers: args.int('workers', 1, 1, 64)!,
      seed: args.str('seed') ?? '42',
      kernel: args.choice('kernel', ['auto', 'wasm', 'js'] as const),
    }
    const k = args.intList('k', [10, 20])
    // A model-aware sampler without --loss / --negatives trains with its recommended pairing.
    const pairing = family.options.loss && family.options.negatives ? samplerPairingFromArgs(args) : null
    if (pairing) {
      options.loss = pairing.loss
      options.negatives = pairing.negatives
      ctx.log(
        `train: --sampler ${pairing.kind} without --loss/--negatives: its recommended pairing, loss ${pairing.loss}, ${pairing.negatives} negative${pairing.negatives === 1 ? '' : 's'}, ${JSON.stringify(pairing.sampler)}`,
      )
    }
    // The family's default sampler brings its options (MF: popularity α 0.3) when no sampler is
    // named; a named one (even the same kind) keeps its own defaults, as in the library.
    const named = args.str('sampler') ?? args.jsonObject('sampler-config').kind
    const samplerDefaults = named === undefined ? family.defaultSamplerConfig : undefined
    const sampler =
      !family.usesSampler(options) && !args.has('sampler')
        ? null
        : samplerFromArgs(args, family.defaultSampler, { ...samplerDefaults, ...pairing?.sampler })
    const minBatch = sampler?.requires.minBatch
    const batch = settings.batchSize ?? family.defaults.batchSize
    if (minBatch !== undefined && batch < minBatch) {
      throw new UsageError(`train: sampler ${sampler!.config.kind} needs --batch-size >= ${minBatch}, got ${batch}`)
    }
    const { interactions: train, meta } = await loadTrain(args, ctx)
    const test = args.has('test') ? await loadTest(args, train, 'test', args.bool('strict')) : null
    // Options built from dataset metadata (FM's --features) need --dataset's metadata.
    if ((family.metadataOptions ?? []).some((key) => typeof options[key] === 'string' && (options[key] as string).trim() !== '')) {
      settings.metadata = await datasetMetadata(args, ctx)
    }
    const fraction = args.num('validation-fraction', undefined, 0, 1)
    let fitTrain = train
    if (fraction !== undefined) {
      if (!(fraction > 0 && fraction < 1)) throw new UsageError(`train: --validation-fraction must be in (0, 1), got ${fraction}`)
      const parts = carveValidation(train, fraction, settings.seed)
      fitTrain = parts.train
      settings.validation = { data: parts.validation, metric: 'ndcg@10', k: [10] }
    }
    const epochs = settings.epochs ?? defaultEpochs(kind, options)
    const bar = ctx.progress(`train ${kind}`, epochs)
    let outcome
    try {
      outcome = await trainModel(
        kind,
        fitTrain,
        sampler,
        settings,
        (e) => {
          bar.update(e.epoch + 1, e.loss !== undefined && Number.isFinite(e.loss) ? `loss ${e.loss.toFixed(4)}` : undefined)
          if (!ctx.io.stderrIsTTY) {
            ctx.log(
              `epoch ${e.epoch + 1}/${epochs}  ${e.seconds.toFixed(2)}s` +
                (e.loss !== undefined ? `  loss ${e.loss.toFixed(4)}` : '') +
                (e.pairs !== undefined ? `  pairs ${e.pairs}` : ''),
            )
          }
        },
        // The bar moves within an epoch too, on a terminal only (the bar redraws at most 10×/s).
        ctx.io.stderrIsTTY
          ? (p) =>
              bar.update(
                p.fraction * epochs,
                p.loss !== undefined ? `epoch ${p.epoch + 1}/${epochs}  loss ${p.loss.toFixed(4)}` : `epoch ${p.epoch + 1}/${epochs}`,
              )
          : undefined,
      )
    } catch (e) {
      bar.done()
      if (e instanceof UsageError || e instanceof InputError) throw e
      // Option and data problems the model or sampler reports (a bad hyper-parameter, a sampler that
      // needs a scorer or bigger batches) are plain Errors with such wording; TypeErrors etc. are bugs.
      const err = e as Error
      if (err.constructor === Error && /must be|unknown|requires|needs|expected|at least|too (few|many)|has no/i.test(err.message)) {
        throw new UsageError(`train: ${err.message}`)
      }
      throw e
    }
    bar.done()
    let r: EvalResult | null = null
    const evalStart = performance.now()
    if (test) r = await evaluateAsync(outcome.model, train, test, { k, strict: args.bool('strict'), topK: topKRunner(evalWorkers(args)) })
    const evalSeconds = test ? (performance.now() - evalStart) / 1000 : null
    let saved: string | undefined
    const savePath = args.str('save')
    if (savePath) {
      const bytes = serializeWithInfo(outcome.model, {
        ...(args.str('dataset')
          ? { dataset: args.str('dataset') }
          : meta?.items && isDatasetSpec(args.str('train')!)
            ? { dataset: args.str('train') }
            : {}),
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
      eval_seconds: evalSeconds,
      updates_per_second: outcome.updatesPerSecond,
      updates: outcome.updates,
      config: {
        ...outcome.config,
        k,
        ...(pairing
          ? { pairing: { sampler: pairing.kind, loss: pairing.loss, negatives: pairing.negatives, samplerConfig: pairing.sampler } }
          : {}),
      },
      sampler_stats: outcome.samplerStats,
      epochs: outcome.epochs,
      ...(outcome.validation ? { best_epoch: outcome.bestEpoch, validation: outcome.validation } : {}),
      ...(saved ? { saved } : {}),
    }
    if (args.bool('json')) {
      ctx.json(result)
      return
    }
    let text = `model ${kind}, trained ${epochs} epochs in ${outcome.trainSeconds.toFixed(1)}s (${Math.round(outcome.updatesPerSecond).toLocaleString('en-US')} updates/s)\n`
    text += `config ${JSON.stringify(outcome.config)}\n`
    if (r) text += metricsTable(r) + evalSummary(r) + `evaluated in ${evalSeconds!.toFixed(1)}s\n`
    if (saved) text += `saved ${saved}\n`
    ctx.io.stdout(text)
  },
}

function isDatasetSpec(s: string): boolean {
  return /^ml-/.test(s)
}

/** The `--dataset` metadata (items, users, tags) for options built from it. */
async function datasetMetadata(args: Args, ctx: CommandContext): Promise<ModelMetadata> {
  const name = args.str('dataset')
  if (!name) throw new UsageError('train: --features takes its fields from --dataset <name>; give one')
  try {
    const d = await loadDataset(name, { dir: args.str('data-dir'), env: ctx.io.env })
    return { items: d.items ?? null, users: d.users ?? null, tags: d.tags ?? null }
  } catch (e) {
    throw asInputError(e, name)
  }
}
