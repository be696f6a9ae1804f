import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { createLogger, createSubgraph, loadConfig, storeUrl, type SecretsConfig, type Subgraph } from '@footprint/schema';
import { corrections } from './corrections.js';
import { createLoaders } from './loaders.js';
import { rights } from './rights.js';
import { recordResolvers } from './resolvers/records.js';
import { openAccountStore, TABLES, type AccountStore } from './store.js';

export const NAME = 'account';
/** The domain's SDL, read from the file beside the package so composition never runs code. */
export const typeDefs = readFileSync(join(dirname(fileURLToPath(import.meta.url)), '..', 'schema.graphql'), 'utf8');

export interface AccountSubgraph extends Subgraph {
  store: AccountStore;
}

/** Builds the account subgraph and migrates its store; never listens (index.ts does). */
export async function createServer(config: SecretsConfig = loadConfig()): Promise<AccountSubgraph> {
  const store = openAccountStore(storeUrl(NAME, config.dataDir), config.dataDir);
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
