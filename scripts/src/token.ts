import { parseArgs } from 'node:util';
import { z } from 'zod';
import { isPersonId } from '@footprint/schema';
import { DEMO_PERSON, loadConfig } from '@footprint/kit';
import { mintToken } from './tokens.js';

/**
 * npm run token -- --sub 10000001
 * npm run token -- --operator --scope footprint:read [--sub ops-alice] [--ttl 3600]
 */
const { values } = parseArgs({
  options: {
    sub: { type: 'string' },
    operator: { type: 'boolean', default: false },
    scope: { type: 'string', multiple: true, default: [] },
    ttl: { type: 'string', default: '3600' },
  },
});
const ttl = z.coerce.number().int().min(1).max(86_400).safeParse(values.ttl);
if (!ttl.success) {
  console.error('--ttl takes seconds, from 1 to 86400');
  process.exit(2);
}
const config = loadConfig();
if (!config.jwtSecret) {
  console.error('This gateway verifies tokens with FOOTPRINT_JWKS_URL; mint tokens with that issuer instead.');
  process.exit(2);
}
const sub = values.sub ?? (values.operator ? 'operator-local' : DEMO_PERSON);
if (!values.operator && !isPersonId(sub)) {
  console.error('--sub of a person token is an account ID (digits), e.g. 10000001');
  process.exit(2);
}
const scopes = values.scope.flatMap((s) => s.split(/[\s,]+/)).filter(Boolean);
console.log(await mintToken(config.jwtSecret, { sub, operator: values.operator, scopes, ttlSeconds: ttl.data }));
