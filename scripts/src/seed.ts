import { parseArgs } from 'node:util';
import { z } from 'zod';
import { loadConfig } from '@footprint/schema';
import { resetStore, seedAll } from './seeding.js';

/** npm run seed [-- --heavy] [--users N]: rewrites the demo data of every domain. */
const { values } = parseArgs({ options: { heavy: { type: 'boolean', default: false }, users: { type: 'string', default: '0' } } });
const users = z.coerce.number().int().min(0).max(1_000_000).safeParse(values.users);
if (!users.success) {
  console.error('--users takes a whole number from 0 to 1000000');
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
