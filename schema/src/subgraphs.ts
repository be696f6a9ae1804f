import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { portProblem } from './ports.js';

/** The list of domain subgraphs, shipped with this package (`npm run new-subgraph` appends to it). */
export const SUBGRAPHS_FILE = fileURLToPath(new URL('../subgraphs.json', import.meta.url));

export interface SubgraphEntry {
  name: string;
  port: number;
}

const NAME = /^[a-z][a-z0-9]*$/;

/** Why one entry of the list is wrong, or null. Checked by hand: the contract has no validation library. */
function entryProblem(value: unknown, index: number): string | null {
  if (typeof value !== 'object' || value === null || Array.isArray(value)) return `[${index}] is not an object`;
  const { name, port } = value as Record<string, unknown>;
  if (typeof name !== 'string' || !NAME.test(name)) return `[${index}].name: a subgraph name is lower-case letters and digits`;
  if (typeof port !== 'number' || !Number.isInteger(port) || port < 1 || port > 65535) return `[${index}].port: an integer from 1 to 65535`;
  const problem = portProblem(port);
  return problem ? `[${index}].port: ${problem}` : null;
}

/**
 * The ONE list of domain subgraphs. The gateway, composition, seeding and start
 * read it, so a new domain needs no code.
 */
export function listSubgraphs(file = SUBGRAPHS_FILE): SubgraphEntry[] {
  const parsed: unknown = JSON.parse(readFileSync(file, 'utf8'));
  if (!Array.isArray(parsed)) throw new Error(`${file} is not a valid subgraph list: expected an array`);
  const problems = parsed.map(entryProblem).filter((p): p is string => p !== null);
  if (problems.length) throw new Error(`${file} is not a valid subgraph list: ${problems.join('; ')}`);
  return parsed.map((e: SubgraphEntry) => ({ name: e.name, port: e.port }));
}
