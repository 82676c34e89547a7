import { defaultClientConditions, defineConfig } from 'vite'

/**
 * Cross-origin isolation: with these two headers the page gets `crossOriginIsolated === true`, the
 * only way a browser hands out `SharedArrayBuffer`, which multi-threaded training shares its
 * parameters through. Any host serving the built page must send the same two (see README).
 */
const isolation = {
  'Cross-Origin-Opener-Policy': 'same-origin',
  'Cross-Origin-Embedder-Policy': 'require-corp',
}

export default defineConfig({
  // Relative asset URLs, so dist/ can be served from any sub-path.
  base: './',
  // @decoy/* from src/ (the workspace's source condition): the page needs no `pnpm build` first.
  resolve: {
    conditions: ['decoy-source', ...defaultClientConditions],
  },
  server: { headers: isolation },
  preview: { headers: isolation },
  // Pre-bundle the worker's dependencies too (the dev server only scans the page), so the first
  // training in `dev` does not stop to optimise them and reload the page.
  optimizeDeps: { include: ['vega', 'vega-lite', '@decoy/datasets > fflate', '@decoy/core > seedrandom', '@decoy/models > apache-arrow'] },
  // The training worker (and any workers the library starts from it) are ES modules.
  worker: { format: 'es' },
  build: { target: 'es2022', chunkSizeWarningLimit: 2000 },
})
