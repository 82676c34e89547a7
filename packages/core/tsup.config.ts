import { defineConfig } from 'tsup'

export default defineConfig({
  entry: { index: 'src/index.ts', arrow: 'src/arrow/index.ts', node: 'src/node/index.ts', kernels: 'src/kernels/index.ts' },
  format: ['esm'],
  target: 'es2022',
  dts: true,
  sourcemap: true,
  clean: true,
  tsconfig: 'tsconfig.build.json',
})
