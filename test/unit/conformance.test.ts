import { afterAll, beforeAll } from 'vitest';
import { listSubgraphs } from '@footprint/schema';
import { describeConformance } from '../support/conformance.js';
import { isolateStores, TEST_ENGINE } from '../support/engine.js';
import { requires } from '../support/requires.js';

/**
 * The conformance suite, for every subgraph listed in schema/subgraphs.json:
 * a new domain is checked from the moment it is registered, with no line here.
 * On PostgreSQL (`npm run test:pg`) every store of this file is in a database of its own.
 */
if (TEST_ENGINE === 'postgres') await requires('postgres');
let dropStores: () => Promise<void> = async () => {};
beforeAll(async () => {
  dropStores = await isolateStores('conformance');
});
afterAll(() => dropStores());

for (const { name } of listSubgraphs()) describeConformance(name);
