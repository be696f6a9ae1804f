import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { z } from 'zod';
import { DEMO_PERSON, loadConfig, REPO_ROOT } from '@footprint/kit';
import { launchCluster } from './cluster.js';
import { seedNewStores } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * npm run start:cluster: the scale-out shape on one machine — every store on
 * the PostgreSQL of FOOTPRINT_DATABASE_URL (a schema each), the export queue on
 * REDIS_URL, two gateways behind HAProxy on PORT (4000), two export workers and
 * the eight subgraphs. Seeds the demo people on first run. Ctrl-C stops it all.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  FOOTPRINT_DATABASE_URL: z.string({ error: 'FOOTPRINT_DATABASE_URL must be set: the PostgreSQL every store and gateway shares, e.g. postgres://postgres@127.0.0.1:5432/footprint' }).regex(/^postgres(ql)?:\/\//, 'FOOTPRINT_DATABASE_URL must be a postgres:// URL'),
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'REDIS_URL must be a redis:// URL').default('redis://127.0.0.1:6379'),
  FOOTPRINT_CLUSTER_WORKERS: z.coerce.number().int().min(1).max(16).default(2),
});
const parsed = Env.safeParse(process.env);
if (!parsed.success) {
  console.error(`Invalid environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(1);
}
const env = parsed.data;

const setup = spawnSync(join(REPO_ROOT, 'scripts', 'setup-system.sh'), { stdio: 'inherit' });
if (setup.status !== 0) {
  console.error('HAProxy is missing and could not be installed (scripts/setup-system.sh)');
  process.exit(1);
}

const config = loadConfig();
mkdirSync(config.dataDir, { recursive: true });
await seedNewStores({
  dataDir: config.dataDir,
  announce: (domains) => console.log(`Seeding demo data for ${domains.join(', ')} into PostgreSQL (their stores hold no one yet) …`),
  onProgress: (m) => console.log(`  ${m}`),
}).catch((err: unknown) => {
  console.error(`Cannot seed the stores at FOOTPRINT_DATABASE_URL: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

const exportDir = process.env.FOOTPRINT_EXPORT_DIR ?? join(config.dataDir, 'exports');
if (!existsSync(exportDir)) mkdirSync(exportDir, { recursive: true });
console.log('Starting subgraphs, two gateways, HAProxy and the export workers …');
const cluster = await launchCluster({
  dataDir: config.dataDir,
  exportDir,
  port: env.PORT,
  workers: env.FOOTPRINT_CLUSTER_WORKERS,
  env: { FOOTPRINT_DATABASE_URL: env.FOOTPRINT_DATABASE_URL, REDIS_URL: env.REDIS_URL },
  stdio: 'inherit',
}).catch((err: unknown) => {
  console.error(`Could not start the cluster: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});
const token = config.jwtSecret ? await mintToken(config.jwtSecret, { sub: DEMO_PERSON, ttlSeconds: 8 * 3600 }) : '<a token from your issuer>';
console.log(`
Footprint cluster is running.
  balancer  http://localhost:${env.PORT}/graphql   (HAProxy, deploy/haproxy/footprint.cfg)
  gateways  ${cluster.gateways.map((g) => `http://127.0.0.1:${g.port}/graphql`).join('  ')}
  workers   ${cluster.workers.length} (npm run worker) on ${env.REDIS_URL}
  stores    ${env.FOOTPRINT_DATABASE_URL.replace(/\/\/[^@/]*@/, '//…@')} (a schema per store)
  archives  ${exportDir}

curl -s localhost:${env.PORT}/graphql -H 'content-type: application/json' -H 'authorization: Bearer ${token}' -d '{"query":"mutation { requestExport { id state } }"}'
`);
let stopping = false;
const shutdown = () => {
  if (stopping) return;
  stopping = true;
  void cluster.stop().finally(() => process.exit(0));
};
process.on('SIGINT', shutdown);
process.on('SIGTERM', shutdown);
