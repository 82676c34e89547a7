import { defineConfig } from 'tsup'

export default defineConfig({
  // One output file per source file (dist/ mirrors src/), not bundled: with `sideEffects: false`
  // a page's bundler then drops every module it does not use, as from source (an MF-only page
  // does not carry the other models, apache-arrow or the workers). The workers are spawned by path,
  // `new URL('./worker.js', import.meta.url)` beside their runner, which this layout keeps.
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  bundle: false,
  format: ['esm'],
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts', kernels: 'src/kernels.ts', browser: 'src/browser.ts', node: 'src/node/index.ts' } },
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
