import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { corrections } from './corrections.js';
import { createLoaders, prefetch, type ThemesLoaders } from './loaders.js';
import { resolvers } from './resolvers/index.js';
import { rights } from './rights.js';
import { tables, type ThemesDB } from './store.js';

/** The themes domain, declared once: its tables, resolvers, loaders and rules; the kit does the rest. */
export const subgraph = defineSubgraph<ThemesDB, ThemesLoaders>({
  name: 'themes',
  module: import.meta.url,
  tables,
  resolvers,
  loaders: createLoaders,
  prefetch,
  corrections,
  rights,
});

/** What every themes resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<ThemesDB, ThemesLoaders>;
