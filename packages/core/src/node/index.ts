export { writeFileAtomic } from './atomic.js'
export { readInteractionsFile, writeInteractionsTsv, formatInteractionsTsv, writeSplit, readSplit } from './io.js'
export type { ReadFileOptions } from './io.js'
export { spawnWorker } from './workers.js'
