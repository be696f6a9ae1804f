import { createHash } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { REPO_ROOT } from '@footprint/kit';

/** Where the build writes the composed supergraph. */
export const SUPERGRAPH_FILE = join(REPO_ROOT, 'gateway', 'supergraph.graphql');

/** Reads the composed supergraph (the data map's only source), or explains how to make one. */
export function readSupergraph(file: string = SUPERGRAPH_FILE): { file: string; sdl: string; sha256: string } {
  const path = resolve(file);
  if (!existsSync(path)) throw new Error(`No supergraph at ${path}: run "npm run build" (it composes every subgraph's SDL)`);
  const sdl = readFileSync(path, 'utf8');
  return { file: path, sdl, sha256: createHash('sha256').update(sdl).digest('hex') };
}
