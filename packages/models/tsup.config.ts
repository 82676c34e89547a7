import { defineConfig } from 'tsup'

export default defineConfig({
  // worker.ts is spawned by path (new URL('./worker.js', import.meta.url)), so it is its own entry.
  entry: {
    index: 'src/index.ts',
    kernels: 'src/kernels.ts',
    node: 'src/node/index.ts',
    worker: 'src/node/worker.ts',
    'item2vec-worker': 'src/item2vec/worker.ts',
    'als-worker': 'src/als/worker.ts',
    'lightgcn-worker': 'src/lightgcn/worker.ts',
  },
  format: ['esm'],
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts', kernels: 'src/kernels.ts', node: 'src/node/index.ts' } },
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
