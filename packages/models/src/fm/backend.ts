import { chooseKernel, type KernelOption } from '../wasm/backend.js'
import { createFmWasmLayout, fmWasmArrays, fmWasmCovers, fmWasmSupported, type FmWasmLayout } from './kernels-wasm.js'
import type { FeatureRows } from './features.js'

/** What FM's `fit` trains: the parameters and optimiser state, wherever the chosen kernel wants them. */
export interface FmBackend {
  /** `w0`, `w`, `V` (initialised values moved in), `w0Acc`/`wAcc`/`VAcc` (Adagrad). */
  arrays: Record<string, Float32Array>
  /** The WebAssembly layout the arrays are views of, or null (TypeScript kernel). */
  wasm: FmWasmLayout | null
  /** Which kernel runs. */
  kernel: 'wasm' | 'js'
}

/** FM's configuration as the backends see it. */
export interface FmBackendConfig {
  dim: number
  /** Negatives per slot. */
  k: number
  batchSize: number
  /** `LOSS_*` and `OPT_*` codes. */
  loss: number
  optimizer: number
  adagrad: boolean
  workers: number
  /** The training rows of each side. */
  users: FeatureRows
  items: FeatureRows
  /** Names, for the error when `'wasm'` is forced. */
  lossName: string
  optimizerName: string
}

/**
 * Chooses FM's step kernel (`fmStepRange` or its WebAssembly twin) and places the initialised
 * parameters `w0`, `w`, `V` where it trains them: copied into the twin's memory, or as they are.
 */
export function fmBackend(
  kernel: KernelOption | undefined,
  c: FmBackendConfig,
  params: { w0: Float32Array; w: Float32Array; V: Float32Array },
): FmBackend {
  const choice = chooseKernel<FmWasmLayout>(kernel, 'fit', {
    covers: fmWasmCovers({ dim: c.dim, loss: c.loss, optimizer: c.optimizer }),
    supported: fmWasmSupported,
    layout: () =>
      createFmWasmLayout({
        dim: c.dim,
        k: c.k,
        batchSize: c.batchSize,
        numFeatures: params.w.length,
        adagrad: c.adagrad,
        uPtr: c.users.indptr,
        uFeat: c.users.features,
        uVal: c.users.values,
        iPtr: c.items.indptr,
        iFeat: c.items.features,
        iVal: c.items.values,
        threads: c.workers,
        shared: c.workers >= 2,
      }),
    needs: `WebAssembly SIMD, loss bpr, logistic, gbce or softmax, optimizer sgd or adagrad, dim a multiple of 4 (got loss ${c.lossName}, optimizer ${c.optimizerName}, dim ${c.dim}) and parameters under 4 GiB`,
  })
  if (choice.layout) {
    const arrays = fmWasmArrays(choice.layout)
    arrays.w0.set(params.w0)
    arrays.w.set(params.w)
    arrays.V.set(params.V)
    return { arrays, wasm: choice.layout, kernel: 'wasm' }
  }
  const arrays: Record<string, Float32Array> = { w0: params.w0, w: params.w, V: params.V }
  if (c.adagrad) {
    arrays.w0Acc = new Float32Array(1)
    arrays.wAcc = new Float32Array(params.w.length)
    arrays.VAcc = new Float32Array(params.V.length)
  }
  return { arrays, wasm: null, kernel: 'js' }
}
