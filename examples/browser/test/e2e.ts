/**
 * `pnpm test:browser`: the built page end to end in headless Chromium (Debian's `chromium`, driven
 * by playwright-core) against `vite preview`, which sends the COOP/COEP headers.
 *
 * It loads the planted-structure generator, trains MF in the page's worker with one worker and
 * with two (Hogwild Web Workers over SharedArrayBuffer), and checks what the page shows:
 * metrics that are numbers in (0, 1] and beat popularity; NDCG@10 equal to the same pipeline run
 * in Node with the same seed; a page timer that kept firing during the fit; a model saved to
 * IndexedDB and to a downloaded file that reloads with the same top-10. A screenshot goes to
 * test-results/browser/. Not a vitest file: `pnpm test` does not collect it (see vitest.config.ts).
 *
 * Environment: CHROMIUM (default /usr/bin/chromium); DECOY_BROWSER_ROUNDS=n also times one worker
 * against two, interleaved, n rounds on a larger log, and prints the median ratio.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs'
import { createServer } from 'node:net'
import { cpus, loadavg } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'
import { chromium, type Page } from 'playwright-core'
import { preview } from 'vite'
import { loadSynthetic, trainChoice, type SyntheticChoice, type TrainChoice } from '../src/pipeline.js'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const out = join(root, '..', '..', 'test-results', 'browser')
const executablePath = process.env.CHROMIUM ?? '/usr/bin/chromium'

/**
 * Longest allowed wait between ticks of the page's 10 ms timer while a fit runs: the issue's
 * 100 ms. Training runs in a worker, so the page's thread only handles a few messages and chart
 * redraws (measured 20–80 ms at load average 6–12 on the shared 2-core VM, mostly waiting for a
 * core). A gap over the bound trains once more and the second fit must pass: something on the
 * page's thread that blocks does so every time, a scheduler delay rarely twice in a row.
 */
const MAX_GAP_MS = Number(process.env.DECOY_BROWSER_MAX_GAP_MS ?? 100)

const SYNTHETIC: SyntheticChoice = { users: 1000, items: 500, clusters: 8, interactionsPerUser: 30, popularityExponent: 1, seed: 42 }
const TRAIN: TrainChoice = { model: 'mf', sampler: 'uniform', loss: 'softmax', dim: 32, epochs: 8, seed: 1, workers: 1, curve: true }

let failures = 0
function check(ok: boolean, what: string): void {
  console.log(`${ok ? 'ok  ' : 'FAIL'} ${what}`)
  if (!ok) failures++
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer()
    s.once('error', reject)
    s.listen(0, '127.0.0.1', () => {
      const a = s.address()
      const port = typeof a === 'object' && a ? a.port : 0
      s.close(() => resolve(port))
    })
  })
}

async function fillSynthetic(page: Page, c: SyntheticChoice): Promise<void> {
  await page.check('input[name=source][value=synthetic]')
  await page.fill('#syn-users', String(c.users))
  await page.fill('#syn-items', String(c.items))
  await page.fill('#syn-clusters', String(c.clusters))
  await page.fill('#syn-per-user', String(c.interactionsPerUser))
  await page.fill('#syn-exponent', String(c.popularityExponent))
  await page.fill('#syn-seed', String(c.seed))
  await page.click('#load-data')
  await page.waitForSelector('body[data-state=ready]', { timeout: 60_000 })
}

interface TrainOutcome {
  state: string
  status: string
  wallSeconds: number
  trainSeconds: number
  maxGap: number
  frameGap: number
  ticks: number
  ping: number
  metrics: Record<string, { model: number; popularity: number }>
}

/** {@link train}, once more when the page timer's longest gap reaches the bound (see MAX_GAP_MS). */
async function trainWatched(page: Page, c: TrainChoice): Promise<TrainOutcome> {
  const first = await train(page, c)
  if (first.state !== 'trained' || first.maxGap < MAX_GAP_MS) return first
  console.log(
    `note page timer gap ${first.maxGap.toFixed(1)} ms ≥ ${MAX_GAP_MS} ms at load average ${loadavg()[0].toFixed(1)}: training once more`,
  )
  return train(page, c)
}

async function train(page: Page, c: TrainChoice): Promise<TrainOutcome> {
  await page.selectOption('#model', c.model)
  await page.selectOption('#sampler', c.sampler)
  await page.selectOption('#loss', c.loss)
  await page.fill('#dim', String(c.dim))
  await page.fill('#epochs', String(c.epochs))
  await page.fill('#seed', String(c.seed))
  await page.selectOption('#workers', String(c.workers))
  await page.setChecked('#curve-eval', c.curve)
  await page.click('#train')
  await page.waitForSelector('body[data-state=trained], body[data-state=error]', { timeout: 90_000 })
  return page.evaluate(() => {
    const q = (s: string): HTMLElement => document.querySelector(s) as HTMLElement
    const metrics: Record<string, { model: number; popularity: number }> = {}
    document.querySelectorAll<HTMLTableRowElement>('#metrics tr[data-metric]').forEach((r) => {
      const v = (c: string): number => Number((r.querySelector(c) as HTMLElement | null)?.dataset.value ?? Number.NaN)
      metrics[r.dataset.metric as string] = { model: v('td.model'), popularity: v('td.popularity') }
    })
    const gap = q('#max-gap').dataset
    return {
      state: document.body.dataset.state as string,
      status: q('#train-status').textContent ?? '',
      wallSeconds: Number(q('#train-status').dataset.wallSeconds),
      trainSeconds: Number(q('#train-status').dataset.trainSeconds),
      maxGap: Number(gap.value),
      frameGap: Number(gap.frameGap),
      ticks: Number(gap.ticks),
      ping: Number(q('#ping').dataset.value),
      metrics,
    }
  })
}

const topItems = (page: Page): Promise<string[]> =>
  page.$$eval('#top10 li', (lis) => lis.map((li) => (li as HTMLElement).dataset.item ?? ''))

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b)
  return s.length % 2 ? s[(s.length - 1) / 2] : (s[s.length / 2 - 1] + s[s.length / 2]) / 2
}

async function main(): Promise<void> {
  if (!existsSync(executablePath)) {
    throw new Error(`no Chromium at ${executablePath}: apt-get install chromium (Debian), or set CHROMIUM to a Chromium binary`)
  }
  if (!existsSync(join(root, 'dist', 'index.html')))
    throw new Error('examples/browser/dist is missing: run `vite build` first (pnpm test:browser does)')
  mkdirSync(out, { recursive: true })
  const port = await freePort()
  const server = await preview({ root, logLevel: 'warn', preview: { port, strictPort: true, host: '127.0.0.1', open: false } })
  const browser = await chromium.launch({
    executablePath,
    args: ['--headless=new', '--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  })
  const started = performance.now()
  console.log(
    `machine: ${cpus().length} cores, load average ${loadavg()
      .map((x) => x.toFixed(1))
      .join(' ')}`,
  )
  try {
    const context = await browser.newContext({ viewport: { width: 1366, height: 900 }, acceptDownloads: true })
    // tsx compiles this file with esbuild's keepNames, which wraps the functions handed to
    // page.evaluate in a `__name(fn, name)` helper the page does not have.
    await context.addInitScript({ content: 'globalThis.__name = (f) => f' })
    const page = await context.newPage()
    const errors: string[] = []
    page.on('pageerror', (e) => errors.push(e.message))
    await page.goto(`http://127.0.0.1:${port}/`)
    check(await page.evaluate(() => globalThis.crossOriginIsolated), 'page is cross-origin isolated (COOP/COEP from vite preview)')

    await fillSynthetic(page, SYNTHETIC)
    const one = await trainWatched(page, TRAIN)
    check(one.state === 'trained', `trained MF in the worker, 1 worker: ${one.status}`)
    const ndcg = one.metrics['ndcg@10']
    for (const [key, v] of Object.entries(one.metrics)) {
      check(
        v.model > 0 && v.model <= 1 && v.popularity > 0 && v.popularity <= 1,
        `${key} shown as numbers in (0, 1]: ${v.model} vs popularity ${v.popularity}`,
      )
    }
    check(
      ndcg !== undefined && ndcg.model > 1.2 * ndcg.popularity,
      `NDCG@10 beats popularity by > 1.2×: ${ndcg?.model} vs ${ndcg?.popularity}`,
    )
    check(
      one.ticks > 0 && one.maxGap < MAX_GAP_MS,
      `page timer kept firing during the fit: ${one.ticks} ticks, longest gap ${one.maxGap.toFixed(1)} ms < ${MAX_GAP_MS} ms ` +
        `(animation frames: ${one.frameGap.toFixed(1)} ms; worker ping answered within ${one.ping.toFixed(0)} ms)`,
    )
    // The measure can fail: 250 ms of work on the page's thread shows as a gap of at least that.
    const blocked = await page.evaluate(async () => {
      const m = (globalThis as unknown as { decoyMonitor: { active: boolean; last: number; maxGap: number } }).decoyMonitor
      Object.assign(m, { active: true, last: performance.now(), maxGap: 0 })
      const t0 = performance.now()
      while (performance.now() - t0 < 250) {}
      await new Promise((r) => setTimeout(r, 50))
      m.active = false
      return m.maxGap
    })
    check(blocked >= 250, `a blocked page thread is detected: 250 ms busy loop → gap ${blocked.toFixed(0)} ms`)

    // The same seed and pipeline in Node gives the same NDCG@10 (one worker is bit-identical).
    const node = await trainChoice(TRAIN, loadSynthetic(SYNTHETIC))
    check(node.metrics['ndcg@10'] === ndcg?.model, `NDCG@10 page ${ndcg?.model} === Node ${node.metrics['ndcg@10']}`)

    // Save and reload: IndexedDB, then a downloaded file through the file picker.
    const before = await topItems(page)
    check(before.length === 10, `top-10 shown for user ${await page.inputValue('#user')}: ${before.join(' ')}`)
    await page.click('#save-idb')
    await page.waitForFunction(() => /saved/.test(document.querySelector('#persist-status')?.textContent ?? ''))
    await page.evaluate(() => {
      const top = document.querySelector('#top10')
      if (top) top.replaceChildren()
    })
    await page.click('#load-idb')
    await page.waitForFunction(() => /loaded/.test(document.querySelector('#persist-status')?.textContent ?? ''))
    await page.waitForFunction(() => document.querySelectorAll('#top10 li').length === 10)
    check(JSON.stringify(await topItems(page)) === JSON.stringify(before), 'model reloaded from IndexedDB gives the same top-10')
    const reloadedNdcg = await page.$eval('#metrics tr[data-metric="ndcg@10"] td.model', (td) => Number((td as HTMLElement).dataset.value))
    check(reloadedNdcg === ndcg?.model, `reloaded model's NDCG@10 equals the trained one: ${reloadedNdcg}`)
    const [download] = await Promise.all([page.waitForEvent('download'), page.click('#download')])
    const file = join(out, 'model.decoy')
    await download.saveAs(file)
    await page.evaluate(() => document.querySelector('#top10')?.replaceChildren())
    await page.setInputFiles('#model-file', file)
    await page.waitForFunction(() => /loaded \w+ from model\.decoy/.test(document.querySelector('#persist-status')?.textContent ?? ''))
    await page.waitForFunction(() => document.querySelectorAll('#top10 li').length === 10)
    check(
      JSON.stringify(await topItems(page)) === JSON.stringify(before),
      'downloaded model loaded through the file picker gives the same top-10',
    )

    await page.fill('#item-query', String(before[0]))
    await page.click('#show-similar')
    await page.waitForFunction(() => document.querySelectorAll('#similar li').length === 10)
    // Planted data: an item's neighbours should come from its own cluster (titles name it).
    const queryTitle = (await page.textContent('#similar-title')) ?? ''
    const similar = await page.$$eval('#similar li', (lis) => lis.map((li) => li.firstChild?.textContent ?? ''))
    const clusterOf = (t: string): string => /cluster (\d+)/.exec(t)?.[1] ?? '?'
    const same = similar.filter((t) => clusterOf(t) === clusterOf(queryTitle)).length
    check(same >= 7, `items similar to "${queryTitle.replace('Similar to ', '')}": ${same}/10 from the same planted cluster`)
    await page.screenshot({ path: join(out, 'page.png'), fullPage: true })
    console.log(`screenshot: ${join(out, 'page.png')}`)

    // Two workers: Hogwild threads started from the training worker over SharedArrayBuffer.
    const two = await trainWatched(page, { ...TRAIN, workers: 2 })
    const n2 = two.metrics['ndcg@10']
    check(two.state === 'trained' && /2 workers/.test(two.status), `trained MF with 2 workers: ${two.status}`)
    check(
      n2 !== undefined && n2.model > 1.2 * n2.popularity,
      `2 workers: NDCG@10 beats popularity by > 1.2×: ${n2?.model} vs ${n2?.popularity}`,
    )
    check(two.ticks > 0 && two.maxGap < MAX_GAP_MS, `2 workers: page timer longest gap ${two.maxGap.toFixed(1)} ms < ${MAX_GAP_MS} ms`)

    const rounds = Number(process.env.DECOY_BROWSER_ROUNDS ?? 0)
    if (rounds > 0) {
      const big = { ...SYNTHETIC, users: 6000, items: 2000, interactionsPerUser: 50 }
      await fillSynthetic(page, big)
      const bigData = loadSynthetic(big)
      const nodeFit: number[] = []
      // The fit's own clock (trainSeconds: training only) and the page's (click to result, with the
      // final evaluation), alternating 1 and 2 workers so both see the same machine load.
      const fit: number[] = []
      const wall: number[] = []
      for (let r = 0; r < rounds; r++) {
        const a = await train(page, { ...TRAIN, curve: false, workers: 1 })
        const b = await train(page, { ...TRAIN, curve: false, workers: 2 })
        // The same pair in Node (worker_threads), for what this machine's load allows at the time.
        const na = (await trainChoice({ ...TRAIN, curve: false, workers: 1 }, bigData)).result.trainSeconds
        const nb = (await trainChoice({ ...TRAIN, curve: false, workers: 2 }, bigData)).result.trainSeconds
        nodeFit.push(na / nb)
        fit.push(a.trainSeconds / b.trainSeconds)
        wall.push(a.wallSeconds / b.wallSeconds)
        console.log(
          `round ${r + 1}: fit 1 worker ${a.trainSeconds.toFixed(2)} s, 2 workers ${b.trainSeconds.toFixed(2)} s (${fit[r].toFixed(2)}×); ` +
            `page ${a.wallSeconds.toFixed(2)} s vs ${b.wallSeconds.toFixed(2)} s (${wall[r].toFixed(2)}×); ` +
            `Node fit ${na.toFixed(2)} s vs ${nb.toFixed(2)} s (${nodeFit[r].toFixed(2)}×); ` +
            `NDCG@10 ${a.metrics['ndcg@10']?.model.toFixed(4)} vs ${b.metrics['ndcg@10']?.model.toFixed(4)}; load ${loadavg()[0].toFixed(1)}`,
        )
      }
      console.log(
        `median speed-up of 2 workers over 1: page fit ${median(fit).toFixed(2)}×, page wall ${median(wall).toFixed(2)}×, ` +
          `Node fit ${median(nodeFit).toFixed(2)}× over ${rounds} rounds`,
      )
    }

    check(errors.length === 0, `no uncaught page errors${errors.length ? `: ${errors.join('; ')}` : ''}`)
    writeFileSync(join(out, 'result.json'), `${JSON.stringify({ one, two, nodeNdcg: node.metrics['ndcg@10'], failures }, null, 2)}\n`)
  } finally {
    await browser.close()
    await new Promise<void>((resolve) => server.httpServer.close(() => resolve()))
  }
  console.log(`${failures === 0 ? 'passed' : `${failures} check(s) failed`} in ${((performance.now() - started) / 1000).toFixed(1)} s`)
  if (failures > 0) process.exitCode = 1
}

main().catch((e: unknown) => {
  console.error(e instanceof Error ? (e.stack ?? e.message) : e)
  process.exitCode = 1
})
