/**
 * Set-up shared by the CLI's own tests (only test files import it; it is not part of the package's
 * entries): `main` run with captured output, and a temporary folder holding a seeded `decoy split`
 * of a small planted log.
 */
import { mkdtempSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { afterAll, beforeAll, expect } from 'vitest'
import { captureIo } from './io.js'
import { main } from './main.js'

/** What one `decoy` run printed, and its exit code. */
export interface CliRun {
  code: number
  out: string
  err: string
}

/** Runs `decoy <argv>` in this process with captured output (and `env` as its environment). */
export async function runCli(argv: string[], env: Record<string, string | undefined> = {}): Promise<CliRun> {
  const io = captureIo(env)
  const code = await main(argv, io)
  return { code, out: io.out, err: io.err }
}

/** A test file's temporary folder and the split made in it; fields are set once `beforeAll` ran. */
export interface SplitFixture {
  /** The temporary folder (removed after the file's tests). */
  dir: string
  /** `decoy split`'s train and test files. */
  train: string
  test: string
}

/**
 * Registers `beforeAll`/`afterAll` hooks that make a temporary folder (named from `prefix`) and, in
 * it, `decoy split --data <data> --strategy random --seed 42`, then remove the folder.
 */
export function splitFixture(prefix: string, data: string): SplitFixture {
  const fx: SplitFixture = { dir: '', train: '', test: '' }
  beforeAll(async () => {
    fx.dir = mkdtempSync(join(tmpdir(), prefix))
    const out = join(fx.dir, 'split')
    const r = await runCli(['split', '--data', data, '--strategy', 'random', '--seed', '42', '--out', out])
    expect(r.code).toBe(0)
    fx.train = join(out, 'train.tsv')
    fx.test = join(out, 'test.tsv')
  })
  afterAll(() => {
    rmSync(fx.dir, { recursive: true, force: true })
  })
  return fx
}
