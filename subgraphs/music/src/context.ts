import type { SubgraphContext } from '@footprint/schema';
import type { MusicLoaders } from './loaders.js';
import type { MusicDB } from './store.js';

/** What every music resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<MusicDB, MusicLoaders>;
