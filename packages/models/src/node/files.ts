import { readFileSync } from 'node:fs'
import type { Recommender } from '@decoy/core'
import { writeFileAtomic } from '@decoy/core/node'
import { deserializeModel } from '../persist/registry.js'

/**
 * Loads any saved Decoy model (dispatching on the kind in its header).
 * @throws Error naming `path` when the file is missing, truncated, or not a Decoy model.
 */
export function loadModel(path: string): Recommender {
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
