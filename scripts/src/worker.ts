
/**
 * npm run worker: one export worker process on the BullMQ queue of REDIS_URL
 * (start several for more throughput). It reads through the gateway at
 * FOOTPRINT_GATEWAY_URL (default http://localhost:4000/graphql) and shares the
 * gateway's store and export folder (FOOTPRINT_DATA_DIR).
 */
// Loaded here, after the module is evaluated, as before: the gateway's export code is only needed once a worker starts.
const { startStandaloneWorkers } = await import('@footprint/gateway/exports/standalone');
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
