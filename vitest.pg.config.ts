import { defineConfig } from 'vitest/config';
import base from './vitest.config.js';

/**
 * `npm run test:pg`: the conformance suite, corrections and the store layer again with every store on PostgreSQL.
 * Exact files (a CLI filter is a substring and would also pick up each subgraph's own corrections tests);
 * the base settings otherwise (mergeConfig would concatenate the include lists).
 */
export default defineConfig({ test: { ...base.test, include: ['test/conformance.test.ts', 'test/corrections.test.ts', 'test/postgres-stores.test.ts'] } });
