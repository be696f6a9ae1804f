import { subgraph } from './subgraph.js';

subgraph.serve();
