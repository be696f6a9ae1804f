import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { TestProject } from 'vitest/node';
import { launchFederation } from '@footprint/scripts/federation';
import { seedAll } from '@footprint/scripts/seeding';
import { isolateStores, TEST_ENGINE } from './engine.js';

declare module 'vitest' {
  export interface ProvidedContext {
    gatewayUrl: string;
    subgraphUrls: Record<string, string>;
    dataDir: string;
    engine: 'sqlite' | 'postgres';
  }
}

/**
 * One federation for the cross-service tests: every subgraph and the gateway
 * as real processes over fresh SQLite files (or one PostgreSQL database), seeded with the demo people and
 * the heavy person. Tests that stop a service start their own.
 */
export default async function setup(project: TestProject) {
  const dataDir = mkdtempSync(join(tmpdir(), 'footprint-fed-'));
  // FOOTPRINT_TEST_ENGINE=postgres: every store in a database of this run's (test files inherit its URL).
  const dropDatabase = await isolateStores('federation');
  // The consent sync (gateway FOOTPRINT_CONSENT_SYNC_MS) would carry the demo people's settings withdrawals into every domain,
  // erasing what was kept until withdrawn, while files count their seeded records: these federations (the files' own too,
  // they inherit it) leave it off; test/unit/consent-across-domains.test.ts runs it.
  process.env.FOOTPRINT_CONSENT_SYNC_MS ??= '0';
  await seedAll({ dataDir, heavy: true });
  // Many test files read through this one gateway at once: its admission budget is lifted so that one file's reads are
  // not refused for another's (test/load.test.ts tests admission on a gateway of its own).
  const federation = await launchFederation({ dataDir, env: { LOG_LEVEL: 'warn', FOOTPRINT_ADMISSION_RECORDS: '10000000' }, stdio: 'inherit' });
  project.provide('gatewayUrl', federation.gatewayUrl);
  project.provide('subgraphUrls', Object.fromEntries([...federation.subgraphs.values()].map((s) => [s.name, s.url])));
  project.provide('dataDir', dataDir);
  project.provide('engine', TEST_ENGINE);
  return async () => {
    await federation.stop();
    await dropDatabase();
    rmSync(dataDir, { recursive: true, force: true });
  };
}
