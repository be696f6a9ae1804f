import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { corrections } from './corrections.js';
import { createLoaders, prefetch, type OrdersLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { rights } from './rights.js';
import { tables, type OrdersDB } from './store.js';

/** The orders domain, declared once: its tables, resolvers, loaders and rules; the kit does the rest. */
export const subgraph = defineSubgraph<OrdersDB, OrdersLoaders>({
  name: 'orders',
  module: import.meta.url,
  tables,
  resolvers: recordResolvers,
  loaders: createLoaders,
  prefetch,
  corrections,
  rights,
});

/** What every orders resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<OrdersDB, OrdersLoaders>;
