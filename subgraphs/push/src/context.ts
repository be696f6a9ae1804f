import type { SubgraphContext } from '@footprint/schema';
import type { PushLoaders } from './loaders.js';
import type { PushDB } from './store.js';

/** What every push resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<PushDB, PushLoaders>;
