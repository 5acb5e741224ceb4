import { defineConfig } from 'vitest/config';

// Browser end-to-end tests: the built demo page (apps/web/dist) in Debian's headless Chromium,
// driven by playwright-core, against the real fixtures. One browser, so one file at a time.
//
// The Node reference side imports workspace packages from their TypeScript sources: they are
// inlined (not handed to Node's own loader, which would pick dist/) and resolved with "source".
export default defineConfig({
  resolve: { conditions: ['source'] },
  ssr: { resolve: { conditions: ['source'], externalConditions: ['source'] } },
  test: {
    include: ['packages/*/test/**/*.e2e.test.ts', 'apps/*/test/**/*.e2e.test.ts'],
    exclude: ['**/node_modules/**', '**/dist/**'],
    testTimeout: 120_000,
    hookTimeout: 180_000,
    pool: 'forks',
    fileParallelism: false,
    server: { deps: { inline: [/^savedkeras$/, /^@savedkeras\//, /\/packages\/[^/]+\/src\//] } },
  },
});
