import { parentPort, workerData } from 'node:worker_threads';
import { z } from 'zod';
// Narrow kit modules, not the barrel: the barrel loads Apollo Server and the whole subgraph runtime (about 6 MB more heap in
// the thread, measured); gateway/test/thread-imports.test.ts checks the whole import graph below this file.
import { createLogger } from '@footprint/kit/logger.js';
import { openGatewayStore } from '../auth/audit.js';
import type { ExportConfig } from './config.js';
import type { ExportPlan } from './plan.js';
import { EmbeddedExportWorkers } from './queue.js';
import { ExportJobs } from './store.js';
import { ExportRunner } from './worker.js';

/**
 * Inside the export thread of an embedded gateway: its own connection to the
 * gateway store (already migrated by the gateway), the export plan, and the
 * loops that claim and run jobs. It reads the subgraphs directly (and the
 * gateway's own data through its HTTP endpoint), so nothing but messages
 * crosses to the main thread; its circuit breakers are therefore its own.
 */
const Data = z.object({
  config: z.custom<ExportConfig>((v) => typeof v === 'object' && v !== null && typeof (v as ExportConfig).dir === 'string'),
  dataDir: z.string(),
  logLevel: z.string(),
  plan: z.custom<ExportPlan>((v) => typeof v === 'object' && v !== null && Array.isArray((v as ExportPlan).kinds) && (v as ExportPlan).meta instanceof Map),
  gatewayUrl: z.url(),
  subgraphUrls: z.record(z.string(), z.url()),
  workerName: z.string().min(1),
});
const Message = z.enum(['wake', 'stop']);

const data = Data.parse(workerData);
const logger = createLogger('gateway', data.logLevel).child({ feature: 'exports', thread: 'export' });
const store = openGatewayStore(data.dataDir);
const jobs = new ExportJobs(store);
const runner = new ExportRunner({ jobs, store, plan: data.plan, config: data.config, gatewayUrl: () => data.gatewayUrl, subgraphUrls: data.subgraphUrls, logger });
const workers = new EmbeddedExportWorkers({ workerName: () => data.workerName, jobs, runner, concurrency: data.config.concurrency, maxRuns: data.config.maxRuns, pollMs: 1000, logger });
workers.start();

parentPort!.on('message', (raw: unknown) => {
  const msg = Message.safeParse(raw);
  if (!msg.success) return;
  if (msg.data === 'wake') workers.wake();
  else {
    // Running jobs are handed back (QUEUED, checkpoints kept) before the thread ends.
    void workers
      .close()
      .then(() => store.close())
      .finally(() => parentPort!.postMessage('stopped'));
  }
});
parentPort!.postMessage('ready');
