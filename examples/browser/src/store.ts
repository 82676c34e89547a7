/** A saved model in the browser's IndexedDB: one object store, one key per saved model. */
const DB = 'decoy-example-browser'
const STORE = 'models'

function open(): Promise<IDBDatabase> {
  return new Promise((resolve, reject) => {
    const req = indexedDB.open(DB, 1)
    req.onupgradeneeded = () => req.result.createObjectStore(STORE)
    req.onsuccess = () => resolve(req.result)
    req.onerror = () => reject(req.error ?? new Error('IndexedDB: open failed'))
  })
}

function run<T>(mode: IDBTransactionMode, op: (s: IDBObjectStore) => IDBRequest<T>): Promise<T> {
  return open().then(
    (db) =>
      new Promise<T>((resolve, reject) => {
        const tx = db.transaction(STORE, mode)
        const req = op(tx.objectStore(STORE))
        tx.oncomplete = () => {
          db.close()
          resolve(req.result)
        }
        tx.onerror = () => {
          db.close()
          reject(tx.error ?? new Error('IndexedDB: transaction failed'))
        }
      }),
  )
}

/** Stores model bytes under `key`. */
export function saveModelBytes(key: string, bytes: Uint8Array): Promise<unknown> {
  return run('readwrite', (s) => s.put(bytes, key))
}

/** The bytes stored under `key`, or null. */
export async function loadModelBytes(key: string): Promise<Uint8Array | null> {
  const v = await run<unknown>('readonly', (s) => s.get(key))
  return v instanceof Uint8Array ? v : null
}
