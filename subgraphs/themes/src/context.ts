import type { SubgraphContext } from '@footprint/schema';
import type { ThemesLoaders } from './loaders.js';
import type { ThemesDB } from './store.js';

/** What every themes resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<ThemesDB, ThemesLoaders>;
