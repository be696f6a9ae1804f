import type { SubgraphContext } from '@footprint/schema';
import type { OrdersLoaders } from './loaders.js';
import type { OrdersDB } from './store.js';

/** What every orders resolver receives: the verified gateway credential, the store and this request's loaders. */
export type Context = SubgraphContext<OrdersDB, OrdersLoaders>;
