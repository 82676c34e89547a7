/**
 * `@decoy/models/node`: the Node-only half of the models package — model files on disk and
 * Hogwild worker threads.
 */
export { loadModel, saveModel } from './files.js'
export { runParallel } from './parallel.js'
export { runItem2VecParallel } from '../item2vec/parallel.js'
export { createAlsPool } from '../als/parallel.js'
export { createPropagationPool } from '../lightgcn/threads.js'
