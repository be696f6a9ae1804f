import { loadCorrectionDeliveryConfig } from '@footprint/kit';
import { SCOPES } from '../../auth/principal.js';
import type { FeatureModule, GatewayFeature } from '../../feature.js';
import { startedClock, systemClock } from '../../requests/clock.js';
import { loadRequestsConfig } from '../../requests/config.js';
import { accountContactLookup } from '../../requests/contact.js';
import { onAccountErased } from '../../rights/index.js';
import { BullExportQueue } from '../bullmq.js';
import { Fingerprints } from '../incremental/fingerprints.js';
import { loadExportConfig } from '../config.js';
import { embeddedWorkerName } from '../identity.js';
import { exportPlan } from '../plan.js';
import { ExportJobs } from '../store.js';
import { loadScheduleConfig } from './config.js';
import { ScheduleNotices } from './notify.js';
import { scheduleResolvers } from './resolvers.js';
import { ScheduleRunner } from './runner.js';
import { ScheduleStore, scheduleMigrations } from './store.js';

/**
 * Exports on a schedule: scheduleExports, cancelExportSchedule and
 * Person.exportSchedules, and the periodic run that starts each due run as a
 * normal export job and tells the person when it has ended. Its clock is the
 * requests desk's (FOOTPRINT_NOW outside production), so a trial can move it.
 */
export const exportScheduleFeature: FeatureModule = {
  name: 'export-schedules',
  migrations: scheduleMigrations,
  create(fc): GatewayFeature {
    const config = loadScheduleConfig();
    const requests = loadRequestsConfig(fc.config.production);
    const exportConfig = loadExportConfig(fc.config);
    const logger = fc.logger.child({ feature: 'export-schedules' });
    const clock = requests.now ? startedClock(requests.now) : systemClock;
    const jobs = new ExportJobs(fc.store);
    const schedules = new ScheduleStore(fc.store);
    // With Redis, a run's job goes on the BullMQ queue; embedded, the export workers pick the row up themselves.
    const queue = exportConfig.redisUrl ? new BullExportQueue(exportConfig) : null;
    const notices = new ScheduleNotices({
      schedules,
      jobs,
      contacts: accountContactLookup({ client: fc.domains, logger }),
      delivery: loadCorrectionDeliveryConfig(fc.config),
      publicUrl: exportConfig.publicUrl,
      timeZone: requests.timeZone,
      logger,
    });
    const plan = exportPlan(fc.supergraphSdl);
    const runner = new ScheduleRunner({
      schedules,
      jobs,
      plan,
      enqueue: queue ? (id) => queue.enqueue(id) : null,
      notices,
      clock,
      claimer: () => embeddedWorkerName(exportConfig.workerId, fc.gatewayUrl()),
      everyMs: config.scanMs,
      logger,
    });
    // A whole account erased: no more exports of it, and nothing of its records (fingerprints) kept for comparing.
    onAccountErased(async (person) => {
      await schedules.cancelAllFor(person, clock.now());
      await new Fingerprints(fc.store).dropPerson(person);
    }, 'export-schedules');
    return {
      resolvers: scheduleResolvers({ schedules, jobs, runner, store: fc.store, clock, plan }),
      fieldScopes: { scheduleExports: SCOPES.export, cancelExportSchedule: SCOPES.export },
      async start() {
        runner.start();
      },
      async stop() {
        await runner.stop();
        await queue?.close();
      },
    };
  },
};
