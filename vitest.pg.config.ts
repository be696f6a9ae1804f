import { defineConfig } from 'vitest/config';

/**
 * `npm run test:pg`: the conformance suite, legal holds, corrections, the store layer and the discovery summary, retained fields again with every store on PostgreSQL
 * (FOOTPRINT_TEST_ENGINE=postgres). Exact files (a CLI filter is a substring and would also pick up each
 * subgraph's own corrections tests). No global federation: each of these files starts what it uses.
 */
export default defineConfig({
  test: {
    include: ['test/unit/conformance.test.ts', 'test/corrections.test.ts', 'test/postgres-stores.test.ts', 'test/unit/discovery-summary.test.ts', 'test/unit/legal-holds.test.ts', 'test/unit/retained-fields.test.ts', 'test/unit/consent-across-domains.test.ts'],
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    setupFiles: ['test/support/service-logs.ts'],
  },
});
