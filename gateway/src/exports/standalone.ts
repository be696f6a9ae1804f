import { readFileSync } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import { listSubgraphs } from '@footprint/schema';
import { ConfigError, createLogger, subgraphUrl, type Logger } from '@footprint/kit';
import { openGatewayStore } from '../auth/audit.js';
import { loadGatewayConfig } from '../config.js';
import { FEATURES } from '../features.js';
import { startBullWorkers } from './bullmq.js';
import { loadExportConfig } from './config.js';
import { ExportMaintenance } from './maintenance.js';
import { exportPlan } from './plan.js';
import { sleep } from './reader.js';
import { ExportJobs } from './store.js';
import { ExportRunner } from './worker.js';

export interface StandaloneWorkers {
  id: string;
  logger: Logger;
  stop(): Promise<void>;
}

/**
 * `npm run worker`: a process that takes export jobs from the BullMQ queue on
 * REDIS_URL and reads through the gateway at FOOTPRINT_GATEWAY_URL. It shares
 * the gateway's store (job state; FOOTPRINT_GATEWAY_DATABASE_URL or the data
 * folder) and the export folder with the gateway. Run as many as you like.
 */
export async function startStandaloneWorkers(env: NodeJS.ProcessEnv = process.env): Promise<StandaloneWorkers> {
  const gatewayConfig = loadGatewayConfig(env);
  const config = loadExportConfig(gatewayConfig, env, 'worker');
  if (!config.redisUrl) throw new ConfigError('npm run worker needs REDIS_URL (a BullMQ queue); without it the gateway runs exports in its own process');
  const logger = createLogger('export-worker', gatewayConfig.logLevel);
  const store = openGatewayStore(gatewayConfig.dataDir, Object.assign({}, ...FEATURES.map((f) => f.migrations ?? {})));
  // The gateway may be migrating the same store at this moment; a second try then finds nothing to do.
  for (let attempt = 1; ; attempt++) {
    try {
      await store.migrate();
      break;
    } catch (err) {
      if (attempt >= 5) throw err;
      await sleep(500 * attempt, new AbortController().signal);
    }
  }
  await mkdir(config.dir, { recursive: true });
  const plan = exportPlan(readFileSync(config.supergraphPath, 'utf8'));
  const jobs = new ExportJobs(store);
  // With FOOTPRINT_EXPORT_READ=direct, reads go to the subgraphs at FOOTPRINT_SUBGRAPH_<NAME>_URL (else schema/subgraphs.json), as the gateway's do.
  const subgraphUrls = Object.fromEntries(listSubgraphs().map((s) => [s.name, subgraphUrl(s, env)]));
  const runner = new ExportRunner({ jobs, store, plan, config, gatewayUrl: () => config.gatewayUrl, subgraphUrls, logger });
  const workers = startBullWorkers({ jobs, runner, config, logger });
  const maintenance = new ExportMaintenance({ jobs, config, logger, recoverStale: false });
  maintenance.start();
  logger.info({ worker: workers.id, queue: config.queueName, gateway: config.gatewayUrl, concurrency: Math.max(1, config.concurrency) }, 'export worker ready');
  return {
    id: workers.id,
    logger,
    async stop() {
      await workers.close();
      await maintenance.stop();
      await store.close();
    },
  };
}
