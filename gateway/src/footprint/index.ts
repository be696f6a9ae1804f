/** The schema-driven footprint: plan every kind from the supergraph, then read it all through the gateway. */
export * from './plan.js';
export * from './traverse.js';
export * from './read.js';
export * from './owners.js';
export * from './direct.js';
