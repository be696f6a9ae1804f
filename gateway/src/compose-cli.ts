import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { REPO_ROOT } from '@footprint/schema';
import { composeSupergraph } from './compose.js';

/** `npm run compose` (and every build): writes gateway/supergraph.graphql or fails with the composition messages. */
try {
  const out = process.argv[2] ?? join(REPO_ROOT, 'gateway', 'supergraph.graphql');
  writeFileSync(out, composeSupergraph());
  console.log(`supergraph written to ${out}`);
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
