import type { SubgraphContext } from '@footprint/schema';
import type { AccountLoaders } from './loaders.js';
import type { AccountDB } from './store.js';

/** What every account resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<AccountDB, AccountLoaders>;
