/**
 * The two half-sweeps of implicit ALS behind one small interface, run by the TypeScript reference
 * kernels (`cg.ts`, `cholesky.ts`) or their WebAssembly twins (`cg-wasm.ts`). A half-sweep builds
 * the Gram matrix of the fixed side once, then solves every row of the other side.
 */
import { cgRows, cgScratch, gram, type CgScratch } from './cg.js'
import { choleskyRows } from './cholesky.js'
import type { ConfidenceCsr } from './csr.js'
import { AlsWasmKernel, alsWasmArrays, type AlsWasmLayout } from './cg-wasm.js'

/** Row solver: warm-started conjugate gradient, or the exact Cholesky solve. */
export type AlsSolver = 'cg' | 'cholesky'

/** Runs half-sweeps over factors it owns. */
export interface AlsEngine {
  /** `'wasm'` or `'js'`. */
  readonly kernel: 'wasm' | 'js'
  /** `[numUsers*dim]`, live. */
  readonly userFactors: Float32Array
  /** `[numItems*dim]`, live. */
  readonly itemFactors: Float32Array
  /** Re-solves every row of `side` against the other side's factors (a promise with worker threads). */
  halfSweep(side: 'users' | 'items', reg: number, cgSteps: number): void | Promise<void>
  /**
   * A half-sweep in pieces, for single-thread engines (so `fit` can report progress and yield
   * between row blocks): `prepare` builds the Gram matrix of the fixed side, then `solveRows`
   * solves rows `[start, end)`; the pieces over all rows equal `halfSweep`.
   */
  readonly rows?: {
    prepare(side: 'users' | 'items', reg: number): void
    solve(side: 'users' | 'items', start: number, end: number, cgSteps: number): void
  }
  /** Stops the engine's worker threads, if any. */
  close?(): Promise<void>
}

/** The TypeScript engine (float64 accumulation); the only one with the Cholesky solver. */
export function createJsEngine(users: ConfidenceCsr, items: ConfidenceCsr, dim: number, solver: AlsSolver): AlsEngine {
  const userFactors = new Float32Array(users.rows * dim)
  const itemFactors = new Float32Array(items.rows * dim)
  const G = new Float64Array(dim * dim)
  const s: CgScratch = cgScratch(dim)
  const A = solver === 'cholesky' ? new Float64Array(dim * dim) : new Float64Array(0)
  const b = new Float64Array(dim)
  const rows = {
    prepare(side: 'users' | 'items', reg: number): void {
      const Y = side === 'users' ? itemFactors : userFactors
      gram(Y, Y.length / dim, dim, reg, G)
    },
    solve(side: 'users' | 'items', start: number, end: number, cgSteps: number): void {
      const X = side === 'users' ? userFactors : itemFactors
      const Y = side === 'users' ? itemFactors : userFactors
      const c = side === 'users' ? users : items
      if (solver === 'cholesky') choleskyRows(G, X, Y, dim, c.indptr, c.indices, c.conf, start, end, A, b)
      else cgRows(G, X, Y, dim, c.indptr, c.indices, c.conf, start, end, cgSteps, s)
    },
  }
  return {
    kernel: 'js',
    userFactors,
    itemFactors,
    rows,
    halfSweep(side, reg, cgSteps) {
      rows.prepare(side, reg)
      rows.solve(side, 0, side === 'users' ? users.rows : items.rows, cgSteps)
    },
  }
}

/** The WebAssembly engine over a shared layout, rows split across a pool of worker threads. */
export function createPoolEngine(
  layout: AlsWasmLayout,
  pool: { halfSweep(side: 'users' | 'items', reg: number, steps: number): Promise<void>; close(): Promise<void> },
): AlsEngine {
  const { userFactors, itemFactors } = alsWasmArrays(layout)
  return {
    kernel: 'wasm',
    userFactors,
    itemFactors,
    halfSweep: (side, reg, cgSteps) => pool.halfSweep(side, reg, cgSteps),
    close: () => pool.close(),
  }
}

/** The WebAssembly engine over a layout (one thread, slot 0). */
export function createWasmEngine(layout: AlsWasmLayout): AlsEngine {
  const k = new AlsWasmKernel(layout, 0)
  const { userFactors, itemFactors } = alsWasmArrays(layout)
  return {
    kernel: 'wasm',
    userFactors,
    itemFactors,
    rows: {
      prepare: (side, reg) => k.gram(side, reg),
      solve: (side, start, end, cgSteps) => k.solve(side, start, end, cgSteps),
    },
    halfSweep(side, reg, cgSteps) {
      k.gram(side, reg)
      k.solve(side, 0, side === 'users' ? layout.numUsers : layout.numItems, cgSteps)
    },
  }
}

/**
 * implicit's training loss: Σ_u,i c_ui (p_ui − x_u·y_i)² + reg·(|X|² + |Y|²), divided by the
 * total confidence (Σ c over observed entries plus one per unobserved entry). Float64.
 * @param users - the user-major confidence matrix.
 * @remarks O(users·dim² + items·dim² + nnz·dim): about a third of an iteration; allocates O(dim²).
 */
export function alsLoss(users: ConfidenceCsr, numItems: number, X: Float32Array, Y: Float32Array, dim: number, reg: number): number {
  const G = new Float64Array(dim * dim)
  gram(Y, numItems, dim, 0, G)
  let loss = 0
  let total = 0
  let userNorm = 0
  let itemNorm = 0
  for (let u = 0; u < users.rows; u++) {
    const xo = u * dim
    // Σ over every item of (x·y_i)² = xᵀ G x; observed entries then correct it.
    let q = 0
    for (let a = 0; a < dim; a++) {
      let t = 0
      for (let b = 0; b < dim; b++) t += G[a * dim + b] * X[xo + b]
      q += t * X[xo + a]
      userNorm += X[xo + a] * X[xo + a]
    }
    loss += q
    for (let p = users.indptr[u]; p < users.indptr[u + 1]; p++) {
      const yo = users.indices[p] * dim
      const c = users.conf[p]
      let d = 0
      for (let f = 0; f < dim; f++) d += X[xo + f] * Y[yo + f]
      // c(1 − d)² replaces the d² counted above.
      loss += c * (1 - d) * (1 - d) - d * d
      total += c
    }
  }
  for (let e = 0; e < numItems * dim; e++) itemNorm += Y[e] * Y[e]
  const nnz = users.indptr[users.rows]
  total += users.rows * numItems - nnz
  return (loss + reg * (userNorm + itemNorm)) / total
}
