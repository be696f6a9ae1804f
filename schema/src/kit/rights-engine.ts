// The rights engine lives in ./rights/; subgraph.ts still imports it from here.
export { createRightsEngine, type RestrictionLookup, type RightsEngine, type RightsSetup } from './rights/index.js';
