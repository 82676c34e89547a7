/**
 * `workers ≥ 2` in browsers, tested in Node: the page is simulated by hiding `process.versions.node`
 * and setting `crossOriginIsolated`; `Worker` is a stand-in that runs the real worker entry
 * (`train-worker.ts`, its message dispatch and the worker bodies) in this thread, one macrotask per
 * message, as a module Web Worker would over shared memory. The real browser run is the page's
 * Chromium test (`pnpm test:browser`).
 */
import { afterEach, beforeAll, describe, expect, it, vi } from 'vitest'
import { uniformSampler } from '@decoy/samplers'
import { plantedSplit, popularityRecall, recallAt } from '@decoy/testkit'
import { createModel, modelFamily, type CommonFitOptions } from '@decoy/models'

const { train, test } = plantedSplit(5)

/** The worker entry's `onmessage`, captured once: each stand-in worker swaps its own `postMessage` in. */
let entry: ((e: { data: unknown }) => void) | null = null
const g = globalThis as unknown as { onmessage: ((e: { data: unknown }) => void) | null; postMessage: (m: unknown) => void }

/** A module Web Worker stand-in: its own instance of the entry module, one macrotask per message. */
class StandInWorker {
  static started: { url: string; type: string }[] = []
  static loading: Promise<void> = Promise.resolve()
  onmessage: ((e: { data: unknown }) => void) | null = null
  onerror: ((e: unknown) => void) | null = null
  onmessageerror: (() => void) | null = null
  private handler: ((e: { data: unknown }) => void) | null = null
  private ready: Promise<void>
  constructor(url: URL, opts: { type?: string }) {
    StandInWorker.started.push({ url: String(url), type: String(opts.type) })
    // A fresh module instance per worker, as each Web Worker has its own module graph.
    // One at a time, so that each captures its own instance's handler.
    this.ready = StandInWorker.loading = StandInWorker.loading.then(async () => {
      vi.resetModules()
      await import('./train-worker.js')
      this.handler = g.onmessage
    })
  }
  postMessage(data: unknown): void {
    void this.ready.then(() =>
      setImmediate(() => {
        g.postMessage = (reply: unknown) => setImmediate(() => this.onmessage?.({ data: reply }))
        this.handler!({ data })
      }),
    )
  }
  terminate(): void {}
}

function pretendBrowser(isolated: boolean): void {
  vi.stubGlobal('process', { ...process, versions: { ...process.versions, node: undefined } })
  vi.stubGlobal('crossOriginIsolated', isolated)
  vi.stubGlobal('Worker', StandInWorker)
}

beforeAll(async () => {
  await import('./train-worker.js')
  entry = g.onmessage
})

afterEach(() => {
  vi.unstubAllGlobals()
})

function options(kind: string, workers: number): CommonFitOptions {
  const opts: CommonFitOptions = { seed: 3, epochs: 3, workers, yieldEvery: 'never' }
  if (modelFamily(kind).usesSampler({})) opts.sampler = uniformSampler()
  return opts
}

const ISOLATION =
  /workers: 2 needs a cross-origin isolated page \(COOP: same-origin, COEP: require-corp\) for SharedArrayBuffer; use workers: 1 or serve with these headers/

describe('workers ≥ 2 in a browser', () => {
  for (const kind of ['mf', 'fm', 'item2vec', 'als']) {
    it(`${kind}: a page without cross-origin isolation gets the one clear error`, async () => {
      pretendBrowser(false)
      const m = createModel({ kind, dim: 8 })
      await expect(m.fit(train, options(kind, 2))).rejects.toThrow(ISOLATION)
    })
  }

  it('als: an isolated page is told that ALS threads are Node-only', async () => {
    pretendBrowser(true)
    await expect(createModel({ kind: 'als', dim: 8 }).fit(train, options('als', 2))).rejects.toThrow(
      /als: workers ≥ 2 runs on Node worker threads only/,
    )
  })

  for (const kind of ['mf', 'fm', 'item2vec']) {
    it(`${kind}: an isolated page trains in module workers started from the bundler-visible URL`, async () => {
      pretendBrowser(true)
      StandInWorker.started = []
      const m = createModel({ kind, dim: 8 })
      const res = await m.fit(train, options(kind, 2))
      vi.unstubAllGlobals()
      expect(StandInWorker.started.length).toBe(2)
      for (const w of StandInWorker.started) {
        expect(w.type).toBe('module')
        expect(w.url).toMatch(/\/web\/train-worker\.js$/)
      }
      expect(res.epochs.length).toBe(3)
      expect(res.config.workers).toBe(2)
      expect(recallAt(m, train, test, 10)).toBeGreaterThan(popularityRecall(train, test, 10))
    })
  }
})

describe('train-worker entry', () => {
  it('answers a request before init with an error, and an unknown sampler registry by naming it', async () => {
    const replies: unknown[] = []
    g.postMessage = (r) => void replies.push(r)
    entry!({ data: { type: 'ready' } })
    expect(replies).toEqual([{ type: 'error', error: 'train worker: a request came before init' }])
    // A shard job whose sampler registry cannot be imported: the error comes with the first reply.
    const m = createModel({ kind: 'mf', dim: 4 })
    let init: unknown = null
    pretendBrowser(true)
    vi.stubGlobal(
      'Worker',
      class {
        onmessage: unknown = null
        onerror: unknown = null
        onmessageerror: unknown = null
        postMessage(d: { type: string; data?: unknown }): void {
          if (d.type === 'init') init = d.data
          throw new Error('stop after init')
        }
        terminate(): void {}
      },
    )
    await expect(m.fit(train, { ...options('mf', 2), samplerModule: 'data:text/javascript,export const nothing = 1' })).rejects.toThrow(
      /stop after init/,
    )
    vi.unstubAllGlobals()
    expect(init).not.toBeNull()
    replies.length = 0
    entry!({ data: { type: 'init', job: 'shards', data: init } })
    entry!({ data: { type: 'ready' } })
    await vi.waitFor(() => expect(replies.length).toBe(1))
    expect((replies[0] as { error: string }).error).toMatch(/cannot rebuild the sampler from its config/)
  })
})
