/**
 * `pnpm bench`: every benchmark group in one process, one after the other, printed as a table and
 * as one JSON line. Run it on an idle machine: figures are only comparable as ratios within a run.
 *
 *   pnpm bench                 all groups
 *   pnpm bench samplers mf     only those groups
 *   pnpm bench scale           1M, 5M and 25M-interaction logs (all groups: 1M and 5M only)
 */
import { spawnSync } from 'node:child_process'
import { fileURLToPath } from 'node:url'
import { availableParallelism, loadavg } from 'node:os'

interface BenchRow {
  name: string
  value: number
  unit: string
}

const GROUPS: Record<string, () => Promise<BenchRow[]>> = {
  io: async () => (await import('./io.js')).benchIo(),
  eval: async () => (await import('./eval.js')).benchEval(),
  samplers: async () => (await import('./samplers.js')).benchSamplers(),
  mf: async () => (await import('./mf.js')).benchMf(),
  item2vec: async () => (await import('./item2vec.js')).benchItem2vec(),
  fm: async () => (await import('./fm.js')).benchFm(),
  shared: async () => (await import('./shared.js')).benchShared(),
  rank: async () => (await import('./rank.js')).benchRank(),
  // 1M, 5M and 25M when named (`pnpm bench scale`); 1M and 5M in a run of every group (25M takes minutes).
  scale: async () => (await import('./scale.js')).benchScale(wanted.includes('scale')),
  als: async () => (await import('./als.js')).benchAls(),
  candidates: async () => (await import('./candidates.js')).benchCandidates(),
  lightgcn: async () => (await import('./lightgcn.js')).benchLightGcn(),
  pacing: async () => (await import('./pacing.js')).benchPacing(),
}

const self = fileURLToPath(import.meta.url)
const conditioned = process.execArgv.join(' ').includes('decoy-source') || (process.env.NODE_OPTIONS ?? '').includes('decoy-source')
if (!conditioned) {
  // Resolve @decoy/* to sources (no build needed): rerun with the source condition.
  const child = spawnSync(
    process.execPath,
    ['--conditions=decoy-source', '--expose-gc', ...process.execArgv, self, ...process.argv.slice(2)],
    { stdio: 'inherit' },
  )
  process.exit(child.status ?? 1)
}

const wanted = process.argv.slice(2).filter((a) => !a.startsWith('-'))
for (const w of wanted) if (!(w in GROUPS)) throw new Error(`pnpm bench: unknown group "${w}"; groups: ${Object.keys(GROUPS).join(', ')}`)
const names = wanted.length > 0 ? wanted : Object.keys(GROUPS)
const all: Array<BenchRow & { group: string }> = []
console.error(`bench: node ${process.version}, ${availableParallelism()} cores, load average ${loadavg()[0].toFixed(2)} at start`)
for (const g of names) {
  console.error(`bench: ${g}…`)
  const rows = await GROUPS[g]()
  for (const r of rows) all.push({ group: g, ...r })
}
console.table(all.map((r) => ({ group: r.group, name: r.name, value: r.value, unit: r.unit })))
console.log(JSON.stringify({ node: process.version, loadAverageAtEnd: loadavg()[0], rows: all }))
