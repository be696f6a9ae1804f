import { listSubgraphs } from '@footprint/schema';
import { describeConformance } from './support/conformance.js';

/**
 * The conformance suite, for every subgraph listed in schema/subgraphs.json:
 * a new domain is checked from the moment it is registered, with no line here.
 */
for (const { name } of listSubgraphs()) describeConformance(name);
