import { availableParallelism } from 'node:os'
import { dotTopKParallel } from '@decoy/core/node'
import type { TopKRunner } from '@decoy/eval'
import type { Args } from './args.js'

/**
 * Threads of the blocked evaluation: `--workers` when given, else min(2, cores). Evaluation
 * results do not depend on it (each user's list depends only on its own scores).
 */
export function evalWorkers(args: Args): number {
  return args.has('workers') ? args.int('workers', 1, 1, 64)! : Math.max(1, Math.min(2, availableParallelism()))
}

/** Below this many multiply-adds (~20 ms of one core) threads cost more to start than they save. */
const PARALLEL_MIN_MACS = 5e8

/** Ranks dot-product models for `evaluateAsync` in `workers` worker threads (one for small problems). */
export function topKRunner(workers: number): TopKRunner {
  return (f, users, k, exclude) =>
    dotTopKParallel(f, users, k, { exclude, workers: users.length * f.numItems * f.dim < PARALLEL_MIN_MACS ? 1 : workers })
}
