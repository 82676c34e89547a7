#!/usr/bin/env node
/**
 * `pnpm release:check`: would publishing work, and would users get what they need? Run after `pnpm build`.
 *
 * For every published package (packages/*, not private) it packs the tarball with `pnpm pack` (which, like
 * `pnpm publish`, rewrites `workspace:` ranges) and inspects what npm would receive:
 * - the manifest has no `workspace:` (or `link:`/`file:`) range left, and third-party dependencies use `^` ranges;
 * - the metadata a registry page needs: description, keywords, license MIT, repository with this package's
 *   directory (the same repository for every package), homepage, bugs, engines.node, publishConfig.access public;
 * - the tarball holds README.md, CHANGELOG.md, and a LICENSE identical to the root one;
 * - every file that `exports` and `bin` point to is in the tarball, and each export lists `types` before `default`.
 * Then it runs `pnpm publish --dry-run` over the same packages, which is what a release runs.
 */
import { execFileSync, spawnSync } from 'node:child_process'
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { dirname, join } from 'node:path'
import { fileURLToPath } from 'node:url'

const root = join(dirname(fileURLToPath(import.meta.url)), '..')
const rootManifest = JSON.parse(readFileSync(join(root, 'package.json'), 'utf8'))
const rootLicense = readFileSync(join(root, 'LICENSE'), 'utf8')
const DEP_FIELDS = ['dependencies', 'peerDependencies', 'optionalDependencies', 'devDependencies']
const problems = []
const out = mkdtempSync(join(tmpdir(), 'decoy-release-check-'))

/** Every file path a package.json `exports` value points to (all conditions, nested). */
function exportTargets(value, at, found = []) {
  if (typeof value === 'string') found.push({ at, path: value })
  else if (value && typeof value === 'object') {
    const keys = Object.keys(value)
    if (keys.includes('types') && keys.includes('default') && keys.indexOf('types') > keys.indexOf('default')) {
      problems.push(`exports${at}: "types" must come before "default", or TypeScript never sees it`)
    }
    for (const k of keys) exportTargets(value[k], `${at}[${JSON.stringify(k)}]`, found)
  }
  return found
}

function checkPackage(dir, m, files, license) {
  const where = `${m.name} (packages/${dir})`
  const fail = (msg) => problems.push(`${where}: ${msg}`)
  const text = JSON.stringify(m)
  for (const protocol of ['workspace:', 'link:', 'file:']) {
    if (text.includes(`"${protocol}`)) fail(`the packed package.json still has a "${protocol}" range`)
  }
  for (const field of DEP_FIELDS) {
    for (const [name, range] of Object.entries(m[field] ?? {})) {
      const internal = name.startsWith('@decoy/')
      if (!internal && field !== 'devDependencies' && !range.startsWith('^')) {
        fail(`${field}.${name} is "${range}"; third-party ranges are "^x.y.z" so consumers can dedupe`)
      }
    }
  }
  if (!m.description) fail('no description')
  if (!Array.isArray(m.keywords) || m.keywords.length === 0) fail('no keywords')
  if (m.license !== 'MIT') fail(`license is ${JSON.stringify(m.license)}, expected "MIT"`)
  if (m.repository?.url !== rootManifest.repository?.url) fail(`repository.url differs from the root package.json's`)
  if (m.repository?.directory !== `packages/${dir}`) fail(`repository.directory should be "packages/${dir}"`)
  if (!m.homepage) fail('no homepage')
  if (!m.bugs?.url) fail('no bugs.url')
  if (m.engines?.node !== rootManifest.engines?.node) fail(`engines.node should be "${rootManifest.engines?.node}" like the root`)
  if (m.publishConfig?.access !== 'public') fail('publishConfig.access is not "public" (a scoped package would publish as restricted)')
  if (m.type !== 'module') fail('type is not "module"')
  for (const name of ['README.md', 'CHANGELOG.md', 'LICENSE']) if (!files.has(name)) fail(`the tarball has no ${name}`)
  if (files.has('LICENSE') && license !== rootLicense) fail('LICENSE differs from the root LICENSE')
  const targets = exportTargets(m.exports, '')
  if (typeof m.bin === 'string') targets.push({ at: 'bin', path: m.bin })
  else for (const [k, v] of Object.entries(m.bin ?? {})) targets.push({ at: `bin.${k}`, path: v })
  for (const t of targets) {
    if (!files.has(t.path.replace(/^\.\//, '')))
      fail(`${t.at.startsWith('bin') ? t.at : `exports${t.at}`} points to ${t.path}, not in the tarball`)
  }
}

const published = []
for (const dir of readdirSync(join(root, 'packages')).sort()) {
  const manifestPath = join(root, 'packages', dir, 'package.json')
  if (!existsSync(manifestPath)) continue
  const manifest = JSON.parse(readFileSync(manifestPath, 'utf8'))
  if (manifest.private) continue
  published.push(manifest.name)
  if (!existsSync(join(root, 'packages', dir, 'dist'))) {
    problems.push(`${manifest.name}: packages/${dir}/dist is missing; run \`pnpm build\` first`)
    continue
  }
  const packed = execFileSync('pnpm', ['pack', '--json', '--pack-destination', out], { cwd: join(root, 'packages', dir), encoding: 'utf8' })
  const tarball = JSON.parse(packed.slice(packed.indexOf('{'))).filename
  const tarPath = tarball.startsWith('/') ? tarball : join(out, tarball)
  const list = execFileSync('tar', ['-tzf', tarPath], { encoding: 'utf8', maxBuffer: 1 << 26 })
  const files = new Set(
    list
      .split('\n')
      .filter(Boolean)
      .map((f) => f.replace(/^package\//, '')),
  )
  const m = JSON.parse(execFileSync('tar', ['-xzOf', tarPath, 'package/package.json'], { encoding: 'utf8' }))
  const license = files.has('LICENSE') ? execFileSync('tar', ['-xzOf', tarPath, 'package/LICENSE'], { encoding: 'utf8' }) : ''
  checkPackage(dir, m, files, license)
  console.log(`packed ${m.name}@${m.version}: ${files.size} files`)
}
rmSync(out, { recursive: true, force: true })

if (problems.length > 0) {
  console.error(`release:check found ${problems.length} problem(s):\n  ${problems.join('\n  ')}`)
  process.exit(1)
}

// The real publish path, without publishing: pnpm rewrites workspace ranges and npm validates each package.
const filters = published.flatMap((name) => ['--filter', name])
const dry = spawnSync('pnpm', ['-r', ...filters, 'publish', '--dry-run', '--no-git-checks'], { cwd: root, encoding: 'utf8' })
const log = `${dry.stdout ?? ''}${dry.stderr ?? ''}`
if (dry.status !== 0) {
  console.error(`${log}\nrelease:check: \`pnpm publish --dry-run\` failed`)
  process.exit(1)
}
// npm lists every file of every tarball; keep the verdict lines, and check each would go out public.
for (const line of log.split('\n')) if (/^\+ /.test(line)) console.log(line)
const publicCount = log.split('\n').filter((line) => line.includes('public access')).length
if (publicCount !== published.length) {
  console.error(`${log}\nrelease:check: ${publicCount} of ${published.length} packages would publish with public access`)
  process.exit(1)
}
console.log(`release:check: ${published.length} packages pass (${published.join(', ')})`)
