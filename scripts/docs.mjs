#!/usr/bin/env node
/**
 * `pnpm docs`: the API reference of every published package, built by TypeDoc into docs/api (git-ignored).
 *
 * Before running TypeDoc it checks that the documented entry points are the published ones: the root
 * typedoc.json lists every published package under packages/, and each package's typedoc.json lists
 * exactly the `decoy-source` files of its package.json `exports`. So a new subpath export (say
 * `@decoy/models/kernels`) cannot ship undocumented. Extra arguments go to TypeDoc (e.g. `--out dir`).
 *
 * TypeDoc fails on the warnings that matter (typedoc.json: broken `{@link}`s, `@param` names that match
 * no parameter, public signatures naming a type the package does not export); a missing comment is not one.
 */
import { spawnSync } from 'node:child_process'
import { existsSync, readdirSync, readFileSync } from 'node:fs'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
// typedoc.json files carry whole-line `//` comments, which TypeDoc reads and JSON.parse does not.
const readJson = (path) => JSON.parse(readFileSync(join(root, path), 'utf8').replace(/^\s*\/\/.*$/gm, ''))

/** The `decoy-source` file of every subpath export, as the package's typedoc.json should list it. */
function sourceEntries(manifest) {
  return Object.entries(manifest.exports ?? {})
    .filter(([subpath]) => subpath !== './package.json')
    .map(([subpath, target]) => {
      const src = typeof target === 'object' ? target['decoy-source'] : undefined
      if (!src) throw new Error(`${manifest.name}: export "${subpath}" has no "decoy-source" condition to document`)
      return src
    })
}

const norm = (p) => p.replace(/^\.\//, '')
const problems = []
const listed = new Set(readJson('typedoc.json').entryPoints.map(norm))
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const pkgPath = `packages/${dir}/package.json`
  if (!existsSync(join(root, pkgPath))) continue
  const manifest = readJson(pkgPath)
  if (manifest.private) continue
  if (!listed.has(`packages/${dir}`)) problems.push(`typedoc.json: entryPoints lacks the published package packages/${dir}`)
  const configPath = `packages/${dir}/typedoc.json`
  if (!existsSync(join(root, configPath))) {
    problems.push(`${configPath} is missing; it lists the package's entry points: ${JSON.stringify(sourceEntries(manifest))}`)
    continue
  }
  const want = sourceEntries(manifest).map(norm).sort()
  const have = (readJson(configPath).entryPoints ?? []).map(norm).sort()
  if (want.join('\n') !== have.join('\n')) {
    problems.push(`${configPath}: entryPoints ${JSON.stringify(have)} differ from the package's exports ${JSON.stringify(want)}`)
  }
}
if (problems.length > 0) {
  console.error(`docs: the documented entry points are not the published ones:\n  ${problems.join('\n  ')}`)
  process.exit(1)
}

const typedoc = join(root, 'node_modules', '.bin', 'typedoc')
const run = spawnSync(typedoc, process.argv.slice(2), { cwd: root, stdio: 'inherit' })
if (run.error) throw run.error
process.exit(run.status ?? 1)
