import { forgetPreferences } from '../preferences/language.js';
import { rm } from 'node:fs/promises';
import { fail } from '@footprint/schema';
import { SCOPES } from '../auth/principal.js';
import type { FeatureModule } from '../feature.js';
import { BullExportQueue, startBullWorkers } from '../exports/bullmq.js';
import { loadExportConfig } from '../exports/config.js';
import { EmbeddedWorkers, type ExportQueue } from '../exports/queue.js';
import { ExportJobs } from '../exports/store.js';
import { jobPaths } from '../exports/worker.js';
import { loadCodeLimitsConfig } from '../codes/config.js';
import { CodeLimits, codeLimitMigrations } from '../codes/limits.js';
import { ErasureCodes } from './code.js';
import { loadRightsConfig } from './config.js';
import { ConsentSync, consentSyncMigrations, type ConsentSyncResult } from './consent-sync.js';
import { RightsDomains } from './domains.js';
import { receiptRoute } from './receipt-link.js';
import { ErasureSweep, type SweepResult } from './reconcile.js';
import { rightsResolvers } from './resolvers.js';
import { ErasureRunner } from './runner.js';
import { RightsService } from './service.js';
import { ErasureJobs, rightsMigrations, type ErasureJob } from './store.js';

export { RightsService, type Requester, type ErasureOutcome, type ProcessingState } from './service.js';
export { RIGHTS_SCOPES, type DomainProcessingState, type KindRestriction } from './domains.js';
export { erasureOf, type ErasureBehaviour } from './erasure.js';
export type { ErasureJob, DomainReceipt, KindReceipt } from './store.js';

/**
 * Erasure, restriction, objection and consent withdrawal (GDPR Art. 17, 18,
 * 21, 7(3)): the GraphQL API (gateway/schema/rights.graphql), erasure jobs on
 * the exports' job machinery (embedded workers by default, a BullMQ queue of
 * their own with REDIS_URL), the append-only receipts, the refusal of an
 * erased account's tokens, and the signed receipt link.
 *
 * Other gateway features use `rightsService()` (the same instance the
 * resolvers use): startErasure / erasureOutcome / restrict / liftRestriction
 * / object / withdrawConsent / processingState.
 */
let current: RightsService | null = null;
/**
 * The work of other features when a whole account is erased (the privacy
 * requests close the open ones and hold them all; export schedules stop):
 * one slot per feature, replaced by the gateway created last, as `current`
 * is, so a stopped gateway's store is never written.
 */
const accountErasedListeners = new Map<string, (person: string, jobId: string) => Promise<void>>();

/**
 * Runs `listener` when an erasure of a whole account has erased every domain,
 * before the account is marked erased: a failure fails the erasure, and its
 * next run calls the listener again (it must be idempotent).
 */
export function onAccountErased(listener: (person: string, jobId: string) => Promise<void>, feature = 'requests'): void {
  accountErasedListeners.set(feature, listener);
}
let currentSweep: ErasureSweep | null = null;
let currentConsentSync: ConsentSync | null = null;

/** The running gateway's rights API; throws before the gateway has created the rights feature. */
export function rightsService(): RightsService {
  if (!current) throw new Error('The rights feature has not been created yet');
  return current;
}

/**
 * The same API as plain functions, for callers that only need one of them
 * (e.g. privacy requests starting an erasure, then reading its outcome).
 */
export const startErasure = (...a: Parameters<RightsService['startErasure']>) => rightsService().startErasure(...a);
export const erasureOutcome = (jobId: string) => rightsService().erasureOutcome(jobId);
export const cancelErasure = (jobId: string) => rightsService().cancelErasure(jobId);
/** Asks the domains what they did under FAILED erasures now (the gateway also does it every FOOTPRINT_ERASURE_SWEEP_MS). */
export const sweepErasures = (): Promise<SweepResult> => {
  if (!currentSweep) throw new Error('The rights feature has not been created yet');
  return currentSweep.sweep();
};
/** Carries the consent records a domain keeps into every other domain's ledger now (the gateway also does it every FOOTPRINT_CONSENT_SYNC_MS). */
export const syncConsent = (): Promise<ConsentSyncResult> => {
  if (!currentConsentSync) throw new Error('The rights feature has not been created yet');
  return currentConsentSync.sync();
};
export const restrictProcessing = (...a: Parameters<RightsService['restrict']>) => rightsService().restrict(...a);
export const liftRestriction = (...a: Parameters<RightsService['liftRestriction']>) => rightsService().liftRestriction(...a);
export const objectToProcessing = (...a: Parameters<RightsService['object']>) => rightsService().object(...a);
export const withdrawConsent = (...a: Parameters<RightsService['withdrawConsent']>) => rightsService().withdrawConsent(...a);
export const giveConsent = (...a: Parameters<RightsService['giveConsent']>) => rightsService().giveConsent(...a);
export const processingState = (...a: Parameters<RightsService['processingState']>) => rightsService().processingState(...a);

export const rightsFeature: FeatureModule = {
  name: 'rights',
  // The code limits' table is shared with the requests feature (the same migration, run once).
  migrations: { ...rightsMigrations, ...codeLimitMigrations, ...consentSyncMigrations },
  create(ctx) {
    const config = loadRightsConfig(ctx.config);
    const exportConfig = loadExportConfig(ctx.config);
    const logger = ctx.logger.child({ feature: 'rights' });
    const jobs = new ErasureJobs(ctx.store);
    const exports = new ExportJobs(ctx.store);
    const domains = new RightsDomains(ctx.supergraphSdl, ctx.subgraphUrls, ctx.domains);
    const runner = new ErasureRunner({
      jobs,
      exports,
      store: ctx.store,
      domains,
      config,
      logger,
      // The person's export archives are their data too: deleted with the account.
      onAccountErased: async (person, jobId) => {
        for (const e of await exports.listForPerson(person, 1000)) {
          if (e.state === 'SUCCEEDED' && (await exports.markExpired(e.id))) await rm(jobPaths(exportConfig.dir, e.id).archive, { force: true });
        }
        await forgetPreferences(person);
        for (const listener of accountErasedListeners.values()) await listener(person, jobId);
      },
    });
    const embedded = !exportConfig.redisUrl;
    const local = embedded && config.concurrency > 0 ? new EmbeddedWorkers<ErasureJob>({ jobs, runner, label: 'erasure', concurrency: config.concurrency, maxRuns: config.maxRuns, pollMs: 1000, logger }) : null;
    const queue: ExportQueue = embedded ? (local ?? { enqueue: async () => {}, cancelled: async () => {}, close: async () => {} }) : new BullExportQueue(exportConfig, config.queueName, 'erasure');
    let bull: ReturnType<typeof startBullWorkers<ErasureJob>> | null = null;
    let recovery: NodeJS.Timeout | null = null;
    const service = new RightsService(jobs, domains, queue, new ErasureCodes(jobs, domains, config, new CodeLimits(ctx.store, loadCodeLimitsConfig())));
    const sweep = new ErasureSweep({ jobs, domains, queue, logger, everyMs: config.sweepMs });
    const consentSync = new ConsentSync({ store: ctx.store, domains, logger, everyMs: config.consentSyncMs });
    current = service;
    currentSweep = sweep;
    currentConsentSync = consentSync;
    return {
      resolvers: rightsResolvers({ service, domains, store: ctx.store, internalSecret: config.internalSecret, publicUrl: config.publicUrl, receiptTtlSeconds: config.receiptTtlSeconds }),
      routes: [receiptRoute({ service, domains, secret: config.internalSecret })],
      fieldScopes: {
        requestErasureCode: SCOPES.erase,
        requestErasure: SCOPES.erase,
        cancelErasure: SCOPES.erase,
        erasureJob: SCOPES.erase,
        restrictProcessing: SCOPES.restrict,
        liftRestriction: SCOPES.restrict,
        objectToProcessing: SCOPES.restrict,
        withdrawConsent: SCOPES.restrict,
        giveConsent: SCOPES.restrict,
      },
      async checkPrincipal(p) {
        if (p.kind !== 'subject') return;
        const erased = await jobs.erased(p.sub);
        if (erased) fail('UNAUTHENTICATED', `This account was erased on ${erased.erasedAt}; its tokens are no longer accepted`, { reason: 'ACCOUNT_ERASED' });
      },
      async start() {
        if (local) {
          local.start();
          // A RUNNING erasure whose worker died goes back to the queue and resumes after its last finished domain.
          recovery = setInterval(() => {
            void jobs
              .recoverStale(new Date(Date.now() - config.staleMs), config.maxRuns)
              .then((r) => {
                if (r.requeued.length) {
                  logger.warn({ jobs: r.requeued }, 'erasures whose worker stopped were queued again; they resume');
                  local.wake();
                }
                if (r.failed.length) logger.error({ jobs: r.failed }, 'erasures interrupted too often were failed');
              })
              .catch((err: unknown) => logger.error({ err }, 'erasure recovery failed'));
          }, Math.max(100, Math.floor(config.staleMs / 2)));
          recovery.unref();
        } else if (!embedded) {
          // Erasures are a few calls per domain: the gateway's own BullMQ worker runs them (redelivered if it dies).
          bull = startBullWorkers<ErasureJob>({ jobs, runner, config: { ...exportConfig, lockMs: exportConfig.lockMs }, logger, queueName: config.queueName, label: 'erasure' });
        }
        sweep.start();
        consentSync.start();
        logger.info({ mode: embedded ? (local ? 'embedded' : 'no worker here') : `BullMQ queue ${config.queueName}`, domains: domains.domains }, 'rights ready');
      },
      async stop() {
        if (recovery) clearInterval(recovery);
        await sweep.stop();
        await consentSync.stop();
        await bull?.close();
        await queue.close();
      },
    };
  },
};
