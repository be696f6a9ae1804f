import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { blobStoreFor } from './blobs/config.js';
import { fileRoute } from './blobs/route.js';
import { corrections } from './corrections.js';
import { createLoaders, prefetch, type CloudLoaders } from './loaders.js';
import { recordResolvers } from './resolvers/records.js';
import { rights } from './rights.js';
import { tables, type CloudDB } from './store.js';

/** The cloud domain, declared once: its tables, resolvers, loaders and rules; the kit does the rest. */
export const subgraph = defineSubgraph<CloudDB, CloudLoaders>({
  name: 'cloud',
  module: import.meta.url,
  tables,
  resolvers: recordResolvers,
  loaders: createLoaders,
  prefetch,
  corrections,
  rights,
  // The bytes of photos and files (GET /files/<record id>), for the gateway only; the store is opened on first use.
  routes: ({ store, internalSecret, logger }) => [fileRoute({ store, blobs: () => blobStoreFor(store.dataDir), internalSecret, logger })],
});

/** What every cloud resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<CloudDB, CloudLoaders>;
