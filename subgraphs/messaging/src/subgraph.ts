import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { createLoaders, prefetch, type MessagingLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { rights } from './rights.js';
import { tables, type MessagingDB } from './store.js';

/** The messaging domain, declared once: its tables, resolvers, loaders and rules; the kit does the rest. */
export const subgraph = defineSubgraph<MessagingDB, MessagingLoaders>({
  name: 'messaging',
  module: import.meta.url,
  tables,
  resolvers: recordResolvers,
  loaders: createLoaders,
  prefetch,
  rights,
});

/** What every messaging resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<MessagingDB, MessagingLoaders>;
