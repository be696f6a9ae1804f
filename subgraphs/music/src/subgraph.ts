import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { createLoaders, prefetch, type MusicLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { tables, type MusicDB } from './store.js';

/** The music domain: playback history and search queries. */
export const subgraph = defineSubgraph<MusicDB, MusicLoaders>({
  name: 'music',
  module: import.meta.url,
  tables,
  resolvers: recordResolvers,
  loaders: createLoaders,
  prefetch,
});

/** What every music resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<MusicDB, MusicLoaders>;
