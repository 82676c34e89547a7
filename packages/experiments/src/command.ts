/**
 * `decoy experiment <config.json> [--out <dir>]`: the command entry the `@decoy/cli` table lists.
 * Typed structurally, so this package does not depend on the CLI.
 */
import { basename, dirname, join, resolve } from 'node:path'
import { runExperiment } from './run.js'

/** The flag accessors the command uses (a subset of the CLI's `Args`). */
export interface ExperimentArgs {
  readonly positionals: string[]
  str(name: string): string | undefined
  bool(name: string): boolean
  int(name: string, fallback?: number, min?: number, max?: number): number | undefined
}

/** The context the command uses (a subset of the CLI's `CommandContext`). */
export interface ExperimentContext {
  readonly io: { stdout(text: string): void; stderrIsTTY: boolean; readonly env: Readonly<Record<string, string | undefined>> }
  log(message: string): void
  json(value: object): void
  progress(label: string, total: number): { update(done: number, status?: string): void; done(): void }
}

/** A usage error the CLI maps to exit 2 (it carries `source` and `field`, like core's DataError). */
class ExperimentUsageError extends Error {
  override readonly name = 'ExperimentUsageError'
  readonly source = ''
  readonly field = 'config'
}

/** `decoy experiment`: runs an experiment config, resumably, and writes results and plots. */
export const experimentCommand = {
  name: 'experiment',
  positionals: true,
  summary: 'run a grid of models × samplers × losses × seeds from a JSON config; results table and plots',
  usage: '<config.json> [--out <dir>] [--parallel n] [--no-resume] [--data-dir <dir>] [--json]',
  options: [
    { name: 'out', type: 'string', value: '<dir>', description: 'output folder', defaultText: 'runs/<config name>' },
    {
      name: 'parallel',
      type: 'string',
      value: '<n>',
      description: 'cells run at once in worker threads',
      defaultText: "the config's parallel, else 1",
    },
    { name: 'no-resume', type: 'boolean', description: 'run every cell again, even those already recorded in <out>/cells' },
    { name: 'no-plots', type: 'boolean', description: 'skip the SVG plots' },
    {
      name: 'data-dir',
      type: 'string',
      value: '<dir>',
      description: 'folder holding <dataset>/ (default: $DECOY_DATA_DIR, then the cache)',
    },
    { name: 'json', type: 'boolean', description: 'print {"out", "files", "ran", "skipped"} on stdout' },
  ] as const,
  notes:
    'Config: {"dataset": "ml-latest-small", "split": {"strategy": "random", "testFraction": 0.2, "seed": 42},\n' +
    '  "models": [{"kind": "mf", "factors": 32}], "samplers": [{"kind": "uniform"}, {"kind": "popularity", "alpha": 0.75}],\n' +
    '  "losses"?: ["bpr", "softmax"], "seeds": [1, 2], "budget": {"epochs": 3} or {"scoreEvaluations": 1e8, "epochs"?: max},\n' +
    '  "k"?: [10, 20], "metric"?: "ndcg@10", "baseline"?: "mf/uniform/softmax", "evalEvery"?: 1, "parallel"?: 2}\n' +
    'Writes <out>/cells/*.json (one per finished cell and seed; a rerun skips them), results.json (no timings),\n' +
    'results.csv, results.md and plots/*.svg. Unknown fields are rejected with their JSON path before anything runs.',
  async run(args: ExperimentArgs, ctx: ExperimentContext): Promise<void> {
    if (args.positionals.length !== 1)
      throw new ExperimentUsageError(
        'experiment: give exactly one config file, e.g. decoy experiment examples/sampler-shootout/configs/shootout.json',
      )
    const path = args.positionals[0]
    const out = args.str('out') ?? join('runs', basename(path).replace(/\.json$/i, ''))
    const parallel = args.int('parallel', undefined, 1, 64)
    let bar: ReturnType<ExperimentContext['progress']> | null = null
    let current = ''
    const r = await runExperiment(path, {
      out,
      resume: !args.bool('no-resume'),
      ...(parallel !== undefined ? { workers: parallel } : {}),
      baseDir: dirname(resolve(path)),
      datasets: { dir: args.str('data-dir'), env: ctx.io.env },
      log: (m) => {
        bar?.done()
        bar = null
        ctx.log(m)
      },
      noPlots: args.bool('no-plots'),
      onEpoch: ctx.io.stderrIsTTY
        ? (id, epoch, planned) => {
            if (id !== current || !bar) {
              bar?.done()
              current = id
              bar = ctx.progress(id, planned)
            }
            bar.update(epoch)
          }
        : undefined,
    })
    ;(bar as ReturnType<ExperimentContext['progress']> | null)?.done()
    if (args.bool('json')) {
      ctx.json({ out: resolve(out), files: r.files, ran: r.ran, skipped: r.skipped })
      return
    }
    ctx.io.stdout(
      `ran ${r.ran.length} cell runs, skipped ${r.skipped.length} already recorded\nresults: ${r.files.markdown}\n         ${r.files.csv}\n         ${r.files.json}\n` +
        Object.values(r.files.plots)
          .map((p) => `plot:    ${p}\n`)
          .join(''),
    )
  },
}
