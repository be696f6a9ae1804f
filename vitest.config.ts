import { defineConfig } from 'vitest/config';

/**
 * Two projects; `npm test` runs both:
 * - unit: modules, in-process stores on temp SQLite (and PostgreSQL where a file says `requires('postgres')`),
 *   subgraphs in process over real HTTP. Spawns no process and seeds nothing globally (`npm run test:unit`).
 * - cross-service: the seeded federation of real processes (global setup) and the tests that start their own
 *   processes: gateways, subgraphs, scripts, workers, HAProxy.
 */
export const UNIT_TESTS = ['i18n/test/**/*.test.ts', 'schema/test/**/*.test.ts', 'kit/test/**/*.test.ts', 'gateway/test/**/*.test.ts', 'subgraphs/*/test/**/*.test.ts', 'test/unit/**/*.test.ts'];

export default defineConfig({
  test: {
    testTimeout: 60_000,
    hookTimeout: 120_000,
    pool: 'forks',
    projects: [
      { extends: true, test: { name: 'unit', include: UNIT_TESTS } },
      {
        extends: true,
        test: { name: 'cross-service', include: ['test/*.test.ts'], globalSetup: ['test/support/global-setup.ts'], setupFiles: ['test/support/service-logs.ts'] },
      },
    ],
  },
});
