import { OPT_ADAGRAD_ROW, accumulatorLength } from '../optim/optim.js'
import { chooseKernel, type KernelOption } from '../wasm/backend.js'
import { createDotWasmLayout, dotWasmArrays, dotWasmCovers, dotWasmSupported, type DotWasmLayout } from './kernels-wasm.js'

/** What MF's `fit` trains: the parameter and optimiser arrays, wherever the chosen kernel wants them. */
export interface MfBackend {
  /**
   * `left`, `right`, `bias` (with biases), `leftAcc`/`rightAcc`/`biasAcc` (Adagrad; with row-wise
   * Adagrad `leftAcc`/`rightAcc` hold one float per row).
   */
  arrays: Record<string, Float32Array>
  /** The WebAssembly layout the arrays are views of, or null (TypeScript kernel). */
  wasm: DotWasmLayout | null
  /** Which kernel runs. */
  kernel: 'wasm' | 'js'
}

/** MF's configuration as the backends see it. */
export interface MfBackendConfig {
  dim: number
  /** Negatives per slot. */
  k: number
  batchSize: number
  rows: number
  numItems: number
  bias: boolean
  /** `LOSS_*` code, `OPT_*` code, 1 for cosine scores. */
  loss: number
  optimizer: number
  /** Adagrad state: per coordinate (`OPT_ADAGRAD`) or per row (`OPT_ADAGRAD_ROW`). */
  adagrad: boolean
  normalize: number
  workers: number
  /** Loss name and flags, for the error when `'wasm'` is forced. */
  lossName: string
}

/**
 * Chooses MF's step kernel (`dotStepRange` or its WebAssembly twin) and allocates the arrays it
 * trains: in the twin's linear memory, or plain `Float32Array`s.
 */
export function mfBackend(kernel: KernelOption | undefined, c: MfBackendConfig): MfBackend {
  const choice = chooseKernel<DotWasmLayout>(kernel, 'fit', {
    covers: dotWasmCovers({ dim: c.dim, loss: c.loss, optimizer: c.optimizer, normalize: c.normalize }),
    supported: dotWasmSupported,
    layout: () =>
      createDotWasmLayout({
        dim: c.dim,
        k: c.k,
        batchSize: c.batchSize,
        rows: c.rows,
        numItems: c.numItems,
        bias: c.bias,
        adagrad: c.adagrad,
        rowwise: c.optimizer === OPT_ADAGRAD_ROW,
        threads: c.workers,
        shared: c.workers >= 2,
      }),
    needs: `WebAssembly SIMD, loss bpr, logistic, gbce or softmax, normalize false, dim a multiple of 4 (got loss ${c.lossName}, normalize ${c.normalize === 1}, dim ${c.dim}) and parameters under 4 GiB`,
  })
  if (choice.layout) return { arrays: dotWasmArrays(choice.layout), wasm: choice.layout, kernel: 'wasm' }
  const arrays: Record<string, Float32Array> = {
    left: new Float32Array(c.rows * c.dim),
    right: new Float32Array(c.numItems * c.dim),
  }
  if (c.bias) arrays.bias = new Float32Array(c.numItems)
  if (c.adagrad) {
    arrays.leftAcc = new Float32Array(accumulatorLength(c.optimizer, c.rows, c.dim))
    arrays.rightAcc = new Float32Array(accumulatorLength(c.optimizer, c.numItems, c.dim))
    if (c.bias) arrays.biasAcc = new Float32Array(c.numItems)
  }
  return { arrays, wasm: null, kernel: 'js' }
}
