/**
 * The page: form controls, the worker conversation, the live curve, the tables, save and load.
 * Everything heavy (parsing, training, evaluation, queries) runs in the worker; this thread only
 * draws, and measures how long its own timer ticks are kept waiting while a fit runs.
 */
import { MODEL_MIME_TYPE } from '@decoy/models/browser'
import { recommendedPairing } from '@decoy/samplers'
import type { CurvePoint, ItemRow, SyntheticChoice, TrainChoice } from './pipeline.js'
import type { PlotPoint } from './plot.js'
import { LiveCurve } from './plot.js'
import type { DataSummary, ModelSummary, Reply, Request } from './protocol.js'

/** Models offered, with whether their options take a loss and a sampler. */
const MODELS: Record<string, { label: string; loss: boolean; sampler: boolean }> = {
  mf: { label: 'Matrix factorization', loss: true, sampler: true },
  item2vec: { label: 'item2vec (skip-gram)', loss: false, sampler: true },
  als: { label: 'Implicit ALS (no sampler)', loss: false, sampler: false },
  lightgcn: { label: 'LightGCN', loss: true, sampler: true },
}
/** 'default' is the model family's own sampler (MF: popularity^0.3), as `decoy train` without --sampler. */
const SAMPLERS = ['default', 'uniform', 'popularity', 'random', 'hard', 'dynamic', 'adaptive', 'in-batch']
const LOSSES = ['softmax', 'bpr', 'logistic', 'warp', 'gbce']
/** Key of the page's model in IndexedDB (database `decoy-models`, as `@decoy/models/browser` keeps them). */
const IDB_KEY = 'example-browser'
const METRIC_ROWS = ['ndcg@10', 'recall@10', 'recall@20', 'hr@10', 'mrr@10', 'coverage@10']

const $ = <T extends HTMLElement = HTMLElement>(id: string): T => {
  const el = document.getElementById(id)
  if (!el) throw new Error(`page: #${id} missing`)
  return el as T
}
const num = (id: string): number => Number($<HTMLInputElement>(id).value)

// ---- the worker conversation -------------------------------------------------------------------

const worker = new Worker(new URL('./worker.ts', import.meta.url), { type: 'module' })
let nextId = 1
const pending = new Map<number, { resolve: (r: Reply) => void; reject: (e: Error) => void; onEvent?: (r: Reply) => void }>()

worker.onmessage = (ev: MessageEvent<Reply>) => {
  const r = ev.data
  const p = pending.get(r.id)
  if (!p) return
  if (r.type === 'epoch' || r.type === 'step') {
    p.onEvent?.(r)
    return
  }
  pending.delete(r.id)
  if (r.type === 'error') p.reject(new Error(r.message))
  else p.resolve(r)
}
worker.onerror = (ev) => setState('error', `worker failed: ${ev.message}`)

type Body = Request extends infer R ? (R extends { id: number } ? Omit<R, 'id'> : never) : never

function ask(body: Body, transfer: Transferable[] = [], onEvent?: (r: Reply) => void): Promise<Reply & { type: 'ok' }> {
  const id = nextId++
  return new Promise((resolve, reject) => {
    pending.set(id, { resolve: resolve as (r: Reply) => void, reject, onEvent })
    worker.postMessage({ ...body, id } as Request, transfer)
  })
}

// ---- page state ---------------------------------------------------------------------------------

/** `body[data-state]`: what the page is doing (the end-to-end test waits on it). */
function setState(state: 'idle' | 'loading' | 'ready' | 'training' | 'trained' | 'error', message = ''): void {
  document.body.dataset.state = state
  const target = state === 'loading' || (state === 'error' && !dataLoaded) ? 'data-status' : 'train-status'
  if (message) $(target).textContent = message
  $(target).classList.toggle('error', state === 'error')
}

let dataLoaded = false
let hasModel = false
/** Kind of the model the worker holds (names the downloaded file). */
let modelKind = 'model'
let curve: LiveCurve | null = null

function enable(): void {
  const busy = document.body.dataset.state === 'training' || document.body.dataset.state === 'loading'
  $<HTMLButtonElement>('load-data').disabled = busy
  $<HTMLButtonElement>('train').disabled = busy || !dataLoaded
  $<HTMLButtonElement>('stop').disabled = document.body.dataset.state !== 'training'
  for (const id of ['show-user', 'show-similar', 'download', 'save-idb']) $<HTMLButtonElement>(id).disabled = busy || !hasModel
}

function fmt(v: number | undefined, digits = 4): string {
  return v === undefined || !Number.isFinite(v) ? '–' : v.toFixed(digits)
}

function showMetrics(model: Record<string, number> | null, popularity: Record<string, number> | null): void {
  const t = $<HTMLTableElement>('metrics')
  t.replaceChildren()
  const head = t.createTHead().insertRow()
  for (const h of ['metric', 'model', 'popularity', 'model / popularity']) head.appendChild(document.createElement('th')).textContent = h
  const body = t.createTBody()
  for (const key of METRIC_ROWS) {
    const m = model?.[key]
    const p = popularity?.[key]
    if (m === undefined && p === undefined) continue
    const r = body.insertRow()
    r.dataset.metric = key
    r.insertCell().textContent = key
    const mc = r.insertCell()
    mc.textContent = fmt(m)
    if (m !== undefined) mc.dataset.value = String(m)
    mc.className = 'model'
    const pc = r.insertCell()
    pc.textContent = fmt(p)
    if (p !== undefined) pc.dataset.value = String(p)
    pc.className = 'popularity'
    r.insertCell().textContent = m !== undefined && p !== undefined && p > 0 ? `${(m / p).toFixed(2)}×` : '–'
  }
}

function fillList(id: string, rows: ItemRow[]): void {
  const ol = $(id)
  ol.replaceChildren()
  for (const r of rows) {
    const li = document.createElement('li')
    li.dataset.item = String(r.id)
    const title = document.createElement('span')
    title.className = 'title'
    title.textContent = r.title ? r.title : `item ${String(r.id)}`
    title.title = title.textContent
    li.appendChild(title)
    if (r.score !== undefined) {
      const s = document.createElement('span')
      s.className = 'score'
      s.textContent = r.score.toFixed(3)
      li.appendChild(s)
    }
    ol.appendChild(li)
  }
}

// ---- responsiveness while training --------------------------------------------------------------

/**
 * Longest wait between ticks of a 10 ms page timer (and between animation frames) while a fit
 * runs: if anything blocked this thread, the gap shows it.
 */
const monitor = { active: false, last: 0, maxGap: 0, lastFrame: 0, maxFrameGap: 0, ticks: 0, maxPing: 0 }
// Reachable from the end-to-end test, which checks that blocking this thread does show as a gap.
Object.assign(globalThis, { decoyMonitor: monitor })

setInterval(() => {
  const now = performance.now()
  if (monitor.active) {
    monitor.maxGap = Math.max(monitor.maxGap, now - monitor.last)
    monitor.ticks++
  }
  monitor.last = now
}, 10)

function frame(now: number): void {
  if (monitor.active && monitor.lastFrame > 0) monitor.maxFrameGap = Math.max(monitor.maxFrameGap, now - monitor.lastFrame)
  monitor.lastFrame = now
  requestAnimationFrame(frame)
}
requestAnimationFrame(frame)

function startMonitor(): void {
  Object.assign(monitor, { active: true, last: performance.now(), maxGap: 0, lastFrame: 0, maxFrameGap: 0, ticks: 0, maxPing: 0 })
}

function stopMonitor(): void {
  monitor.active = false
  const el = $('max-gap')
  el.textContent = monitor.maxGap.toFixed(0)
  el.dataset.value = String(monitor.maxGap)
  el.dataset.frameGap = String(monitor.maxFrameGap)
  el.dataset.ticks = String(monitor.ticks)
  $('ping').textContent = monitor.maxPing.toFixed(0)
  $('ping').dataset.value = String(monitor.maxPing)
}

/** Pings the worker every 200 ms while training: it only answers when the fit yields. */
async function pingLoop(): Promise<void> {
  while (monitor.active) {
    const t0 = performance.now()
    await ask({ type: 'ping' })
    monitor.maxPing = Math.max(monitor.maxPing, performance.now() - t0)
    $('ping').textContent = monitor.maxPing.toFixed(0)
    await new Promise((r) => setTimeout(r, 200))
  }
}

// ---- data ---------------------------------------------------------------------------------------

function sourceChanged(): void {
  const file = document.querySelector<HTMLInputElement>('input[name=source]:checked')?.value === 'file'
  $('synthetic-options').hidden = file
  $('file-options').hidden = !file
}
document.querySelectorAll<HTMLInputElement>('input[name=source]').forEach((r) => r.addEventListener('change', sourceChanged))

let popularity: Record<string, number> | null = null

async function loadData(): Promise<void> {
  const file = document.querySelector<HTMLInputElement>('input[name=source]:checked')?.value === 'file'
  setState('loading', 'loading…')
  enable()
  try {
    let r: Reply & { type: 'ok' }
    if (file) {
      const f = $<HTMLInputElement>('data-file').files?.[0]
      if (!f) throw new Error('choose a file first (ml-latest-small.zip from grouplens.org, or a CSV)')
      const bytes = new Uint8Array(await f.arrayBuffer())
      const minText = $<HTMLInputElement>('min-rating').value
      r = await ask({ type: 'load-file', name: f.name, bytes, minRating: minText === '' ? undefined : Number(minText) }, [bytes.buffer])
    } else {
      const choice: SyntheticChoice = {
        users: num('syn-users'),
        items: num('syn-items'),
        clusters: num('syn-clusters'),
        interactionsPerUser: num('syn-per-user'),
        popularityExponent: num('syn-exponent'),
        seed: num('syn-seed'),
      }
      r = await ask({ type: 'load-synthetic', choice })
    }
    const d = r.data as DataSummary
    dataLoaded = true
    hasModel = false
    popularity = d.popularity
    $('data-status').textContent =
      `${d.name}: ${d.users.toLocaleString()} users, ${d.items.toLocaleString()} items, ` +
      `${d.interactions.toLocaleString()} interactions (train ${d.train.toLocaleString()}, test ${d.test.toLocaleString()})` +
      (d.titles ? ', with titles' : '')
    if (!$<HTMLInputElement>('user').value) $<HTMLInputElement>('user').value = d.sampleUsers[0] ?? ''
    showMetrics(null, popularity)
    setState('ready')
    curve ??= await LiveCurve.create($('curve'))
  } catch (e) {
    setState('error', (e as Error).message)
  }
  enable()
}

// ---- training -----------------------------------------------------------------------------------

function modelChanged(): void {
  const m = MODELS[$<HTMLSelectElement>('model').value]
  $<HTMLSelectElement>('loss').disabled = !m.loss
  $<HTMLSelectElement>('sampler').disabled = !m.sampler
}

function samplerChanged(): void {
  // Model-aware samplers train with the loss they were tuned with.
  const pairing = recommendedPairing($<HTMLSelectElement>('sampler').value)
  if (pairing) $<HTMLSelectElement>('loss').value = pairing.loss
}

/** SharedArrayBuffer flag the worker reads after each epoch (cross-origin isolated pages only). */
let stopFlag: Int32Array | null = null

async function train(): Promise<void> {
  const choice: TrainChoice = {
    model: $<HTMLSelectElement>('model').value,
    sampler: $<HTMLSelectElement>('sampler').value,
    loss: $<HTMLSelectElement>('loss').value,
    dim: num('dim'),
    epochs: num('epochs'),
    seed: num('seed'),
    workers: num('workers'),
    curve: $<HTMLInputElement>('curve-eval').checked,
  }
  stopFlag = globalThis.crossOriginIsolated ? new Int32Array(new SharedArrayBuffer(4)) : null
  const progress = $<HTMLProgressElement>('progress')
  progress.value = 0
  setState('training', `training ${choice.model} on ${choice.workers} worker${choice.workers > 1 ? 's' : ''}…`)
  enable()
  await curve?.clear()
  const popNdcg = popularity?.['ndcg@10']
  const started = performance.now()
  startMonitor()
  void pingLoop()
  try {
    const r = await ask({ type: 'train', choice, stop: stopFlag }, [], (ev) => {
      if (ev.type === 'step') {
        progress.value = ev.progress.fraction
        return
      }
      if (ev.type !== 'epoch') return
      const p: CurvePoint = ev.point
      progress.value = p.epoch / ev.epochs
      $('train-status').textContent =
        `epoch ${p.epoch}/${ev.epochs}` +
        (p.loss !== undefined ? `, loss ${p.loss.toFixed(4)}` : '') +
        (p.ndcg !== undefined ? `, NDCG@10 ${p.ndcg.toFixed(4)}` : '')
      const points: PlotPoint[] = []
      if (p.loss !== undefined) points.push({ epoch: p.epoch, value: p.loss, series: 'loss' })
      if (p.ndcg !== undefined) points.push({ epoch: p.epoch, value: p.ndcg, series: 'ndcg' })
      if (popNdcg !== undefined && p.ndcg !== undefined && p.epoch === 1)
        points.push({ epoch: p.epoch, value: popNdcg, series: 'popularity' })
      void curve?.add(points)
    })
    stopMonitor()
    const m = r.model as ModelSummary
    const wall = (performance.now() - started) / 1000
    hasModel = true
    modelKind = m.kind
    progress.value = 1
    const status = $('train-status')
    status.textContent =
      `trained ${m.kind}: ${m.epochs} epochs in ${fmt(m.trainSeconds, 2)} s of training (${wall.toFixed(2)} s wall` +
      `, ${m.workers} worker${m.workers === 1 ? '' : 's'}${m.kernel ? `, ${m.kernel} kernels` : ''})`
    status.dataset.trainSeconds = String(m.trainSeconds)
    status.dataset.wallSeconds = String(wall)
    showMetrics(m.metrics, m.popularity)
    setState('trained')
    await showUser()
  } catch (e) {
    stopMonitor()
    setState('error', (e as Error).message)
  }
  enable()
}

// ---- queries ------------------------------------------------------------------------------------

async function showUser(): Promise<void> {
  try {
    const r = await ask({ type: 'user', user: $<HTMLInputElement>('user').value })
    fillList('history', r.rows?.history ?? [])
    fillList('top10', r.rows?.top ?? [])
  } catch (e) {
    $('train-status').textContent = (e as Error).message
  }
}

async function showSimilar(): Promise<void> {
  try {
    const r = await ask({ type: 'similar', query: $<HTMLInputElement>('item-query').value })
    const item = r.rows?.item
    $('similar-title').textContent = item ? `Similar to ${item.title || `item ${String(item.id)}`}` : 'Similar items'
    fillList('similar', r.rows?.similar ?? [])
  } catch (e) {
    $('similar-title').textContent = (e as Error).message
    fillList('similar', [])
  }
}

// ---- save and load ------------------------------------------------------------------------------

async function modelBytes(): Promise<Uint8Array> {
  const r = await ask({ type: 'save' })
  if (!r.bytes) throw new Error('the worker sent no bytes')
  return r.bytes
}

function persistStatus(text: string, error = false): void {
  const s = $('persist-status')
  s.textContent = text
  s.classList.toggle('error', error)
}

async function download(): Promise<void> {
  const bytes = await modelBytes()
  const url = URL.createObjectURL(new Blob([bytes as BlobPart], { type: MODEL_MIME_TYPE }))
  const a = document.createElement('a')
  a.href = url
  a.download = `${modelKind}.decoy`
  a.click()
  setTimeout(() => URL.revokeObjectURL(url), 10_000)
  persistStatus(`downloaded ${(bytes.length / 1024).toFixed(0)} kB`)
}

/** Shows a model the worker loaded (from a file or IndexedDB). */
async function adopt(r: Reply & { type: 'ok' }, from: string): Promise<void> {
  const m = r.model as ModelSummary
  hasModel = true
  modelKind = m.kind
  showMetrics(m.metrics, m.popularity ?? popularity)
  persistStatus(
    `loaded ${m.kind} from ${from}` +
      (m.metrics ? '' : dataLoaded ? ' (trained on other data: no metrics)' : ' (load its data for metrics and titles)'),
  )
  enable()
  await showUser()
}

async function guarded(f: () => Promise<void>): Promise<void> {
  try {
    await f()
  } catch (e) {
    persistStatus((e as Error).message, true)
  }
}

// ---- wiring -------------------------------------------------------------------------------------

function options(select: HTMLSelectElement, values: [string, string][]): void {
  for (const [value, label] of values) select.add(new Option(label, value))
}
options(
  $<HTMLSelectElement>('model'),
  Object.entries(MODELS).map(([k, v]) => [k, v.label]),
)
options(
  $<HTMLSelectElement>('sampler'),
  SAMPLERS.map((s) => [s, s === 'default' ? "model's default" : s]),
)
options(
  $<HTMLSelectElement>('loss'),
  LOSSES.map((l) => [l, l]),
)
$<HTMLSelectElement>('model').addEventListener('change', modelChanged)
$<HTMLSelectElement>('sampler').addEventListener('change', samplerChanged)
$('load-data').addEventListener('click', () => void loadData())
$('train').addEventListener('click', () => void train())
$('stop').addEventListener('click', () => {
  if (stopFlag) Atomics.store(stopFlag, 0, 1)
  void ask({ type: 'stop' })
  $('train-status').textContent = 'stopping after this epoch…'
})
$('show-user').addEventListener('click', () => void showUser())
$('user').addEventListener('keydown', (e) => e.key === 'Enter' && void showUser())
$('show-similar').addEventListener('click', () => void showSimilar())
$('item-query').addEventListener('keydown', (e) => e.key === 'Enter' && void showSimilar())
$('download').addEventListener('click', () => void guarded(download))
$('model-file').addEventListener('change', () =>
  guarded(async () => {
    // The File goes to the worker as is (structured clone): it reads and decodes it there.
    const f = $<HTMLInputElement>('model-file').files?.[0]
    if (f) await adopt(await ask({ type: 'load-model', file: f }), f.name)
  }),
)
$('save-idb').addEventListener('click', () =>
  guarded(async () => {
    await ask({ type: 'save-idb', key: IDB_KEY })
    persistStatus(`saved in this browser (IndexedDB, key "${IDB_KEY}")`)
  }),
)
$('load-idb').addEventListener('click', () => guarded(async () => adopt(await ask({ type: 'load-idb', key: IDB_KEY }), 'IndexedDB')))

const badge = $('isolation')
badge.textContent = globalThis.crossOriginIsolated
  ? 'cross-origin isolated: multi-threaded training available'
  : 'not isolated: one worker only'
badge.classList.toggle('warn', !globalThis.crossOriginIsolated)
modelChanged()
sourceChanged()
setState('idle')
enable()
