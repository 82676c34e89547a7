#!/usr/bin/env node
/**
 * `pnpm size`: bundles small browser pages from the built packages with Vite (Rollup, minified,
 * tree shaken and code split as a page's build would) and checks what each page loads up front,
 * gzipped, against its budget. Code behind a dynamic `import()` (Arrow model files, the model
 * registry for loading, browser workers) is listed apart and not counted: a page pays for it only
 * when it uses it.
 *
 * Run after `pnpm build`; `pnpm size <word>` checks only the pages whose name holds it. Exits 1
 * when a page is over budget.
 */
import { mkdirSync, rmSync, writeFileSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { gzipSync } from 'node:zlib'
import { build } from 'vite'

const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..')
// test/ depends on every package, so pages written under its node_modules resolve every @decoy entry.
const WORK = join(ROOT, 'test', 'node_modules', '.cache', 'decoy-size')

/** The pages: what a user imports, and the gzip budget of what loads before anything runs. */
const PAGES = [
  {
    name: 'mf page',
    note: 'matrixFactorization + uniformSampler + fit + recommend + evaluate',
    budget: 40_000,
    code: `
      import { matrixFactorization } from '@decoy/models'
      import { uniformSampler } from '@decoy/samplers'
      import { evaluate } from '@decoy/eval'
      export async function run(train, test) {
        const model = matrixFactorization({ dim: 32 })
        await model.fit(train, { sampler: uniformSampler(), seed: 1, onProgress: (p) => console.log(p.fraction) })
        const top = model.recommend(Int32Array.of(0), 10)
        return { top, metrics: evaluate({ model, train, test, k: [10] }).metrics }
      }`,
  },
  {
    name: 'mf page + model files',
    note: 'the mf page, saving and loading the model in the page (IndexedDB, download)',
    budget: 42_000,
    code: `
      import { matrixFactorization } from '@decoy/models'
      import { saveModelToIndexedDb, loadModelFromIndexedDb, modelToBlob } from '@decoy/models/browser'
      import { uniformSampler } from '@decoy/samplers'
      export async function run(train) {
        const model = matrixFactorization({ dim: 32 })
        await model.fit(train, { sampler: uniformSampler(), seed: 1 })
        await saveModelToIndexedDb(model, 'm')
        const back = await loadModelFromIndexedDb('m')
        return [modelToBlob, back.recommend(Int32Array.of(0), 10)]
      }`,
  },
  {
    name: 'all browser entries',
    note: 'every export of @decoy/core, /kernels, samplers, models, /kernels, /browser, eval',
    // 105 kB until LightGCN's WebAssembly kernels (embedded, ~5 kB gzip) and the fused top-k landed.
    budget: 112_000,
    code: `
      export * as core from '@decoy/core'
      export * as coreKernels from '@decoy/core/kernels'
      export * as samplers from '@decoy/samplers'
      export * as models from '@decoy/models'
      export * as modelKernels from '@decoy/models/kernels'
      export * as modelsBrowser from '@decoy/models/browser'
      export * as evaluation from '@decoy/eval'`,
  },
]

const gz = (bytes) => gzipSync(bytes, { level: 9 }).length
const kB = (n) => `${(n / 1000).toFixed(1)} kB`

let failed = false
const rows = []
rmSync(WORK, { recursive: true, force: true })
mkdirSync(WORK, { recursive: true })
try {
  const only = process.argv[2]
  for (const page of PAGES.filter((p) => !only || p.name === only)) {
    const file = join(WORK, `${page.name.replace(/\W+/g, '-')}.js`)
    writeFileSync(file, page.code)
    const res = await build({
      configFile: false,
      root: WORK,
      logLevel: 'silent',
      build: {
        write: false,
        target: 'es2022',
        minify: 'esbuild',
        modulePreload: false,
        reportCompressedSize: false,
        rollupOptions: { input: file, preserveEntrySignatures: 'exports-only' },
      },
      worker: { format: 'es' },
    })
    const chunks = (Array.isArray(res) ? res[0] : res).output.filter((o) => o.type === 'chunk')
    const byName = new Map(chunks.map((c) => [c.fileName, c]))
    // What loads up front: the entry and the chunks it imports statically, transitively.
    const upFront = new Set()
    const stack = chunks.filter((c) => c.isEntry).map((c) => c.fileName)
    while (stack.length > 0) {
      const f = stack.pop()
      if (upFront.has(f) || !byName.has(f)) continue
      upFront.add(f)
      stack.push(...byName.get(f).imports)
    }
    let initial = 0
    let lazy = 0
    let arrowUpFront = false
    for (const c of chunks) {
      const size = gz(Buffer.from(c.code))
      if (upFront.has(c.fileName)) {
        initial += size
        if (Object.keys(c.modules).some((m) => m.includes('apache-arrow'))) arrowUpFront = true
      } else lazy += size
    }
    // Workers are emitted as assets (their own bundles).
    for (const a of (Array.isArray(res) ? res[0] : res).output)
      if (a.type === 'asset' && a.fileName.endsWith('.js')) lazy += gz(Buffer.from(a.source))
    const ok = initial <= page.budget
    if (!ok) failed = true
    rows.push({
      page: page.name,
      upFront: kB(initial),
      budget: kB(page.budget),
      ok: ok ? 'ok' : 'OVER',
      lazy: kB(lazy),
      arrow: arrowUpFront ? 'up front' : 'lazy',
      note: page.note,
    })
  }
} finally {
  rmSync(WORK, { recursive: true, force: true })
}

const cols = ['page', 'upFront', 'budget', 'ok', 'lazy', 'arrow', 'note']
const head = {
  page: 'page',
  upFront: 'up front (gzip)',
  budget: 'budget',
  ok: '',
  lazy: 'lazy chunks (gzip)',
  arrow: 'apache-arrow',
  note: 'what it imports',
}
const width = Object.fromEntries(cols.map((c) => [c, Math.max(head[c].length, ...rows.map((r) => r[c].length))]))
const line = (r) =>
  cols
    .map((c) => r[c].padEnd(width[c]))
    .join('  ')
    .trimEnd()
console.log(line(head))
for (const r of rows) console.log(line(r))
console.log('(Vite/Rollup production build of packages/*/dist, minified, gzip -9; lazy = dynamic imports and workers)')
if (failed) {
  console.error('size: a page is over its budget')
  process.exit(1)
}
