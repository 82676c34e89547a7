import { lossNames } from '../losses/grad.js'
import type { OptionSchema } from '../schema.js'

/**
 * Options of the models trained by the shared loop with a loss over scores (MF, FM): one table
 * for the factories, `createModel`, the CLI flags and experiment configs.
 */
export const trainerOptionSchema: OptionSchema = Object.freeze({
  dim: { type: 'int', min: 1, doc: 'embedding dimension', defaultText: '64', aliases: ['factors'] },
  loss: { type: 'string', values: lossNames, doc: `loss: ${lossNames.join('|')}`, defaultText: 'softmax' },
  negatives: { type: 'int', min: 1, doc: 'negatives per positive', defaultText: '32' },
  epochs: { type: 'int', min: 1, doc: 'passes over the training data', defaultText: '10' },
  batchSize: { type: 'int', min: 1, doc: 'positives per sampler call', defaultText: '256' },
  learningRate: { type: 'number', min: 0, exclusiveMin: true, doc: 'learning rate', defaultText: '0.1', flag: 'lr' },
  minLearningRate: { type: 'number', min: 0, doc: 'floor of the linear schedule', defaultText: 'learningRate·1e-3' },
  l2: { type: 'number', min: 0, doc: 'L2 on touched rows', defaultText: '0.05' },
  l2Bias: { type: 'number', min: 0, doc: 'L2 on touched biases', defaultText: 'l2' },
  optimizer: { type: 'string', values: ['sgd', 'adagrad'], doc: 'sgd|adagrad', defaultText: 'adagrad' },
  schedule: {
    type: 'string',
    values: ['constant', 'linear'],
    doc: 'learning-rate schedule: constant|linear',
    defaultText: 'constant (adagrad), linear (sgd)',
  },
  initStd: { type: 'number', min: 0, exclusiveMin: true, doc: 'standard deviation of the normal initialisation', defaultText: '0.1' },
  margin: { type: 'number', min: 0, doc: 'hinge margin (warp), cosine margin < 1 (ccl)', defaultText: '1' },
  temperature: { type: 'number', min: 0, exclusiveMin: true, doc: 'softmax temperature', defaultText: '1' },
  logQCorrection: { type: 'boolean', doc: "subtract the sampler's logQ from softmax logits", defaultText: 'true' },
  gbceT: { type: 'number', min: 0, max: 1, doc: 'gBCE calibration t', defaultText: '0.75' },
})
