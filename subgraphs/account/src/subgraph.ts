import { defineSubgraph, type SubgraphContext } from '@footprint/kit';
import { corrections } from './corrections.js';
import { recordResolvers } from './resolvers/records.js';
import { rights } from './rights.js';
import { tables, type AccountDB } from './store.js';

/** The account domain: profile, security, sign-ins, linked accounts, ECV, consents, data region. */
export const subgraph = defineSubgraph<AccountDB>({ name: 'account', module: import.meta.url, tables, resolvers: recordResolvers, corrections, rights });

/** What every account resolver receives. */
export type Context = SubgraphContext<AccountDB>;
