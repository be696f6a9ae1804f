import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@footprint/schema';

/** The gateway's privacy request seeder (gateway/src/requests/seed.ts), loaded from its build. */
export interface RequestSeedModule {
  seedRequests(opts: { dataDir: string; count: number; people?: number; now?: Date; onProgress?: (msg: string) => void }): Promise<{ requests: number; events: number }>;
}

export async function loadRequestSeeder(): Promise<RequestSeedModule> {
  return (await import(pathToFileURL(join(REPO_ROOT, 'gateway', 'dist', 'requests', 'seed.js')).href)) as RequestSeedModule;
}
