/**
 * Runs an experiment config (default `configs/shootout.json`: every sampler kind on MF on
 * ml-latest-small, same epochs, two seeds) and prints the results table. The same as
 * `pnpm decoy experiment <config> --out <dir>`; rerunning resumes, skipping finished cells.
 *
 *   pnpm --filter @decoy/example-sampler-shootout start
 *   npx tsx --conditions=decoy-source main.ts configs/smoke.json --out runs/smoke --fresh
 */
import { readFileSync, rmSync } from 'node:fs'
import { dirname, join, resolve } from 'node:path'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import { ConfigError, runExperiment } from '@decoy/experiments'

const here = dirname(fileURLToPath(import.meta.url))
// `pnpm start -- --flag` hands the script a leading `--` (pnpm 10), which strict parsing would reject.
const { values, positionals } = parseArgs({
  args: process.argv.slice(2).filter((a, i) => !(i === 0 && a === '--')),
  allowPositionals: true,
  options: { out: { type: 'string' }, fresh: { type: 'boolean', default: false }, parallel: { type: 'string' } },
})
const config = resolve(here, positionals[0] ?? 'configs/shootout.json')
const out = resolve(here, values.out ?? 'runs/shootout')
if (values.fresh) rmSync(out, { recursive: true, force: true })
try {
  const r = await runExperiment(config, {
    out,
    log: (m) => console.error(m),
    ...(values.parallel ? { workers: Number(values.parallel) } : {}),
  })
  console.log(readFileSync(r.files.markdown, 'utf8'))
  console.log(`results: ${r.files.markdown}\nplots:   ${join(out, 'plots')}/`)
  console.log(
    JSON.stringify({
      example: 'sampler-shootout',
      config: positionals[0] ?? 'configs/shootout.json',
      ran: r.ran.length,
      skipped: r.skipped.length,
    }),
  )
} catch (e) {
  if (e instanceof ConfigError && e.path === 'dataset') {
    console.error((e as Error).message)
    console.error('\nSet DECOY_DATA_DIR to the folder containing ml-latest-small/, or try the synthetic config: configs/smoke.json')
    process.exit(1)
  }
  throw e
}
