import type { SubgraphContext } from '@footprint/schema';
import type { CommunityLoaders } from './loaders.js';
import type { CommunityDB } from './store.js';

/** What every community resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<CommunityDB, CommunityLoaders>;
