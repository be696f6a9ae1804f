import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { REPO_ROOT } from '@footprint/schema';

/**
 * npm run worker: one export worker process on the BullMQ queue of REDIS_URL
 * (start several for more throughput). It reads through the gateway at
 * FOOTPRINT_GATEWAY_URL (default http://localhost:4000/graphql) and shares the
 * gateway's store and export folder (FOOTPRINT_DATA_DIR).
 */
interface StandaloneModule {
  startStandaloneWorkers(env?: NodeJS.ProcessEnv): Promise<{ id: string; stop(): Promise<void> }>;
}

const { startStandaloneWorkers } = (await import(pathToFileURL(join(REPO_ROOT, 'gateway', 'dist', 'exports', 'standalone.js')).href)) as StandaloneModule;
try {
  const workers = await startStandaloneWorkers();
  let stopping = false;
  const stop = () => {
    if (stopping) return;
    stopping = true;
    // Running jobs go back to the queue and resume on another worker.
    void workers.stop().finally(() => process.exit(0));
  };
  process.on('SIGINT', stop);
  process.on('SIGTERM', stop);
} catch (err) {
  console.error(`export worker failed to start: ${err instanceof Error ? err.message : String(err)}`);
  process.exit(1);
}
