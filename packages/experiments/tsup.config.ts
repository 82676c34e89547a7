import { defineConfig } from 'tsup'

export default defineConfig({
  // cell-worker.ts is spawned by path (new URL('./cell-worker.js', import.meta.url)), so it is its own entry.
  entry: { index: 'src/index.ts', 'cell-worker': 'src/cell-worker.ts', 'tune-worker': 'src/tune-worker.ts' },
  format: ['esm'],
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts' } },
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
