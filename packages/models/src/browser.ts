/**
 * `@decoy/models/browser`: model files in a web page, with no dependency beyond the platform:
 * model → bytes → `Blob` (a download), a model from a `File` the user picked, and models kept in
 * IndexedDB by key. Every function is async because the file format (apache-arrow) is loaded on
 * demand (`loadModelFormat`), so pages that never save a model never download it.
 *
 * @example
 * ```ts
 * import { saveModelToIndexedDb, loadModelFromIndexedDb, downloadModel } from '@decoy/models/browser'
 * await saveModelToIndexedDb(model, 'mf-latest')
 * const again = await loadModelFromIndexedDb('mf-latest')  // same top-10 as `model`
 * await downloadModel(model, 'mf.decoy')
 * ```
 */
import type { Model } from './model.js'
import { loadModelFormat } from './persist/arrow.js'
import type { ModelRegistryOptions } from './registry.js'

export { loadModelFormat } from './persist/arrow.js'

/** MIME type of a Decoy model file (an Arrow IPC file with a JSON header). */
export const MODEL_MIME_TYPE = 'application/vnd.apache.arrow.file'

/** Anything that writes itself as a Decoy model file (every Decoy model). */
export interface Serializable {
  /** The model file's bytes. */
  serialize(): Uint8Array
}

/** The model file's bytes (loads the file format first). */
export async function modelToBytes(model: Serializable): Promise<Uint8Array> {
  await loadModelFormat()
  return model.serialize()
}

/**
 * The model in `bytes` (any registered kind, or a `custom` one), as `deserializeModel`.
 * @param source - a name for error messages (a file name).
 * @throws Error naming `source` when the bytes are not a Decoy model file.
 */
export async function modelFromBytes(
  bytes: Uint8Array | ArrayBuffer,
  source = '<bytes>',
  options: ModelRegistryOptions = {},
): Promise<Model> {
  // The registry (every model family) loads with the file format: a page that only saves an MF
  // model does not carry the other families up front.
  const [{ deserializeModel }] = await Promise.all([import('./registry.js'), loadModelFormat()])
  return deserializeModel(bytes instanceof Uint8Array ? bytes : new Uint8Array(bytes), source, options)
}

/** The model file as a `Blob` (for a download link, an upload, the Cache API). */
export async function modelToBlob(model: Serializable): Promise<Blob> {
  const bytes = await modelToBytes(model)
  return new Blob([bytes as Uint8Array<ArrayBuffer>], { type: MODEL_MIME_TYPE })
}

/**
 * Offers the model file as a download named `fileName` (a temporary `<a download>`; needs a
 * `document`, so not in a Web Worker: post `modelToBytes`' bytes to the page instead).
 */
export async function downloadModel(model: Serializable, fileName = 'model.decoy'): Promise<void> {
  const blob = await modelToBlob(model)
  const doc = (globalThis as { document?: Document }).document
  if (doc === undefined) throw new Error('downloadModel: needs a document (in a Web Worker, post modelToBytes(model) to the page)')
  const url = URL.createObjectURL(blob)
  try {
    const a = doc.createElement('a')
    a.href = url
    a.download = fileName
    a.style.display = 'none'
    doc.body.appendChild(a)
    a.click()
    a.remove()
  } finally {
    // After the click has started the download.
    setTimeout(() => URL.revokeObjectURL(url), 1000)
  }
}

/**
 * The model in a `File` from a file picker or a drop (any `Blob`).
 * @throws Error naming the file when it is not a Decoy model file.
 */
export async function loadModelFromFile(file: Blob, options: ModelRegistryOptions = {}): Promise<Model> {
  const name = (file as { name?: string }).name ?? '<blob>'
  return modelFromBytes(new Uint8Array(await file.arrayBuffer()), name, options)
}

/** Where {@link saveModelToIndexedDb} and its siblings keep models. */
export interface IndexedDbOptions {
  /** Database name (default `'decoy-models'`); its one object store is `models`. */
  database?: string
  /** The IndexedDB factory (default `globalThis.indexedDB`; e.g. `fake-indexeddb` in tests). */
  indexedDB?: IDBFactory
}

const STORE = 'models'

/** A stored model: its bytes and when they were written. */
interface StoredModel {
  bytes: Uint8Array
  savedAt: string
}

function openDb(opts: IndexedDbOptions, what: string): Promise<IDBDatabase> {
  const factory = opts.indexedDB ?? (globalThis as { indexedDB?: IDBFactory }).indexedDB
  if (factory === undefined) return Promise.reject(new Error(`${what}: IndexedDB is not available here`))
  const name = opts.database ?? 'decoy-models'
  return new Promise((resolve, reject) => {
    const req = factory.open(name, 1)
    req.onupgradeneeded = () => {
      if (!req.result.objectStoreNames.contains(STORE)) req.result.createObjectStore(STORE)
    }
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(new Error(`${what}: cannot open IndexedDB database ${JSON.stringify(name)}: ${req.error?.message}`))
    req.onblocked = () => reject(new Error(`${what}: IndexedDB database ${JSON.stringify(name)} is blocked by another tab`))
  })
}

/** Runs one request in a transaction of its own and closes the database after it. */
async function withStore<T>(
  opts: IndexedDbOptions,
  what: string,
  mode: IDBTransactionMode,
  run: (store: IDBObjectStore) => IDBRequest,
): Promise<T> {
  const db = await openDb(opts, what)
  try {
    return await new Promise<T>((resolve, reject) => {
      const tx = db.transaction(STORE, mode)
      const req = run(tx.objectStore(STORE))
      let result: T
      req.onsuccess = () => {
        result = req.result as T
      }
      tx.oncomplete = () => resolve(result)
      const fail = (): void => reject(new Error(`${what}: ${tx.error?.message ?? req.error?.message ?? 'transaction failed'}`))
      tx.onerror = fail
      tx.onabort = fail
    })
  } finally {
    db.close()
  }
}

function checkKey(key: unknown, what: string): string {
  if (typeof key !== 'string' || key.length === 0) throw new Error(`${what}: key must be a non-empty string, got ${JSON.stringify(key)}`)
  return key
}

/** Stores the model's file under `key` (replacing what was there). */
export async function saveModelToIndexedDb(model: Serializable, key: string, opts: IndexedDbOptions = {}): Promise<void> {
  checkKey(key, 'saveModelToIndexedDb')
  const value: StoredModel = { bytes: await modelToBytes(model), savedAt: new Date().toISOString() }
  await withStore(opts, 'saveModelToIndexedDb', 'readwrite', (s) => s.put(value, key))
}

/**
 * The model stored under `key`.
 * @throws Error naming the key when nothing is stored there.
 */
export async function loadModelFromIndexedDb(key: string, opts: IndexedDbOptions & ModelRegistryOptions = {}): Promise<Model> {
  checkKey(key, 'loadModelFromIndexedDb')
  const value = await withStore<StoredModel | undefined>(opts, 'loadModelFromIndexedDb', 'readonly', (s) => s.get(key))
  if (value === undefined) throw new Error(`loadModelFromIndexedDb: no model stored under ${JSON.stringify(key)}`)
  return modelFromBytes(value.bytes, `indexeddb:${key}`, opts)
}

/** Removes the model stored under `key`; resolves false when there was none. */
export async function deleteModelFromIndexedDb(key: string, opts: IndexedDbOptions = {}): Promise<boolean> {
  checkKey(key, 'deleteModelFromIndexedDb')
  const had = await withStore<number>(opts, 'deleteModelFromIndexedDb', 'readonly', (s) => s.count(key))
  if (had === 0) return false
  await withStore(opts, 'deleteModelFromIndexedDb', 'readwrite', (s) => s.delete(key))
  return true
}

/** The keys of the stored models, sorted. */
export async function listModelsInIndexedDb(opts: IndexedDbOptions = {}): Promise<string[]> {
  const keys = await withStore<IDBValidKey[]>(opts, 'listModelsInIndexedDb', 'readonly', (s) => s.getAllKeys())
  return keys.map(String).sort()
}
