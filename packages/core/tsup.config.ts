import { defineConfig } from 'tsup'

export default defineConfig({
  // One output file per source file (dist/ mirrors src/), not bundled, so that with
  // `sideEffects: false` a page's bundler drops the modules it does not use (see
  // packages/models/tsup.config.ts). dot-topk-worker.js is spawned by path, beside its runner.
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  bundle: false,
  dts: { entry: { index: 'src/index.ts', arrow: 'src/arrow/index.ts', node: 'src/node/index.ts', kernels: 'src/kernels/index.ts' } },
  format: ['esm'],
  target: 'es2022',
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
