import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '@footprint/kit';
import { loadRequestSeeder } from './requests-seed.js';
import { resetStore, seedAll } from './seeding.js';

/**
 * npm run seed [-- --heavy] [--users N] [--requests N]: rewrites the demo data of every domain;
 * --requests adds N privacy requests to the gateway's store (for the desk and its benchmark).
 */
const { values } = parseArgs({ options: { heavy: { type: 'boolean', default: false }, users: { type: 'string', default: '0' }, requests: { type: 'string', default: '0' } } });
const users = z.coerce.number().int().min(0).max(1_000_000).safeParse(values.users);
if (!users.success) {
  console.error('--users takes a whole number from 0 to 1000000');
  process.exit(2);
}
const requests = z.coerce.number().int().min(0).max(10_000_000).safeParse(values.requests);
if (!requests.success) {
  console.error('--requests takes a whole number from 0 to 10000000');
  process.exit(2);
}
const { dataDir } = loadConfig();
const started = Date.now();
const result = await seedAll({ dataDir, heavy: values.heavy, users: users.data, onProgress: (m) => console.log(m) });
// The gateway's own records (audit log, export and erasure jobs, erased accounts) were about the data just replaced:
// an account erased before would otherwise stay refused although its demo data is back.
await resetStore('gateway', dataDir);
console.log('reset the gateway store (audit log, export and erasure jobs, erased accounts)');
console.log(`seeded ${result.people} people in ${result.domains.length} domains into ${dataDir} in ${((Date.now() - started) / 1000).toFixed(1)} s`);
if (requests.data > 0) {
  const t = Date.now();
  const { seedRequests } = await loadRequestSeeder();
  const r = await seedRequests({ dataDir, count: requests.data, people: Math.max(users.data, 5000), onProgress: (m) => console.log(m) });
  console.log(`added ${r.requests} privacy requests (${r.events} timeline entries) to ${dataDir}/gateway.db in ${((Date.now() - t) / 1000).toFixed(1)} s`);
}
