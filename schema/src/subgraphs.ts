import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { z } from 'zod';
import { FetchableUrl, portProblem } from './ports.js';

/** The repository root (schema/ is one level below it). */
export const REPO_ROOT = join(dirname(fileURLToPath(import.meta.url)), '..', '..');
export const SUBGRAPHS_FILE = join(REPO_ROOT, 'schema', 'subgraphs.json');

const SubgraphEntry = z.object({
  name: z.string().regex(/^[a-z][a-z0-9]*$/, 'a subgraph name is lower-case letters and digits'),
  port: z
    .number()
    .int()
    .min(1)
    .max(65535)
    .superRefine((p, ctx) => {
      const problem = portProblem(p);
      if (problem) ctx.addIssue({ code: 'custom', message: problem });
    }),
});
export type SubgraphEntry = z.infer<typeof SubgraphEntry>;

/**
 * The ONE list of domain subgraphs. `npm run new-subgraph` appends to it; the
 * gateway, composition, seeding and start read it, so a new domain needs no code.
 */
export function listSubgraphs(file = SUBGRAPHS_FILE): SubgraphEntry[] {
  const parsed = z.array(SubgraphEntry).safeParse(JSON.parse(readFileSync(file, 'utf8')));
  if (!parsed.success) throw new Error(`${file} is not a valid subgraph list: ${parsed.error.message}`);
  return parsed.data;
}

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
