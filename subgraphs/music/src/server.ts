import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createSubgraph, loadConfig, storeUrl, type SecretsConfig, type Subgraph } from '@footprint/schema';
import { createLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { openMusicStore, TABLES, type MusicStore } from './store.js';

export const NAME = 'music';
/** The domain's SDL, read from the file beside the package so composition never runs code. */
export const typeDefs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'schema.graphql'), 'utf8');

export interface MusicSubgraph extends Subgraph {
  store: MusicStore;
}

/** Builds the music subgraph and migrates its store; never listens (index.ts does). */
export async function createServer(config: SecretsConfig = loadConfig()): Promise<MusicSubgraph> {
  const store = openMusicStore(storeUrl(NAME, config.dataDir), config.dataDir);
  await store.migrate();
  const subgraph = createSubgraph({
    name: NAME,
    typeDefs,
    tables: TABLES,
    store,
    resolvers: recordResolvers,
    createLoaders,
    internalSecret: config.internalSecret,
    logger: createLogger(`subgraph-${NAME}`, config.logLevel),
    rights: { config },
  });
  return { ...subgraph, store };
}
