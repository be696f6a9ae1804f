import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import type { Migration } from 'kysely';
import { loadConfig, type SecretsConfig } from './config.js';
import { createLogger, type Logger } from './logger.js';
import type { Route } from './http.js';
import type { CorrectionSpec } from './corrections/index.js';
import type { RightsSpec } from './rights/index.js';
import type { PagePrefetch } from './page-loader.js';
import { openStore, storeUrl, type Store } from './store.js';
import { createSubgraph, serveSubgraph, type Subgraph } from './subgraph.js';

/** What a domain declares about itself; everything else is the kit's. */
export interface SubgraphDeclaration<DB, L> {
  /** The domain name: Person.<name>, <Name>Data, the store's name and schema. */
  name: string;
  /** The declaring module's `import.meta.url`: schema.graphql is read from its package (so composition never runs code). */
  module: string;
  /** The domain's tables: record type → table (`kinds`) and the migrations that create them (from `defineTables`). */
  tables: { kinds: Readonly<Record<string, string>>; migrations: Record<string, Migration> };
  /** The domain's field resolvers (its codegen `Resolvers`): only where a row differs from the schema. */
  resolvers?: object;
  /** Per-request loaders for what a field looks up per record. */
  loaders?: (store: Store<DB>, person: string | null) => L;
  /** Record type → what its pages fill in the loaders before the fields resolve (page-loader.ts). */
  prefetch?: Readonly<Record<string, readonly PagePrefetch<L>[]>>;
  /** The correction rules (src/corrections.ts); without them every kind is listed as not correctable here. */
  corrections?: CorrectionSpec<DB>;
  /** What erasure, restriction and objection need beyond @personalData (src/rights.ts). */
  rights?: RightsSpec<DB>;
  /**
   * HTTP routes of the domain's own beyond /graphql, built once the store is open. Each checks the gateway's
   * credential itself (verifyCredential), as /graphql does: subgraphs answer only the gateway.
   */
  routes?: (host: RouteHost<DB>) => Route[];
}

/** What a domain's own routes are built with. */
export interface RouteHost<DB> {
  store: Store<DB>;
  internalSecret: string;
  logger: Logger;
}

export interface DefinedSubgraph<DB> {
  name: string;
  /** The domain's SDL as written in schema.graphql. */
  typeDefs: string;
  /** Opens and migrates the store, builds the subgraph; never listens. */
  createServer(config?: SecretsConfig): Promise<Subgraph & { store: Store<DB> }>;
  /** The whole of index.ts: listen on the listed port, stop cleanly on a signal. */
  serve(): void;
}

/**
 * Declares a domain subgraph once: its name, tables, resolvers, loaders,
 * corrections and rights. The store (SQLite file or PostgreSQL schema, from
 * the configuration), logger, credential secret and HTTP wiring are the same
 * for every domain and come from here.
 */
export function defineSubgraph<DB, L = Record<string, never>>(decl: SubgraphDeclaration<DB, L>): DefinedSubgraph<DB> {
  const typeDefs = readFileSync(join(dirname(fileURLToPath(decl.module)), '..', 'schema.graphql'), 'utf8');
  const createServer = async (config: SecretsConfig = loadConfig()) => {
    const store = openStore<DB>({ domain: decl.name, url: storeUrl(decl.name, config.dataDir), dataDir: config.dataDir, migrations: decl.tables.migrations });
    await store.migrate();
    const logger = createLogger(`subgraph-${decl.name}`, config.logLevel);
    const subgraph = createSubgraph<DB, L>({
      name: decl.name,
      typeDefs,
      tables: decl.tables.kinds,
      store,
      resolvers: decl.resolvers ?? {},
      createLoaders: decl.loaders ?? (() => ({}) as L),
      ...(decl.prefetch ? { prefetch: decl.prefetch } : {}),
      internalSecret: config.internalSecret,
      logger,
      ...(decl.routes ? { routes: decl.routes({ store, internalSecret: config.internalSecret, logger }) } : {}),
      ...(decl.corrections ? { corrections: { spec: decl.corrections, config } } : {}),
      rights: decl.rights ? { spec: decl.rights, config } : { config },
    });
    return { ...subgraph, store };
  };
  return { name: decl.name, typeDefs, createServer, serve: () => serveSubgraph(decl.name, createServer) };
}
