export { interactionsFromArrow } from './from-arrow.js'
export type { ArrowReadOptions, ArrowInput } from './from-arrow.js'
export { interactionsToArrow, writeArrowIpc, readArrowIpc, arrowIpcBatches, isArrowIpc, arrowTableFromColumns } from './to-arrow.js'
export type { ToArrowOptions } from './to-arrow.js'
