import { readFileSync } from 'node:fs'
import { writeFileAtomic } from '@decoy/core/node'
import type { Model } from '../model.js'
import { deserializeModel } from '../registry.js'

/**
 * Loads any saved Decoy model (dispatching on the kind in its header). The model carries its id
 * maps (`userIds`, `itemIds`), so external ids map to the rows it scores.
 * @throws Error naming `path` when the file is missing, truncated, or not a Decoy model.
 * @example
 * ```ts
 * const model = loadModel('mf.arrow')
 * const top = model.recommend(Int32Array.of(model.userIds.get('1')), 10)
 * ```
 */
export function loadModel(path: string): Model {
  let bytes: Uint8Array
  try {
    bytes = readFileSync(path)
  } catch (e) {
    throw new Error(`${path}: cannot read model file: ${(e as Error).message}`)
  }
  return deserializeModel(bytes, path)
}

/**
 * Writes a model's bytes to `path` atomically (temp file, fsync, rename).
 * @param model - anything with `serialize()` (every Decoy model).
 */
export function saveModel(model: { serialize(): Uint8Array }, path: string): void {
  writeFileAtomic(path, model.serialize())
}
