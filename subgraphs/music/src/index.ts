import { serveSubgraph } from '@footprint/schema';
import { createServer, NAME } from './server.js';

serveSubgraph(NAME, () => createServer());
