import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createSubgraph, loadConfig, storeUrl, type SecretsConfig, type Subgraph } from '@footprint/schema';
import { corrections } from './corrections.js';
import { createLoaders } from './loaders.js';
import { rights } from './rights.js';
import { resolvers } from './resolvers/index.js';
import { openThemesStore, TABLES, type ThemesStore } from './store.js';

export const NAME = 'themes';
/** The domain's SDL, read from the file beside the package so composition never runs code. */
export const typeDefs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'schema.graphql'), 'utf8');

export interface ThemesSubgraph extends Subgraph {
  store: ThemesStore;
}

/** Builds the themes subgraph and migrates its store; never listens (index.ts does). */
export async function createServer(config: SecretsConfig = loadConfig()): Promise<ThemesSubgraph> {
  const store = openThemesStore(storeUrl(NAME, config.dataDir), config.dataDir);
  await store.migrate();
  const subgraph = createSubgraph({
    name: NAME,
    typeDefs,
    tables: TABLES,
    store,
    resolvers,
    createLoaders,
    internalSecret: config.internalSecret,
    logger: createLogger(`subgraph-${NAME}`, config.logLevel),
    corrections: { spec: corrections, config },
    rights: { spec: rights, config },
  });
  return { ...subgraph, store };
}
