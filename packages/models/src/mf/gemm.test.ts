import { readFileSync } from 'node:fs'
import { fileURLToPath } from 'node:url'
import { describe, expect, it } from 'vitest'
import { createRng } from '@decoy/core'
import { prngNormal } from '@decoy/core/kernels'
import { GemmArena, gemmRef, gemmWasmSupported } from './gemm.js'

function fill(a: Float32Array, from: number, count: number, seed: string): void {
  const st = createRng(seed).state
  for (let i = 0; i < count; i++) a[from + i] = prngNormal(st)
}

describe('GEMM kernel', () => {
  it('is the assembly of mf/wasm/gemm.wat (run `pnpm --filter @decoy/models build:wasm` after editing it)', async () => {
    const script = fileURLToPath(new URL('../../scripts/build-wasm.mjs', import.meta.url))
    const { moduleText } = (await import(/* @vite-ignore */ script)) as { moduleText(name?: string): Promise<string> }
    const committed = readFileSync(fileURLToPath(new URL('./wasm/gemm-module.ts', import.meta.url)), 'utf8')
    expect(committed).toBe(await moduleText('gemm'))
  })

  // Shapes covering the 4×8 tiles, the 4×4 column edge and the row tail; A plain and transposed.
  for (const [m, n, k] of [
    [4, 8, 4],
    [7, 12, 5],
    [13, 36, 64],
    [1, 4, 1],
    [9, 1028, 17],
    [64, 64, 130],
  ] as const) {
    for (const trans of [false, true]) {
      it(`matches the scalar reference at m ${m}, n ${n}, k ${k}${trans ? ', A transposed' : ''}, overwrite and accumulate`, () => {
        expect(gemmWasmSupported()).toBe(true)
        const g = new GemmArena(true)
        const ref = new GemmArena(false)
        // A is m×k (or stored k×m when transposed), B k×n, C m×n with padded strides.
        const lda = trans ? m + 3 : k + 2
        const ldb = n + 4
        const ldc = n + 8
        for (const arena of [g, ref]) {
          const [a, b, c] = arena.reserve([(trans ? k : m) * lda, k * ldb, m * ldc])
          fill(arena.f32, a, (trans ? k : m) * lda, 'A')
          fill(arena.f32, b, k * ldb, 'B')
          fill(arena.f32, c, m * ldc, 'C')
        }
        const [a, b, c] = g.reserve([(trans ? k : m) * lda, k * ldb, m * ldc])
        const aRow = trans ? 4 : lda * 4
        const aCol = trans ? lda * 4 : 4
        for (const acc of [0, 1]) {
          g.gemm(a * 4, aRow, aCol, b * 4, ldb * 4, c * 4, ldc * 4, m, n, k, acc)
          ref.gemm(a * 4, aRow, aCol, b * 4, ldb * 4, c * 4, ldc * 4, m, n, k, acc)
          // A plain float64 loop as the independent reference.
          for (let i = 0; i < m; i++) {
            for (let j = 0; j < ldc; j++) {
              const got = g.f32[c + i * ldc + j]
              expect(got).toBe(ref.f32[c + i * ldc + j]) // same f32 sums in the same order
              if (j >= n) continue
              let s = 0
              for (let f = 0; f < k; f++) s += ref.f32[a + (trans ? f * lda + i : i * lda + f)] * ref.f32[b + f * ldb + j]
              if (acc === 0) expect(Math.abs(got - s)).toBeLessThan(1e-4 * (1 + Math.abs(s)) * Math.sqrt(k))
            }
          }
        }
      })
    }
  }

  it('refuses n not a multiple of 4, and gemmRef writes nothing outside C', () => {
    const g = new GemmArena(false)
    expect(() => g.gemm(0, 16, 4, 0, 16, 0, 16, 1, 3, 1, 0)).toThrow(/multiple of 4/)
    const mem = new Float32Array(64).fill(1)
    gemmRef(mem, 0, 16, 4, 64, 16, 128, 16, 1, 4, 4, 0)
    expect([...mem.subarray(32, 36)]).toEqual([4, 4, 4, 4])
    expect(mem[36]).toBe(1)
  })

  it('softmaxRow: z = s·invT − lqc, e^{z − max} to f32 accuracy, −∞ entries give exactly 0; scaleRow scales', () => {
    const g = new GemmArena(true)
    const n = 1028
    const [row, lqc, out] = g.reserve([n, n, 4])
    const st = createRng('softmax-row').state
    const s = new Float64Array(n)
    for (let j = 0; j < n; j++) {
      s[j] = j % 97 === 5 ? -Infinity : 8 * prngNormal(st)
      g.f32[row + j] = s[j]
      g.f32[lqc + j] = prngNormal(st)
    }
    const invT = 1.7
    const z = Array.from(s, (_v, j) => Math.fround(Math.fround(g.f32[row + j] * Math.fround(invT)) - g.f32[lqc + j]))
    const zmax = Math.max(...z)
    const sum = g.softmaxRow(row, lqc, n, invT, out)
    expect(g.f32[out]).toBe(zmax)
    let want = 0
    for (let j = 0; j < n; j++) {
      const e = Math.exp(z[j] - zmax)
      want += e
      if (s[j] === -Infinity) expect(g.f32[row + j]).toBe(0)
      // f32 rounding of z − max (an ulp of |x| in the exponent) plus the polynomial and Horner rounding.
      else {
        const bound = (4e-7 + 1.2e-7 * Math.abs(z[j] - zmax)) * e + 1e-38
        expect(Math.abs(g.f32[row + j] - e), `j ${j} x ${z[j] - zmax} e ${e}`).toBeLessThanOrEqual(bound)
      }
    }
    expect(Math.abs(sum - want) / want).toBeLessThan(1e-5)
    g.scaleRow(row, n, 2)
    expect(g.f32[row + 1]).toBeCloseTo(2 * Math.exp(z[1] - zmax), 5)
  })
})
