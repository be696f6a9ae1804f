import { mkdirSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { API_SCHEMA_PATH, composeFederation } from './compose.js';
import { GATEWAY_ROOT } from './package-root.js';

/**
 * `npm run compose` (and every build): writes gateway/supergraph.graphql and the
 * client API schema gateway/api/schema.graphql, or fails with the composition messages.
 */
try {
  const out = process.argv[2] ?? join(GATEWAY_ROOT, 'supergraph.graphql');
  const composed = composeFederation();
  writeFileSync(out, composed.supergraphSdl);
  console.log(`supergraph written to ${out}`);
  if (!process.argv[2]) {
    mkdirSync(dirname(API_SCHEMA_PATH), { recursive: true });
    writeFileSync(API_SCHEMA_PATH, composed.apiSchemaSdl);
    console.log(`client API schema written to ${API_SCHEMA_PATH}`);
  }
} catch (err) {
  console.error(err instanceof Error ? err.message : String(err));
  process.exit(1);
}
