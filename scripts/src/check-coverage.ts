import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { z } from 'zod';
import { buildDataMap, checkCoverage, listSubgraphs, renderCoverage } from '@footprint/schema';
import { REPO_ROOT } from '@footprint/kit';
import { readSupergraph, SUPERGRAPH_FILE } from './supergraph.js';

/**
 * npm run check:coverage [-- --supergraph FILE] [--policy FILE] [--json]
 *
 * The coverage gate: the data map (from the composed supergraph) against the
 * typed inventory (schema/src/inventory.ts) and, when it is there, the policy's
 * own ../shared/policy/DATA-INVENTORY.md. Exit 1 names what is missing.
 */
const DEFAULT_POLICY = join(REPO_ROOT, '..', 'shared', 'policy', 'DATA-INVENTORY.md');
const Args = z.object({
  supergraph: z.string().min(1).default(SUPERGRAPH_FILE),
  policy: z.string().min(1).optional(),
  json: z.boolean().default(false),
});

try {
  const { values } = parseArgs({ options: { supergraph: { type: 'string' }, policy: { type: 'string' }, json: { type: 'boolean' } } });
  const args = Args.parse(values);
  // A named policy file must exist; the default one is used when this checkout sits beside ../shared.
  const policyFile = args.policy ? resolve(args.policy) : existsSync(DEFAULT_POLICY) ? DEFAULT_POLICY : null;
  if (policyFile && !existsSync(policyFile)) throw new Error(`--policy ${policyFile}: no such file`);
  const map = buildDataMap(readSupergraph(args.supergraph).sdl);
  const report = checkCoverage(map, {
    domains: listSubgraphs().map((s) => s.name),
    ...(policyFile ? { policy: { file: policyFile, markdown: readFileSync(policyFile, 'utf8') } } : {}),
  });
  console.log(args.json ? JSON.stringify(report, null, 2) : renderCoverage(report));
  process.exitCode = report.ok ? 0 : 1;
} catch (err) {
  console.error(`check:coverage: ${err instanceof z.ZodError ? err.issues.map((i) => `--${i.path.join('.')}: ${i.message}`).join('; ') : err instanceof Error ? err.message : String(err)}`);
  process.exit(2);
}
