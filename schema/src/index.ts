// The contract: what every domain and the gateway agree on. No runtime beyond graphql.
export * from './taxonomy.js';
export * from './contract.js';
export * from './inventory.js';
export * from './errors.js';
export * from './person-id.js';
export * from './ports.js';
export * from './subgraphs.js';
export * from './meta.js';
export * from './connections-sdl.js';
export * from './datamap.js';
export * from './coverage.js';
export * from './controllers.js';
