import { mkdirSync } from 'node:fs';
import { z } from 'zod';
import { DEMO_PERSON, loadConfig } from '@footprint/kit';
import { launchFederation } from './federation.js';
import { seedNewStores } from './seeding.js';
import { Supervisor } from './supervisor.js';
import { mintToken } from './tokens.js';

/**
 * npm start: seeds the demo people into every store that has never held
 * anyone (a first run, a domain added since; on whichever engine), starts
 * the subgraphs on their listed ports and the gateway on :4000, prints a
 * ready-to-paste curl, restarts a service that crashes (with
 * backoff), and stops everything on Ctrl-C. It exits non-zero only when a
 * service could not be started or kept running.
 */
const Env = z.object({
  PORT: z.coerce.number().int().min(1).max(65535).default(4000),
  /** `free`: subgraphs on free ports instead of the listed ones (a second copy beside a running one, tests). */
  FOOTPRINT_START_PORTS: z.enum(['listed', 'free']).default('listed'),
  /** Restarts in a row (crashing again within FOOTPRINT_RESTART_STABLE_MS) before npm start gives up and exits 1. */
  FOOTPRINT_RESTART_MAX: z.coerce.number().int().min(0).max(100).default(5),
  /** First restart delay; it doubles with each restart in a row, up to FOOTPRINT_RESTART_MAX_DELAY_MS. */
  FOOTPRINT_RESTART_DELAY_MS: z.coerce.number().int().min(0).default(1000),
  FOOTPRINT_RESTART_MAX_DELAY_MS: z.coerce.number().int().min(0).default(30_000),
  FOOTPRINT_RESTART_STABLE_MS: z.coerce.number().int().min(0).default(60_000),
});
const parsedEnv = Env.safeParse(process.env);
if (!parsedEnv.success) {
  console.error(`Invalid environment: ${parsedEnv.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  process.exit(1);
}
const env = parsedEnv.data;
const config = loadConfig();
mkdirSync(config.dataDir, { recursive: true });
await seedNewStores({
  dataDir: config.dataDir,
  announce: (domains) => console.log(`Seeding demo data for ${domains.join(', ')} (their stores hold no one yet) …`),
  onProgress: (m) => console.log(`  ${m}`),
}).catch((err: unknown) => {
  console.error(`Could not seed the stores: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

const gatewayPort = env.PORT;
console.log('Starting subgraphs and gateway …');
const federation = await launchFederation({ dataDir: config.dataDir, useListedPorts: env.FOOTPRINT_START_PORTS === 'listed', gatewayPort, stdio: 'inherit' }).catch((err: unknown) => {
  console.error(`Could not start the federation: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
});

const token = config.jwtSecret ? await mintToken(config.jwtSecret, { sub: DEMO_PERSON, ttlSeconds: 8 * 3600 }) : '<a token from your issuer>';
const url = `http://localhost:${gatewayPort}/graphql`;
console.log(`
Footprint is running.
  gateway   ${url}
  privacy   http://localhost:${gatewayPort}/privacy   (the privacy centre: "Use the demo person" signs in)
  desk      http://localhost:${gatewayPort}/privacy/desk   (privacy requests for operators: "Demo operator" signs in)
  health    http://localhost:${gatewayPort}/health
  subgraphs ${[...federation.subgraphs.values()].map((s) => `${s.name}:${s.port}`).join('  ')}
  processes ${[federation.gateway, ...federation.subgraphs.values()].map((s) => `${s.name}=${s.child.pid}`).join('  ')}
  A service that crashes is restarted (backoff from ${env.FOOTPRINT_RESTART_DELAY_MS} ms, at most ${env.FOOTPRINT_RESTART_MAX} times in a row).

Try it (a demo token for person ${DEMO_PERSON}, valid 8 hours):

curl -s ${url} \\
  -H 'content-type: application/json' \\
  -H 'authorization: Bearer ${token}' \\
  -d '{"query":"{ me { id account { profile { nodes { name email meta { category legalBasis retention } } } } orders { discovery { kinds { kind count } } } } }"}'

More tokens: npm run token -- --sub 10000002   |   npm run token -- --operator --scope footprint:read
Press Ctrl-C to stop.
`);

const stamp = () => new Date().toISOString();
let stopping = false;
const stop = (code: number) => {
  if (stopping) return;
  stopping = true;
  supervisor.stop();
  console.log(code === 0 ? '\nStopping …' : 'Stopping the other services …');
  void federation.stop().finally(() => process.exit(code));
};
const supervisor = new Supervisor({
  services: [federation.gateway, ...federation.subgraphs.values()],
  policy: {
    maxRestarts: env.FOOTPRINT_RESTART_MAX,
    baseDelayMs: env.FOOTPRINT_RESTART_DELAY_MS,
    maxDelayMs: env.FOOTPRINT_RESTART_MAX_DELAY_MS,
    stableMs: env.FOOTPRINT_RESTART_STABLE_MS,
  },
  restart: (name) => federation.restart(name),
  log: (line) => console.error(`[${stamp()}] npm start: ${line}`),
  giveUp: (name, why) => {
    console.error(`[${stamp()}] npm start: giving up on ${name}: it ${why}. Exiting with code 1.`);
    stop(1);
  },
});
supervisor.start();
process.on('SIGINT', () => stop(0));
process.on('SIGTERM', () => stop(0));
