import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { DEMO_PERSON, listSubgraphs, loadConfig } from '@footprint/schema';
import { launchFederation } from './federation.js';
import { seedAll } from './seeding.js';
import { mintToken } from './tokens.js';

/**
 * npm start: seeds the embedded stores on first run (and any domain added
 * since), starts the seven subgraphs on their listed ports and the gateway on
 * :4000, prints a ready-to-paste curl, and stops everything on Ctrl-C.
 */
const config = loadConfig();
mkdirSync(config.dataDir, { recursive: true });
const marker = join(config.dataDir, '.seeded.json');
const seeded: string[] = existsSync(marker) ? (JSON.parse(readFileSync(marker, 'utf8')) as { domains: string[] }).domains : [];
const missing = listSubgraphs()
  .map((s) => s.name)
  .filter((n) => !seeded.includes(n));
if (missing.length > 0) {
  console.log(`Seeding demo data for ${missing.join(', ')} into ${config.dataDir} …`);
  await seedAll({ dataDir: config.dataDir, only: missing, onProgress: (m) => console.log(`  ${m}`) });
  writeFileSync(marker, JSON.stringify({ domains: [...seeded, ...missing] }));
}

const gatewayPort = Number(process.env.PORT ?? 4000);
console.log('Starting subgraphs and gateway …');
const federation = await launchFederation({ dataDir: config.dataDir, useListedPorts: true, gatewayPort, stdio: 'inherit' }).catch((err: unknown) => {
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

Try it (a demo token for person ${DEMO_PERSON}, valid 8 hours):

curl -s ${url} \\
  -H 'content-type: application/json' \\
  -H 'authorization: Bearer ${token}' \\
  -d '{"query":"{ me { id account { profile { nodes { name email meta { category legalBasis retention } } } } orders { discovery { kinds { kind count } } } } }"}'

More tokens: npm run token -- --sub 10000002   |   npm run token -- --operator --scope footprint:read
Press Ctrl-C to stop.
`);

let stopping = false;
const stop = () => {
  if (stopping) return;
  stopping = true;
  console.log('\nStopping …');
  void federation.stop().finally(() => process.exit(0));
};
process.on('SIGINT', stop);
process.on('SIGTERM', stop);
for (const p of [federation.gateway, ...federation.subgraphs.values()]) {
  p.child.once('exit', (code) => {
    if (stopping) return;
    console.error(`${p.name} exited (code ${code}); stopping the rest`);
    stop();
  });
}
