/**
 * `--config <json file>`: a JSON object of the same options as a command's flags (camelCase or
 * kebab-case keys, or a model config such as `decoy tune`'s best.json: `kind`, schema keys,
 * `sampler` as a config object). Flags given on the command line override it.
 */
import { readFileSync } from 'node:fs'
import { modelFamilies, optionFlag } from '@decoy/models'
import type { Args, OptionSpec } from './args.js'
import { InputError } from './errors.js'
import { asInputError } from './load.js'

function kebab(key: string): string {
  return key.replace(/[A-Z]/g, (c) => '-' + c.toLowerCase())
}

/** The flag a config key stands for, among `options`; model schema keys map through their flag. */
function flagOf(key: string, options: readonly OptionSpec[]): string | undefined {
  if (key === 'kind') return 'model'
  const names = new Set(options.map((o) => o.name))
  if (names.has(key)) return key
  if (names.has(kebab(key))) return kebab(key)
  for (const f of Object.values(modelFamilies)) {
    const spec = f.options[key]
    if (spec && names.has(optionFlag(key, spec))) return optionFlag(key, spec)
  }
  return undefined
}

/**
 * Reads `--config` (when given) and returns `args` with the file's options under the flags.
 * @throws InputError naming the file and the field of an unknown option or a value of the wrong shape.
 */
export function withConfigFile(args: Args, options: readonly OptionSpec[]): Args {
  const path = args.str('config')
  if (path === undefined) return args
  let text: string
  try {
    text = readFileSync(path, 'utf8')
  } catch (e) {
    throw asInputError(e, path)
  }
  let json: unknown
  try {
    json = JSON.parse(text)
  } catch (e) {
    throw new InputError(`${path}: not valid JSON (${(e as Error).message})`, path)
  }
  if (typeof json !== 'object' || json === null || Array.isArray(json))
    throw new InputError(`${path}: must be a JSON object of options`, path)
  const out: Record<string, string | boolean> = {}
  for (const [key, v] of Object.entries(json as Record<string, unknown>)) {
    if (key === '$schema' || key === 'name' || key === 'config') continue
    const flag = flagOf(key, options)
    if (flag === 'dim' && args.has('factors')) continue // --factors on the command line overrides the file's dim
    if (!flag)
      throw new InputError(
        `${path}: unknown option "${key}" for decoy ${args.command} (see decoy ${args.command} --help)`,
        path,
        undefined,
        key,
      )
    if (key === 'sampler' && typeof v === 'object' && v !== null && !Array.isArray(v)) {
      const { kind, ...rest } = v as Record<string, unknown>
      if (typeof kind !== 'string') throw new InputError(`${path}: sampler.kind must be a string`, path, undefined, 'sampler.kind')
      // A sampler flag on the command line replaces the file's sampler, options and all.
      if (!args.has('sampler') && !args.has('sampler-config')) {
        out.sampler = kind
        if (Object.keys(rest).length) out['sampler-config'] = JSON.stringify(rest)
      }
      continue
    }
    if (Array.isArray(v)) out[flag] = v.join(',')
    else if (typeof v === 'boolean') out[flag] = options.find((o) => o.name === flag)?.type === 'boolean' ? v : String(v)
    else if (typeof v === 'string' || typeof v === 'number') out[flag] = String(v)
    else if (typeof v === 'object' && v !== null) out[flag] = JSON.stringify(v)
    else throw new InputError(`${path}: option "${key}" has an unsupported value ${JSON.stringify(v)}`, path, undefined, key)
  }
  return args.withDefaults(out)
}
