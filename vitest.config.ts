import { defineConfig } from 'vitest/config'
import { defaultServerConditions } from 'vite'

export default defineConfig({
  // Resolve @decoy/* to src/ in tests, so `pnpm test` needs no build.
  resolve: { conditions: ['decoy-source'] },
  ssr: { resolve: { conditions: ['decoy-source', ...defaultServerConditions] } },
  test: {
    include: ['packages/*/src/**/*.test.ts', 'test/**/*.test.ts', 'examples/*/**/*.test.ts'],
    testTimeout: 120_000,
    hookTimeout: 120_000,
  },
})
