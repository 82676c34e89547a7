export {
  encodeModel,
  decodeModel,
  idMapToJson,
  idMapFromJson,
  MODELS_VERSION,
  MODEL_FORMAT,
  MODEL_FORMAT_VERSION,
} from './format.js'
export type { ModelHeader, IdMapJson, StoredArray } from './format.js'
export { deserializeModel, modelDecoders } from './registry.js'
export type { ModelDecoder } from './registry.js'
