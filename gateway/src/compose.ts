import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { composeServices } from '@apollo/composition';
import { listSubgraphs, REPO_ROOT, subgraphDir, subgraphDocument, subgraphUrl } from '@footprint/schema';
import type { DocumentNode } from 'graphql';

/** Name of the gateway's own (in-process) subgraph in the supergraph. */
export const GATEWAY_SUBGRAPH = 'gateway';
export const GATEWAY_SCHEMA_DIR = join(REPO_ROOT, 'gateway', 'schema');

/** The gateway's own SDL: every file of gateway/schema/, one concern each. */
export function gatewayTypeDefs(): string {
  return readdirSync(GATEWAY_SCHEMA_DIR)
    .filter((f) => f.endsWith('.graphql'))
    .sort()
    .map((f) => readFileSync(join(GATEWAY_SCHEMA_DIR, f), 'utf8'))
    .join('\n');
}

export interface SubgraphSource {
  name: string;
  url: string;
  typeDefs: DocumentNode;
}

/** Every subgraph's SDL, read from files (composition never runs subgraph code). */
export function subgraphSources(): SubgraphSource[] {
  return [
    { name: GATEWAY_SUBGRAPH, url: 'local://gateway', typeDefs: subgraphDocument(gatewayTypeDefs()) },
    ...listSubgraphs().map((s) => ({
      name: s.name,
      url: subgraphUrl(s),
      typeDefs: subgraphDocument(readFileSync(join(subgraphDir(s.name), 'schema.graphql'), 'utf8')),
    })),
  ];
}

export class CompositionError extends Error {
  override name = 'CompositionError';
}

/** Composes the supergraph; on failure throws with every composition message (they name subgraph and type). */
export function composeSupergraph(sources: SubgraphSource[] = subgraphSources()): string {
  const result = composeServices(sources);
  if (result.errors) {
    throw new CompositionError(`Composition failed:\n${result.errors.map((e) => `  - ${e.message}`).join('\n')}`);
  }
  return result.supergraphSdl;
}
