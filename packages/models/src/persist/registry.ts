import type { Recommender } from '@decoy/core'
import { MatrixFactorization } from '../mf/mf.js'
import { Item2Vec } from '../item2vec/model.js'
import { FactorizationMachine } from '../fm/fm.js'
import { AlternatingLeastSquares } from '../als/als.js'
import { decodeModel, type ModelHeader, type StoredArray } from './format.js'

/** Rebuilds a model of one kind from a decoded file. */
export type ModelDecoder = (header: ModelHeader, arrays: Record<string, StoredArray>, source: string) => Recommender

/**
 * Model decoders by the `kind` in a saved file's header. A plain object; each model family adds
 * its kind here.
 */
export const modelDecoders: Readonly<Record<string, ModelDecoder>> = {
  mf: (h, a, s) => MatrixFactorization.fromDecoded(h, a, s),
  item2vec: (h, a, s) => Item2Vec.fromDecoded(h, a, s),
  fm: (h, a, s) => FactorizationMachine.fromDecoded(h, a, s),
  als: (h, a, s) => AlternatingLeastSquares.fromDecoded(h, a, s),
}

/**
 * Rebuilds any saved Decoy model from its bytes, dispatching on the header's `kind`.
 * @param source - file name for errors.
 * @throws Error naming `source` for a truncated or foreign file, or an unknown kind.
 */
export function deserializeModel(bytes: Uint8Array, source = '<bytes>'): Recommender {
  const { header, arrays } = decodeModel(bytes, source)
  const decode = modelDecoders[header.kind]
  if (!decode) throw new Error(`${source}: unknown model kind ${JSON.stringify(header.kind)} (known: ${Object.keys(modelDecoders).join(', ')})`)
  return decode(header, arrays, source)
}
