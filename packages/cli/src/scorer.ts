import type { FactorView } from '@decoy/core'
import { checkAllocation, createRng } from '@decoy/core'
import { dot, prngNormal } from '@decoy/core/kernels'

/**
 * A seeded random-factor dot-product model, lent to model-aware samplers by `decoy sample` when no
 * trained model is given: factors ~ N(0, 1/dim), score(u, i) = ⟨p_u, q_i⟩.
 *
 * @param numUsers - users.
 * @param numItems - items.
 * @param dim - factor dimension.
 * @param seed - seed; the factors come from `createRng(seed).fork('random-factors')`.
 * @returns a {@link FactorView}.
 * @remarks Allocates `(numUsers + numItems) · dim` floats; `scoreItems` allocates nothing.
 */
export function randomFactorView(numUsers: number, numItems: number, dim: number, seed: string | number): FactorView {
  const factors = { what: 'the factors', elements: (numUsers + numItems) * dim, bytesPer: 4 }
  checkAllocation(`random factors of dim ${dim} for ${numUsers} users × ${numItems} items`, [factors], 'lower --factors')
  const state = createRng(seed).fork('random-factors').state
  const userFactors = new Float32Array(numUsers * dim)
  const itemFactors = new Float32Array(numItems * dim)
  const sd = 1 / Math.sqrt(dim)
  for (let j = 0; j < userFactors.length; j++) userFactors[j] = prngNormal(state) * sd
  for (let j = 0; j < itemFactors.length; j++) itemFactors[j] = prngNormal(state) * sd
  return {
    dim,
    userFactors,
    itemFactors,
    scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
      const uo = user * dim
      for (let j = 0; j < count; j++) {
        const it = items[j]
        out[j] = it >= 0 && it < numItems ? dot(userFactors, uo, itemFactors, it * dim, dim) : -Infinity
      }
    },
  }
}
