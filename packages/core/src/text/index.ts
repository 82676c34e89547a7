export { parseInteractions, parseCsvRecords, TextLogReader } from './parse.js'
export type { ParseOptions, CsvRecordOptions, Delimiter, ColumnRef } from './parse.js'
export { readInteractionsStream } from './stream.js'
