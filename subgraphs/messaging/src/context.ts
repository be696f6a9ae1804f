import type { SubgraphContext } from '@footprint/schema';
import type { MessagingLoaders } from './loaders.js';
import type { MessagingDB } from './store.js';

/** What every messaging resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<MessagingDB, MessagingLoaders>;
