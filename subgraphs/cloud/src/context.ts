import type { SubgraphContext } from '@footprint/schema';
import type { CloudLoaders } from './loaders.js';
import type { CloudDB } from './store.js';

/** What every cloud resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<CloudDB, CloudLoaders>;
