import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createSubgraph, loadConfig, storeUrl, type SecretsConfig, type Subgraph } from '@footprint/schema';
import { corrections } from './corrections.js';
import { createLoaders } from './loaders.js';
import { rights } from './rights.js';
import { recordResolvers } from './resolvers/records.js';
import { openCloudStore, TABLES, type CloudStore } from './store.js';

export const NAME = 'cloud';
/** The domain's SDL, read from the file beside the package so composition never runs code. */
export const typeDefs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'schema.graphql'), 'utf8');

export interface CloudSubgraph extends Subgraph {
  store: CloudStore;
}

/** Builds the cloud subgraph and migrates its store; never listens (index.ts does). */
export async function createServer(config: SecretsConfig = loadConfig()): Promise<CloudSubgraph> {
  const store = openCloudStore(storeUrl(NAME, config.dataDir), config.dataDir);
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
    corrections: { spec: corrections, config },
    rights: { spec: rights, config },
  });
  return { ...subgraph, store };
}
