import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { corrections } from './corrections.js';
import { createLoaders, prefetch, type PushLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { rights } from './rights.js';
import { tables, type PushDB } from './store.js';

/** The push domain, declared once: its tables, resolvers, loaders and rules; the kit does the rest. */
export const subgraph = defineSubgraph<PushDB, PushLoaders>({
  name: 'push',
  module: import.meta.url,
  tables,
  resolvers: recordResolvers,
  loaders: createLoaders,
  prefetch,
  corrections,
  rights,
});

/** What every push resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<PushDB, PushLoaders>;
