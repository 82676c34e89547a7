import { defineConfig } from 'tsup'

export default defineConfig({
  // dot-topk-worker.ts is spawned by path (new URL('./dot-topk-worker.js', import.meta.url)), so it is its own entry.
  entry: {
    index: 'src/index.ts',
    arrow: 'src/arrow/index.ts',
    node: 'src/node/index.ts',
    kernels: 'src/kernels/index.ts',
    'dot-topk-worker': 'src/node/dot-topk-worker.ts',
  },
  dts: { entry: { index: 'src/index.ts', arrow: 'src/arrow/index.ts', node: 'src/node/index.ts', kernels: 'src/kernels/index.ts' } },
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
