/**
 * The TypeScript dot-product scorer every factor model hands to model-aware samplers and
 * rankers (MF, ALS, LightGCN, item2vec's training view): one summation order everywhere, so the
 * same parameters give the same scores whichever model or thread asks.
 */
import type { FactorView } from '@decoy/core'

/**
 * A live {@link FactorView} over dot-product factors: score = left[u]·right[i] + bias[i], or the
 * cosine when `normalize` is 1 (then biases are ignored, as in training). `scoreItems` is the
 * per-pair reference; `scoreBatch` scores (user, item) pairs in one call (TypeScript loop; the
 * training stepper's scorer replaces it by the WebAssembly kernel's `scorePairs`).
 * @remarks `scoreItems` and `scoreBatch` are O(count·dim) and allocate nothing.
 */
export function createDotScorer(left: Float32Array, right: Float32Array, bias: Float32Array, dim: number, normalize: number): FactorView {
  const hasBias = bias.length > 0 && normalize === 0
  const one = new Int32Array(1)
  const oneOut = new Float32Array(1)
  const view: FactorView = {
    dim,
    userFactors: left,
    itemFactors: right,
    scoreBatch(users: Int32Array, items: Int32Array, count: number, out: Float32Array): void {
      if (normalize !== 0) {
        for (let c = 0; c < count; c++) {
          one[0] = items[c]
          view.scoreItems(users[c], one, 1, oneOut)
          out[c] = oneOut[0]
        }
        return
      }
      for (let c = 0; c < count; c++) {
        const item = items[c]
        if (item < 0) {
          out[c] = -Infinity
          continue
        }
        const uo = users[c] * dim
        const io = item * dim
        let d = 0
        for (let f = 0; f < dim; f++) d += left[uo + f] * right[io + f]
        out[c] = hasBias ? d + bias[item] : d
      }
    },
    scoreItems(user: number, items: Int32Array, count: number, out: Float32Array): void {
      const uo = user * dim
      let nu = 1
      if (normalize !== 0) {
        let n2 = 0
        for (let f = 0; f < dim; f++) n2 += left[uo + f] * left[uo + f]
        nu = n2 > 1e-24 ? Math.sqrt(n2) : 1e-12
      }
      for (let c = 0; c < count; c++) {
        const item = items[c]
        if (item < 0) {
          out[c] = -Infinity
          continue
        }
        const io = item * dim
        let d = 0
        if (normalize !== 0) {
          let n2 = 0
          for (let f = 0; f < dim; f++) {
            const q = right[io + f]
            d += left[uo + f] * q
            n2 += q * q
          }
          out[c] = d / (nu * (n2 > 1e-24 ? Math.sqrt(n2) : 1e-12))
        } else {
          for (let f = 0; f < dim; f++) d += left[uo + f] * right[io + f]
          out[c] = hasBias ? d + bias[item] : d
        }
      }
    },
  }
  return view
}
