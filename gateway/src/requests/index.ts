import { loadCorrectionDeliveryConfig } from '@footprint/kit';
import { loadCodeLimitsConfig } from '../codes/config.js';
import { CodeLimits, codeLimitMigrations } from '../codes/limits.js';
import { BullExportQueue } from '../exports/bullmq.js';
import { loadExportConfig } from '../exports/config.js';
import { exportPlan } from '../exports/plan.js';
import { ExportJobs } from '../exports/store.js';
import type { FeatureContext, FeatureModule, GatewayFeature } from '../feature.js';
import { REQUESTS_SCOPE } from './access.js';
import { startedClock, systemClock, type Clock } from './clock.js';
import { loadRequestsConfig } from './config.js';
import { accountContactLookup, type ContactLookup } from './contact.js';
import { deskRoute } from './desk-route.js';
import { exportDriver } from './drivers/exports.js';
import { rectificationDriver } from './drivers/rectification.js';
import { rightsDriver } from './drivers/rights.js';
import { onAccountErased, rightsService, type RightsService } from '../rights/index.js';
import { privacyRequestHold } from './kind.js';
import { DriverRegistry } from './drivers/registry.js';
import { metricsRoute } from './metrics.js';
import { codeSenderMessenger, type Messenger } from './notify.js';
import { requestResolvers } from './resolvers.js';
import { PrivacyRequestService } from './service.js';
import { PrivacyRequestStore, requestMigrations } from './store.js';

/** What tests may replace: the clock (deadlines, extensions, overdue), and where messages go. */
export interface RequestsOverrides {
  clock?: Clock;
  messenger?: Messenger;
  contacts?: ContactLookup;
}

/** The rights feature's service, when the gateway has it (created before this feature); null otherwise. */
function currentRights(): RightsService | null {
  try {
    return rightsService();
  } catch {
    return null;
  }
}

/** The drivers of this build, by request type: a feature that does the work of another type registers its own. */
export function defaultDrivers(fc: FeatureContext, exportQueue: BullExportQueue | null): DriverRegistry {
  const exportConfig = loadExportConfig(fc.config);
  return new DriverRegistry()
    .register(exportDriver({ jobs: new ExportJobs(fc.store), queue: exportQueue, config: exportConfig, plan: exportPlan(fc.supergraphSdl) }))
    .register(rectificationDriver({ client: fc.domains, subgraphUrls: fc.subgraphUrls }))
    .register(rightsDriver({ rights: currentRights, logger: fc.logger.child({ feature: 'requests' }) }));
}

/** Builds the service over the gateway's store (the feature, the seed and the tests share it). */
export function createRequestService(fc: FeatureContext, overrides: RequestsOverrides = {}, exportQueue: BullExportQueue | null = null): { service: PrivacyRequestService; drivers: DriverRegistry } {
  const config = loadRequestsConfig(fc.config.production);
  const delivery = loadCorrectionDeliveryConfig(fc.config);
  const logger = fc.logger.child({ feature: 'requests' });
  const drivers = defaultDrivers(fc, exportQueue);
  const service = new PrivacyRequestService({
    store: new PrivacyRequestStore(fc.store),
    clock: overrides.clock ?? (config.now ? startedClock(config.now) : systemClock),
    drivers,
    messenger: overrides.messenger ?? codeSenderMessenger(delivery, logger),
    contacts:
      overrides.contacts ??
      accountContactLookup({ client: fc.domains, logger }),
    logger,
    secret: fc.config.internalSecret,
    repeatWindowDays: config.repeatWindowDays,
    timeZone: config.timeZone,
    maxReceiptAgeDays: config.maxReceiptAgeDays,
    serviceStart: config.serviceStart,
    codeTtlSeconds: delivery.codeTtlSeconds,
    codeMaxAttempts: delivery.codeMaxAttempts,
    limits: new CodeLimits(fc.store, loadCodeLimitsConfig()),
    erasureHold: privacyRequestHold(),
  });
  return { service, drivers };
}

/**
 * Privacy requests (GDPR Art. 12; policy §9–§10): the PrivacyRequest record
 * kind, its lifecycle on the legal clock, the drivers that do its work, the
 * operator desk (API and /privacy/desk) and the figures on /metrics.
 */
export const requestsFeature: FeatureModule = {
  name: 'requests',
  // The code limits' table is shared with the rights feature (the same migration, run once).
  migrations: { ...requestMigrations, ...codeLimitMigrations },
  create(fc): GatewayFeature {
    const config = loadRequestsConfig(fc.config.production);
    const exportConfig = loadExportConfig(fc.config);
    // With Redis, export jobs go on the BullMQ queue; embedded, the export workers pick up the job row themselves.
    const queue = exportConfig.redisUrl ? new BullExportQueue(exportConfig) : null;
    const { service, drivers } = createRequestService(fc, {}, queue);
    const logger = fc.logger.child({ feature: 'requests' });
    // A whole-account erasure closes the person's other open requests and holds them all (RETAIN from the first erasure).
    onAccountErased((person, jobId) => service.accountErased(person, jobId).then(() => undefined));
    let timer: NodeJS.Timeout | null = null;
    let running = false;
    const tick = async () => {
      if (running) return;
      running = true;
      try {
        await service.sync();
        await service.purgeHeld();
      } catch (err) {
        logger.error({ err }, 'privacy request sync failed');
      } finally {
        running = false;
      }
    };
    return {
      resolvers: requestResolvers({ service, drivers, store: fc.store, region: config.region, timeZone: config.timeZone }),
      routes: [deskRoute(fc.config, logger), metricsRoute(service)],
      fieldScopes: { createPrivacyRequest: REQUESTS_SCOPE },
      async start() {
        timer = setInterval(() => void tick(), config.syncMs);
        timer.unref();
      },
      async stop() {
        if (timer) clearInterval(timer);
        await queue?.close();
      },
    };
  },
};
