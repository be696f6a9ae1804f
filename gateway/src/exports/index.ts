import { mkdir } from 'node:fs/promises';
import { createTokenVerifier, SCOPES } from '../auth/principal.js';
import type { FeatureModule } from '../feature.js';
import { BullExportQueue } from './bullmq.js';
import { loadExportConfig } from './config.js';
import { downloadRoute } from './download.js';
import { fileRoute } from './file-route.js';
import { ExportMaintenance } from './maintenance.js';
import { exportPlan } from './plan.js';
import { embeddedWorkerName } from './identity.js';
import { EmbeddedExportWorkers, type ExportQueue } from './queue.js';
import { ExportRunner } from './worker.js';
import { exportResolvers } from './resolvers.js';
import { ExportJobs, exportMigrations } from './store.js';
import { ExportThread } from './thread.js';

/**
 * Portability archives: export jobs (requestExport, exportJob, exportJobs,
 * cancelExport), the workers that build the archives, and the signed download
 * route. Embedded by default (job table in the gateway store, workers in this
 * process); with REDIS_URL, jobs go on BullMQ and `npm run worker` runs them.
 */
export const exportsFeature: FeatureModule = {
  name: 'exports',
  migrations: exportMigrations,
  create(ctx) {
    const config = loadExportConfig(ctx.config);
    const logger = ctx.logger.child({ feature: 'exports' });
    const plan = exportPlan(ctx.supergraphSdl);
    const jobs = new ExportJobs(ctx.store);
    const embedded = !config.redisUrl;
    // Embedded: jobs run in this process — in its event loop, or in a worker thread of their own (FOOTPRINT_EXPORT_THREAD).
    // FOOTPRINT_EXPORT_CONCURRENCY=0: none here; another gateway sharing the store runs them.
    const runsHere = embedded && config.concurrency > 0;
    // FOOTPRINT_GATEWAY_URL, when set, is where every worker reads (a gateway behind a proxy or on another interface); else this gateway itself.
    const gatewayUrl = config.gatewayUrlConfigured ? () => config.gatewayUrl : ctx.gatewayUrl;
    // Kept across restarts (FOOTPRINT_WORKER_ID, else host and port): a restarted gateway takes back its own jobs at once.
    const workerName = () => embeddedWorkerName(config.workerId, ctx.gatewayUrl());
    const thread = runsHere && config.thread ? new ExportThread({ config, dataDir: ctx.config.dataDir, logLevel: ctx.config.logLevel, plan, gatewayUrl, subgraphUrls: ctx.subgraphUrls, workerName, logger }) : null;
    const inline =
      runsHere && !config.thread
        ? new EmbeddedExportWorkers({ workerName, jobs, runner: new ExportRunner({ jobs, store: ctx.store, plan, config, gatewayUrl, subgraphUrls: ctx.subgraphUrls, circuits: ctx.circuits, logger }), concurrency: config.concurrency, maxRuns: config.maxRuns, pollMs: 1000, logger })
        : null;
    const local = thread ?? inline;
    const queue: ExportQueue = embedded ? (local ?? { enqueue: async () => {}, cancelled: async () => {}, close: async () => {} }) : new BullExportQueue(config);
    const maintenance = new ExportMaintenance({ jobs, config, logger, recoverStale: embedded, onRequeued: () => local?.wake() });
    const verify = createTokenVerifier({ jwtSecret: ctx.config.jwtSecret, jwksUrl: ctx.config.jwksUrl, issuer: ctx.config.jwtIssuer, audience: ctx.config.jwtAudience, ...ctx.config.tokens });
    // The file route also takes an export job's own token (a worker reading through the gateway); the download route never does.
    const verifyWithJobs = createTokenVerifier({ jwtSecret: ctx.config.jwtSecret, jwksUrl: ctx.config.jwksUrl, issuer: ctx.config.jwtIssuer, audience: ctx.config.jwtAudience, ...ctx.config.tokens, internalSecret: ctx.config.internalSecret });
    return {
      resolvers: exportResolvers({ jobs, queue, config, store: ctx.store, plan }),
      routes: [
        downloadRoute({ jobs, config, store: ctx.store, verify, maintenance, logger }),
        fileRoute({ contentKinds: plan.contentKinds, subgraphUrls: ctx.subgraphUrls, internalSecret: config.internalSecret, timeoutMs: config.subgraphTimeoutMs, store: ctx.store, verify: verifyWithJobs, logger }),
      ],
      fieldScopes: { requestExport: SCOPES.export, exportJob: SCOPES.export, exportJobs: SCOPES.export, cancelExport: SCOPES.export },
      async start() {
        await mkdir(config.dir, { recursive: true });
        local?.start();
        maintenance.start();
        logger.info({ worker: local ? workerName() : undefined, reads: embedded ? gatewayUrl() : config.gatewayUrl, mode: embedded ? `embedded (${local ? `${config.concurrency} job(s) at a time${thread ? ' in an export thread' : ''}` : 'no worker here'})` : `BullMQ queue ${config.queueName}`, dir: config.dir }, 'exports ready');
      },
      async stop() {
        await maintenance.stop();
        await queue.close();
      },
    };
  },
};
