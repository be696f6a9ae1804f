// A second gateway appending to the audit log at the same time, in a thread of its own (SQLite's lock is taken
// synchronously: two stores in one thread would wait on each other). Plain JS: a worker thread does not load TypeScript.
import { parentPort, workerData } from 'node:worker_threads';
import { audit, openGatewayStore } from '@footprint/gateway/auth/audit';

const { dataDir, who, count } = workerData;
const store = openGatewayStore(dataDir);
try {
  await Promise.all(
    Array.from({ length: count }, (_, n) => audit(store, { actor: who, actorType: 'operator', person: '10000004', operation: 'query Q', reason: `ticket ${n}`, requestId: `${who}-${n}`, outcome: 'allowed' })),
  );
  parentPort.postMessage('done');
} finally {
  await store.close();
}
