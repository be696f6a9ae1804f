import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import { readKindMeta } from '@footprint/schema';
import { subgraphDocument } from '@footprint/kit';
import { gatewayTypeDefs } from '../compose.js';
import type { FeatureModule } from '../feature.js';
import { exportPlan } from '../exports/plan.js';
import { PeriodicRun } from '../jobs/periodic.js';
import type { Logger } from '@footprint/kit';
import { loadPushConfig } from './config.js';
import { pushResolvers } from './resolvers.js';
import { PushRunner } from './runner.js';
import { pushMigrations, ServerPushes } from './store.js';

/** Hold of a push's record (gateway.server_push's retainFor, P3Y), in ms: a year as 365.25 days. */
function holdMs(retainFor: string | null): number {
  const m = /^P(\d+)Y$/.exec(retainFor ?? '');
  if (!m) throw new Error(`gateway.server_push declares retainFor ${retainFor ?? '(none)'}: expected whole years (PnY)`);
  return Number(m[1]) * 365.25 * 86_400_000;
}

/** Marks pushes whose gateway stopped as FAILED (INTERRUPTED, resumable) and deletes records whose hold ended. */
class PushMaintenance extends PeriodicRun<void> {
  constructor(
    private readonly pushes: ServerPushes,
    private readonly staleMs: number,
    private readonly hold: number,
    private readonly log: Logger,
  ) {
    super({ everyMs: Math.max(5_000, Math.floor(staleMs / 2)), logger: log, what: 'server push maintenance' });
  }

  protected async work(): Promise<void> {
    // No run is taken back to the queue: the app password went with the process, so a stale push fails and waits for the person.
    const { failed } = await this.pushes.recoverStale(new Date(Date.now() - this.staleMs), 0);
    if (failed.length) this.log.warn({ pushes: failed }, 'pushes interrupted: their gateway stopped');
    if (this.stopped) return;
    const purged = await this.pushes.purge(new Date(Date.now() - this.hold).toISOString());
    if (purged) this.log.info({ purged }, 'server push records past their hold deleted');
  }
}

/**
 * Pushes to servers the person names (GDPR Art. 20(2)): contacts to a CardDAV
 * address book (transfers/carddav/), run in this process while the app
 * password is in its memory, checkpointed per card in the gateway store, kept
 * as gateway.server_push records (footprint, archive) and audited.
 */
export const transfersFeature: FeatureModule = {
  name: 'transfers',
  migrations: pushMigrations,
  create(ctx) {
    const config = loadPushConfig();
    const logger = ctx.logger.child({ feature: 'transfers' });
    const kind = readKindMeta(subgraphDocument(gatewayTypeDefs())).find((k) => k.typename === 'ServerPush');
    if (!kind) throw new Error('The gateway schema declares no ServerPush kind');
    // The archive's address-book kinds (@personalData(format: VCARD)): the same records, written by the same vCard writer.
    const kinds = exportPlan(ctx.supergraphSdl).kinds.filter((k) => k.meta?.format === 'VCARD');
    const pushes = new ServerPushes(ctx.store);
    const worker = `push:${hostname()}/${process.pid}-${randomUUID().slice(0, 8)}`;
    const policy = { production: ctx.config.production };
    const runner = new PushRunner({ pushes, store: ctx.store, kinds, gatewayUrl: ctx.gatewayUrl, internalSecret: ctx.config.internalSecret, policy, timeoutMs: config.timeoutMs, worker, logger });
    const maintenance = new PushMaintenance(pushes, config.staleMs, holdMs(kind.retainFor), logger);
    return {
      resolvers: pushResolvers({ pushes, runner, store: ctx.store, policy, kind, kinds: kinds.map((k) => k.kind), region: config.region, worker }),
      async start() {
        maintenance.start();
      },
      async stop() {
        await maintenance.stop();
        await runner.stopAll();
      },
    };
  },
};
