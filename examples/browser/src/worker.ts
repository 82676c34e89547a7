/// <reference lib="webworker" />
/**
 * The training worker: holds the log, the split and the model, so parsing, training, evaluation
 * and queries never run on the page's thread. Replies echo the request id.
 */
import type { Model } from '@decoy/models'
import { loadModelFromFile, loadModelFromIndexedDb, modelToBytes, saveModelToIndexedDb } from '@decoy/models/browser'
import type { LoadedData } from './pipeline.js'
import {
  evaluateModel,
  loadCsv,
  loadMovieLensZip,
  loadSynthetic,
  popularityMetrics,
  similarView,
  trainChoice,
  userView,
} from './pipeline.js'
import type { DataSummary, ModelSummary, Reply, Request } from './protocol.js'

declare const self: DedicatedWorkerGlobalScope

let data: LoadedData | null = null
let popularity: Record<string, number> | null = null
let model: Model | null = null
let stopRequested = false

function post(r: Reply, transfer: Transferable[] = []): void {
  self.postMessage(r, transfer)
}

function summarize(d: LoadedData): DataSummary {
  const sampleUsers: string[] = []
  for (let u = 0; u < Math.min(5, d.all.numUsers); u++) sampleUsers.push(String(d.all.userIds.external(u)))
  return {
    name: d.name,
    users: d.all.numUsers,
    items: d.all.numItems,
    interactions: d.all.items.length,
    train: d.train.items.length,
    test: d.test.items.length,
    titles: d.titles !== null,
    sampleUsers,
    popularity: popularity ?? {},
  }
}

/** True when the loaded model's item and user ids are the loaded log's, so its metrics mean something. */
function sameIds(m: Model, d: LoadedData): boolean {
  if (m.itemIds.size !== d.all.itemIds.size || m.userIds.size !== d.all.userIds.size) return false
  for (let i = 0; i < m.itemIds.size; i++) if (m.itemIds.external(i) !== d.all.itemIds.external(i)) return false
  for (let u = 0; u < m.userIds.size; u++) if (m.userIds.external(u) !== d.all.userIds.external(u)) return false
  return true
}

function setData(d: LoadedData): DataSummary {
  data = d
  popularity = popularityMetrics(d)
  model = null
  return summarize(d)
}

/** Makes a loaded model the current one; metrics when it was trained on the loaded log's ids. */
function adopt(m: Model): ModelSummary {
  model = m
  const matches = data !== null && sameIds(m, data)
  return { kind: m.kind, metrics: matches && data ? evaluateModel(m, data) : null, popularity: matches ? popularity : null }
}

async function handle(req: Request): Promise<void> {
  switch (req.type) {
    case 'ping':
      post({ id: req.id, type: 'ok' })
      return
    case 'load-synthetic':
      post({ id: req.id, type: 'ok', data: setData(loadSynthetic(req.choice)) })
      return
    case 'load-file': {
      const isZip = req.bytes[0] === 0x50 && req.bytes[1] === 0x4b
      const d = isZip ? loadMovieLensZip(req.bytes, req.name, req.minRating) : loadCsv(req.bytes, req.name, req.minRating)
      post({ id: req.id, type: 'ok', data: setData(d) })
      return
    }
    case 'train': {
      if (!data) throw new Error('load data first')
      const d = data
      stopRequested = false
      const stop = req.stop
      let lastStep = 0
      const t = await trainChoice(req.choice, d, {
        onEpoch: (point) => {
          post({ id: req.id, type: 'epoch', point, epochs: req.choice.epochs })
          return !(stopRequested || (stop !== null && Atomics.load(stop, 0) !== 0))
        },
        onStep: (progress) => {
          // At most ~20 messages a second: the page redraws per message.
          const now = performance.now()
          if (now - lastStep < 50) return
          lastStep = now
          post({ id: req.id, type: 'step', progress })
        },
      })
      model = t.model
      const summary: ModelSummary = {
        kind: t.model.kind,
        metrics: t.metrics,
        popularity,
        trainSeconds: t.result.trainSeconds,
        epochs: t.result.epochs.length,
        kernel: t.result.kernel,
        workers: req.choice.workers,
        config: t.result.config,
      }
      post({ id: req.id, type: 'ok', model: summary })
      return
    }
    case 'stop':
      stopRequested = true
      post({ id: req.id, type: 'ok' })
      return
    case 'user': {
      if (!model) throw new Error('train or load a model first')
      post({ id: req.id, type: 'ok', rows: userView(model, data, req.user) })
      return
    }
    case 'similar': {
      if (!model) throw new Error('train or load a model first')
      post({ id: req.id, type: 'ok', rows: similarView(model, data, req.query) })
      return
    }
    case 'save': {
      if (!model) throw new Error('train or load a model first')
      const bytes = await modelToBytes(model)
      post({ id: req.id, type: 'ok', bytes }, [bytes.buffer])
      return
    }
    case 'save-idb': {
      if (!model) throw new Error('train or load a model first')
      await saveModelToIndexedDb(model, req.key)
      post({ id: req.id, type: 'ok' })
      return
    }
    case 'load-idb':
      post({ id: req.id, type: 'ok', model: adopt(await loadModelFromIndexedDb(req.key)) })
      return
    case 'load-model':
      post({ id: req.id, type: 'ok', model: adopt(await loadModelFromFile(req.file)) })
      return
  }
}

self.onmessage = (ev: MessageEvent<Request>) => {
  const req = ev.data
  handle(req).catch((e: unknown) => post({ id: req.id, type: 'error', message: e instanceof Error ? e.message : String(e) }))
}
