/**
 * Batched candidate scoring (`Scorer.scoreBatch`) against its per-pair reference (`scoreItems`):
 * the pairs the samplers lay out, the reference, and the agreement check shared by the models' tests.
 */
import type { Scorer } from '@decoy/core'
import { prngBelow } from '@decoy/core/kernels'
import { expect } from 'vitest'

/**
 * `count` (user, item) pairs in runs of one user, as model-aware samplers lay out candidates (a new
 * user at every 16th pair and at one pair in ten), about one item in twenty masked (−1).
 */
export function candidatePairs(
  st: Uint32Array,
  count: number,
  numUsers: number,
  numItems: number,
): { users: Int32Array; items: Int32Array } {
  const users = new Int32Array(count)
  const items = new Int32Array(count)
  for (let c = 0; c < count; c++) {
    users[c] = c % 16 === 0 || prngBelow(st, 10) === 0 ? prngBelow(st, numUsers) : users[c - 1]
    items[c] = prngBelow(st, 20) === 0 ? -1 : prngBelow(st, numItems)
  }
  return { users, items }
}

/** The reference: `scoreItems` one pair at a time, masked items passed on as they are (the scorer must give −∞). */
export function scoreItemsOneByOne(s: Scorer, users: Int32Array, items: Int32Array, count: number): Float32Array {
  const out = new Float32Array(count)
  const one = new Int32Array(1)
  const x = new Float32Array(1)
  for (let c = 0; c < count; c++) {
    one[0] = items[c]
    s.scoreItems(users[c], one, 1, x)
    out[c] = x[0]
  }
  return out
}

/**
 * Expects `got` to agree with `want` pair by pair: −∞ exactly where `want` is −∞, else within
 * `relative`·(1 + |want|) (float32 rounding of differently ordered sums). With `someMasked`, at least
 * one pair must be masked, so that the check of −∞ is not vacuous.
 */
export function expectScoresAgree(got: Float32Array, want: Float32Array, relative: number, someMasked = false): void {
  let masked = 0
  for (let c = 0; c < want.length; c++) {
    if (want[c] === -Infinity) {
      expect(got[c], `pair ${c}`).toBe(-Infinity)
      masked++
    } else expect(Math.abs(got[c] - want[c]), `pair ${c}: ${got[c]} vs ${want[c]}`).toBeLessThan(relative * (1 + Math.abs(want[c])))
  }
  if (someMasked) expect(masked).toBeGreaterThan(0)
}
