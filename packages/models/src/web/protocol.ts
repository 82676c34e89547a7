/** The first message of a browser training worker (see `train-worker.ts`). */
export interface WebWorkerInit {
  type: 'init'
  /** `'shards'`: MF/FM Hogwild shards (`WorkerInit`); `'item2vec'`: item2vec (`Item2VecWorkerData`). */
  job: 'shards' | 'item2vec'
  /** The job's init, typed arrays over SharedArrayBuffers. */
  data: unknown
}

/** The sampler registry bundled into the browser training worker. */
export const DEFAULT_SAMPLER_MODULE = '@decoy/samplers/registry'
