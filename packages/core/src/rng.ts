import seedrandom from 'seedrandom'
import { prngBelow, prngFloat, prngNext, prngSeedState } from './kernels/prng.js'

/**
 * A seeded random stream. Fork one per consumer: a fork depends only on its label path, never on
 * how much the parent has been used, so adding a consumer never shifts another one's draws.
 */
export interface Rng {
  /** The full label path, e.g. `"42/fit/sampler/w1"`. */
  readonly seed: string
  /** A child stream whose seed is `seed + "/" + label`. */
  fork(label: string): Rng
  /** xoshiro128+ state for kernels (`prngNext(rng.state)`); advancing it advances this stream. */
  readonly state: Uint32Array
  /** Next uniform uint32. */
  nextU32(): number
  /** Uniform float in [0, 1). */
  float(): number
  /** Uniform integer in [0, n). */
  below(n: number): number
  /** A copy of the stream at its current position (for checkpoints). */
  clone(): Rng
}

class XoshiroRng implements Rng {
  readonly state = new Uint32Array(4)
  constructor(
    readonly seed: string,
    init = true,
  ) {
    if (init) {
      // seedrandom's ARC4 stream turns an arbitrary string into well-mixed seed words; string
      // seeds are exact (numeric ones would get a NUL terminator), hence the String() in createRng.
      const g = seedrandom(seed)
      prngSeedState(this.state, g.int32(), g.int32(), g.int32(), g.int32())
    }
  }
  fork(label: string): Rng {
    if (label.length === 0) throw new Error('Rng.fork: label must be non-empty')
    return new XoshiroRng(this.seed + '/' + label)
  }
  nextU32(): number {
    return prngNext(this.state)
  }
  float(): number {
    return prngFloat(this.state)
  }
  below(n: number): number {
    return prngBelow(this.state, n)
  }
  clone(): Rng {
    const c = new XoshiroRng(this.seed, false)
    c.state.set(this.state)
    return c
  }
}

/**
 * Creates the root stream for a seed. There is no default: a missing seed is a caller error.
 *
 * @param seed - any string or finite number; `42` and `"42"` give the same stream.
 * @returns a stream whose forks are labelled `seed/label/...`.
 * @example
 * ```ts
 * const rng = createRng(42)
 * const samplerRng = rng.fork('fit').fork('sampler')
 * samplerRng.below(10) // deterministic for seed 42
 * ```
 */
export function createRng(seed: string | number): Rng {
  if (typeof seed === 'number' && !Number.isFinite(seed)) throw new Error(`createRng: seed must be finite, got ${seed}`)
  if (seed === undefined || seed === null || String(seed).length === 0) throw new Error('createRng: a seed is required')
  return new XoshiroRng(String(seed))
}

/**
 * Fisher–Yates shuffle of `arr[0..n)` in place with a kernel state. Allocates nothing.
 */
export function shuffleInPlace(arr: Int32Array | Uint32Array | Float64Array, n: number, state: Uint32Array): void {
  for (let i = n - 1; i > 0; i--) {
    const j = prngBelow(state, i + 1)
    const t = arr[i]
    arr[i] = arr[j]
    arr[j] = t
  }
}
