import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { SubgraphEntry } from '@footprint/schema';
import { FetchableUrl } from './inputs.js';

/** The repository root (kit/ is one level below it): where `data/` and the subgraph folders live in a checkout. */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

/** Folder of a subgraph's package. */
export function subgraphDir(name: string): string {
  return join(REPO_ROOT, 'subgraphs', name);
}

/**
 * URL of a subgraph: FOOTPRINT_SUBGRAPH_<NAME>_URL when set (scale-out), else
 * localhost on its listed port.
 */
export function subgraphUrl(entry: SubgraphEntry, env: NodeJS.ProcessEnv = process.env): string {
  const name = `FOOTPRINT_SUBGRAPH_${entry.name.toUpperCase()}_URL`;
  const given = env[name];
  if (given === undefined) return `http://127.0.0.1:${entry.port}/graphql`;
  const checked = FetchableUrl.safeParse(given);
  if (!checked.success) throw new Error(`${name}: ${checked.error.issues.map((i) => i.message).join('; ')}`);
  return given;
}
