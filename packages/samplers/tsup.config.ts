import { defineConfig } from 'tsup'

export default defineConfig({
  // One output file per source file, not bundled, so that with `sideEffects: false` a page's
  // bundler drops the samplers it does not use (see packages/models/tsup.config.ts).
  entry: ['src/**/*.ts', '!src/**/*.test.ts'],
  bundle: false,
  format: ['esm'],
  target: 'es2022',
  dts: { entry: { index: 'src/index.ts', registry: 'src/registry.ts' } },
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
