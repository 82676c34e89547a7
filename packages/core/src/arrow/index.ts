export { interactionsFromArrow, ArrowLogBuilder } from './from-arrow.js'
export type { ArrowReadOptions, ArrowInput, BatchLocation } from './from-arrow.js'
export { interactionsToArrow, writeArrowIpc, readArrowIpc, arrowIpcBatches, isArrowIpc, arrowTableFromColumns } from './to-arrow.js'
export type { ToArrowOptions } from './to-arrow.js'
