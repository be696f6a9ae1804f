import type Provider from 'oidc-provider';
import { createTokenVerifier, SCOPES } from '../auth/principal.js';
import { BullExportQueue } from '../exports/bullmq.js';
import { loadExportConfig } from '../exports/config.js';
import { exportPlan } from '../exports/plan.js';
import type { ExportQueue } from '../exports/queue.js';
import type { FeatureModule } from '../feature.js';
import { PeriodicRun } from '../jobs/periodic.js';
import { loadRequestsConfig } from '../requests/config.js';
import { sweepExpired } from './adapter.js';
import { portabilityApi } from './api.js';
import { loadPortabilityConfig } from './config.js';
import { consentRoute } from './consent.js';
import { createProvider, providerRoute } from './provider.js';
import { CLIENTS_SCOPE, portabilityResolvers } from './resolvers.js';
import { resourceGroups } from './scopes.js';
import { PortabilityService } from './service.js';
import { portabilityDb, portabilityMigrations, type PortabilityKysely } from './store.js';

class OauthSweep extends PeriodicRun<number> {
  constructor(
    private readonly db: PortabilityKysely,
    schedule: ConstructorParameters<typeof PeriodicRun>[0],
  ) {
    super(schedule);
  }

  protected work(): Promise<number> {
    return sweepExpired(this.db);
  }
}

/**
 * Portability to another controller (GDPR Art. 20(2)): an OAuth 2.0 authorisation server (oidc-provider) at /oauth,
 * the consent screen at /portability/consent/<uid>, the receiving services' API at /portability/v1, and the
 * GraphQL fields to register services (operators) and to see and revoke grants (the person).
 */
export const portabilityFeature: FeatureModule = {
  name: 'portability',
  migrations: portabilityMigrations,
  create(ctx) {
    const config = loadPortabilityConfig(ctx.config);
    const exportConfig = loadExportConfig(ctx.config);
    const logger = ctx.logger.child({ feature: 'portability' });
    const db = portabilityDb(ctx.store);
    const groups = resourceGroups(ctx.supergraphSdl);
    // Embedded export workers look for queued jobs every second; with REDIS_URL the job goes on the export queue.
    const queue: ExportQueue = exportConfig.redisUrl ? new BullExportQueue(exportConfig) : { enqueue: async () => {}, cancelled: async () => {}, close: async () => {} };
    let provider: Provider | null = null;
    const getProvider = () => provider!;
    const service = new PortabilityService({ config, db, store: ctx.store, provider: getProvider, groups, plan: exportPlan(ctx.supergraphSdl), exportConfig, queue, logger });
    provider = createProvider({
      config,
      db,
      store: ctx.store,
      groups,
      logger,
      issuesRefreshTokens: (grantId) => service.issuesRefreshTokens(grantId),
      onGrantRevoked: async (grantId, requestId) => {
        await service.revoke(grantId, 'SERVICE', { actor: 'authorisation-server', actorType: 'portability-client', reason: null, requestId });
      },
    });
    const verify = createTokenVerifier({ jwtSecret: ctx.config.jwtSecret, jwksUrl: ctx.config.jwksUrl, issuer: ctx.config.jwtIssuer, audience: ctx.config.jwtAudience, ...ctx.config.tokens });
    const sweep = new OauthSweep(db, { everyMs: config.sweepMs, logger, what: 'oauth sweep' });
    return {
      resolvers: portabilityResolvers({ service, store: ctx.store, region: loadRequestsConfig(ctx.config.production).region, issuer: config.issuer }),
      routes: [
        providerRoute(provider),
        portabilityApi({ service, provider: getProvider, exportConfig, internalSecret: ctx.config.internalSecret, publicUrl: config.publicUrl, maxBodyBytes: 64 * 1024, logger }),
        consentRoute({ service, provider: getProvider, verify, gateway: ctx.config, gatewayUrl: ctx.gatewayUrl, logger }),
      ],
      fieldScopes: { registerPortabilityClient: CLIENTS_SCOPE, revokePortabilityGrant: SCOPES.restrict },
      async start() {
        sweep.start();
        logger.info({ issuer: config.issuer, scopes: groups.map((g) => g.scope) }, 'portability ready');
      },
      async stop() {
        await sweep.stop();
        await queue.close();
      },
    };
  },
};
