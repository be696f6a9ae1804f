import { existsSync, readFileSync } from 'node:fs';
import type { Server } from 'node:http';
import { getHeapStatistics } from 'node:v8';
import { ApolloGateway } from '@apollo/gateway';
import { ApolloServer, type ApolloServerPlugin } from '@apollo/server';
import { ApolloServerPluginCacheControlDisabled, ApolloServerPluginLandingPageDisabled } from '@apollo/server/plugin/disabled';
import { ApolloArmor } from '@escape.tech/graphql-armor';
import { listSubgraphs } from '@footprint/schema';
import { closeServer, ConfigError, createGraphQLHttpServer, createLogger, subgraphUrl, type Logger, type Route } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from './auth/audit.js';
import { createTokenVerifier } from './auth/principal.js';
import { personMarks } from './auth/targets.js';
import { GATEWAY_SUBGRAPH } from './compose.js';
import type { GatewayConfig } from './config.js';
import type { GatewayContext } from './context.js';
import { describeFailure, DomainCircuits } from './circuit.js';
import { DomainDataSource } from './datasource.js';
import { DomainClient } from './domains/client.js';
import { FastPathGateway } from './fastpath/gateway.js';
import { spliceRaw } from './fastpath/raw.js';
import type { FeatureContext, GatewayFeature } from './feature.js';
import { FEATURES } from './features.js';
import { buildLocalSchema, LocalSource, personResolvers, type LocalResolvers } from './local.js';
import { authorizationPlugin } from './plugins/authorization.js';
import { formatError } from './plugins/errors.js';
import { requestLogPlugin } from './plugins/logging.js';
import { admissionPlugin } from './plugins/admission.js';
import { WorkBudget } from './admission/budget.js';

export interface GatewayOptions {
  config: GatewayConfig;
  /** Subgraph URLs by name; defaults to the configured list (schema/subgraphs.json + env overrides). */
  subgraphUrls?: Record<string, string>;
}

export interface Gateway {
  http: Server;
  /** Starts the features' workers once the gateway listens at `url`. */
  started(url: string): Promise<void>;
  apollo: ApolloServer<GatewayContext>;
  store: GatewayStore;
  logger: Logger;
  stop(): Promise<void>;
}

const MB = 1024 * 1024;
/** This process's memory (the export thread's heap is its own, bounded by FOOTPRINT_EXPORT_THREAD_HEAP_MB). */
function memoryReport() {
  const m = process.memoryUsage();
  const round = (n: number) => Math.round(n / MB);
  return { rssMb: round(m.rss), heapUsedMb: round(m.heapUsed), heapTotalMb: round(m.heapTotal), heapLimitMb: round(getHeapStatistics().heap_size_limit), externalMb: round(m.external) };
}

/** Builds the gateway over the static supergraph composed at build time; the caller listens. */
export async function createGateway({ config, subgraphUrls }: GatewayOptions): Promise<Gateway> {
  if (!existsSync(config.supergraphPath)) {
    throw new ConfigError(`No supergraph at ${config.supergraphPath}: run "npm run build" (it composes the subgraphs' SDL)`);
  }
  const supergraphSdl = readFileSync(config.supergraphPath, 'utf8');
  const logger = createLogger('gateway', config.logLevel);
  const store = openGatewayStore(config.dataDir, Object.assign({}, ...FEATURES.map((f) => f.migrations ?? {})));
  await store.migrate();

  const urls: Record<string, string> = Object.fromEntries(listSubgraphs().map((s) => [s.name, subgraphUrl(s)]));
  Object.assign(urls, subgraphUrls);
  const circuits = new DomainCircuits(urls, config.breaker, logger.child({ component: 'circuit' }));
  const domains = new DomainClient({ urls, internalSecret: config.internalSecret, timeoutMs: config.subgraphTimeoutMs, circuits });
  let gatewayUrl = '';
  const featureContext: FeatureContext = {
    config,
    store,
    logger,
    supergraphSdl,
    subgraphUrls: urls,
    circuits,
    domains,
    gatewayUrl: () => gatewayUrl || `${config.publicUrl.replace(/\/$/, '')}/graphql`,
  };
  const features: GatewayFeature[] = [];
  for (const f of FEATURES) features.push(await f.create(featureContext));
  const localResolvers: LocalResolvers[] = [personResolvers, ...features.flatMap((f) => (f.resolvers ? [f.resolvers] : []))];
  const localSchema = buildLocalSchema(localResolvers);
  const persons = personMarks(localSchema);
  // Without its marks the plugin would see no person in any request; the resolvers' second lock would then refuse everything.
  if (persons.arguments.size === 0) throw new ConfigError('The gateway\'s own schema marks no argument @person (gateway/schema/person.graphql)');

  let fastPath: FastPathGateway | null = null;
  const apolloGateway = new ApolloGateway({
    supergraphSdl,
    logger,
    // The fast path learns each operation's plan from Apollo's planner (fastpath/gateway.ts).
    experimental_didResolveQueryPlan: (resolved) => fastPath?.learn(resolved),
    // A bounded LRU of query plans (Apollo's default is 30 MiB); the footprint's operations are few and generated.
    experimental_approximateQueryPlanStoreMiB: config.queryPlanCacheMb,
    buildService: ({ name, url }) =>
      name === GATEWAY_SUBGRAPH
        ? new LocalSource(localSchema)
        : new DomainDataSource(name, domains, url),
  });

  fastPath = config.fastPath ? new FastPathGateway(apolloGateway, { domains, local: GATEWAY_SUBGRAPH }) : null;
  const gateway = fastPath ?? apolloGateway;

  const armor = new ApolloArmor({
    maxDepth: { n: config.limits.maxDepth, flattenFragments: true, exposeLimits: true },
    // __typename aliases count like any other: 500 of them are 500 fields to answer.
    maxAliases: { n: config.limits.maxAliases, exposeLimits: true, allowList: [] },
    // Armor's token limit re-parses in a plugin hook, where any syntax error becomes a 500;
    // graphql-js counts tokens in the one real parse instead (parseOptions below).
    maxTokens: { enabled: false },
    maxDirectives: { n: 50, exposeLimits: true },
    // Depth, aliases and tokens bound a request; a footprint query is legitimately wide.
    costLimit: { enabled: false },
    blockFieldSuggestion: { enabled: config.production },
  }).protect();

  const budget = new WorkBudget({ records: config.admission.records, perPrincipal: config.admission.perPrincipal });
  const apollo = new ApolloServer<GatewayContext>({
    gateway,
    logger,
    introspection: !config.production,
    includeStacktraceInErrorResponses: false,
    csrfPrevention: true,
    allowBatchedHttpRequests: false,
    // index.ts owns shutdown (gw.stop(): the export thread hands its jobs back, then the store closes); Apollo's own
    // handler would re-raise the signal once Apollo alone had stopped, ending the process half-way through that.
    stopOnTerminationSignals: false,
    // Over the limit is a syntax error of that parse (400, GRAPHQL_PARSE_FAILED), relabelled LIMIT_EXCEEDED by formatError.
    parseOptions: { maxTokens: config.limits.maxTokens },
    validationRules: armor.validationRules,
    plugins: [
      ...(armor.plugins as ApolloServerPlugin<GatewayContext>[]),
      ApolloServerPluginLandingPageDisabled(),
      ApolloServerPluginCacheControlDisabled(),
      requestLogPlugin(),
      // Before authorization: a refusal must be quick when the gateway is busiest, and a request refused reads nothing, so
      // there is no read to audit; a request authorization then refuses gives its share back as it ends.
      admissionPlugin({ budget, retryAfterSeconds: config.admission.retryAfterSeconds }),
      authorizationPlugin({ store, persons, fieldScopes: Object.assign({}, ...features.map((f) => f.fieldScopes ?? {})) }),
    ],
    formatError,
  });
  await apollo.start();

  const verify = createTokenVerifier({ jwtSecret: config.jwtSecret, jwksUrl: config.jwksUrl, issuer: config.jwtIssuer, audience: config.jwtAudience, internalSecret: config.internalSecret, ...config.tokens });
  const routes: Route[] = features.flatMap((f) => f.routes ?? []);
  const principalChecks = features.flatMap((f) => (f.checkPrincipal ? [f.checkPrincipal.bind(f)] : []));
  const http = createGraphQLHttpServer<GatewayContext>({
    apollo,
    maxBodyBytes: config.limits.maxBodyBytes,
    maxHeaderBytes: config.limits.maxHeaderBytes,
    timeouts: { headersMs: config.http.headersTimeoutMs, requestMs: config.http.requestTimeoutMs, keepAliveMs: config.http.keepAliveTimeoutMs },
    maxConnections: config.http.maxConnections,
    jsonRequestErrorsAs200: true,
    routes,
    // Domain answers the fast path forwarded unparsed are written into the body here.
    finishBody: (ctx, body) => spliceRaw(ctx.exchange, body),
    context: async (req, requestId, lifetime) => {
      const reason = req.headers['x-footprint-reason'];
      const principal = await verify(req.headers.authorization, typeof reason === 'string' ? reason : undefined);
      for (const check of principalChecks) await check(principal);
      const acceptLanguage = typeof req.headers['accept-language'] === 'string' ? req.headers['accept-language'] : undefined;
      return { requestId, principal, person: null, log: logger.child({ requestId, actor: principal.sub }), exchange: {}, lifetime, acceptLanguage };
    },
    health: async () => {
      // Each domain's own health check, and the state of its circuit (open: requests to it fail fast).
      const circuit = circuits.status();
      const subgraphs = Object.fromEntries(
        await Promise.all(
          Object.entries(urls).map(async ([name, url]) => {
            const started = Date.now();
            try {
              const res = await fetch(new URL('/health', url), { signal: AbortSignal.timeout(2000) });
              await res.body?.cancel();
              return [name, { ok: res.ok && circuit[name]?.state !== 'open', ms: Date.now() - started, circuit: circuit[name] }] as const;
            } catch (err) {
              return [name, { ok: false, ms: Date.now() - started, error: describeFailure(err, 2000), circuit: circuit[name] }] as const;
            }
          }),
        ),
      );
      const down = Object.entries(subgraphs).filter(([, s]) => !s.ok).map(([n]) => n);
      return { ok: true, service: 'gateway', status: down.length ? 'degraded' : 'ok', down, subgraphs, memory: memoryReport(), admission: budget.status(), fastPath: fastPath?.stats() ?? null };
    },
    onError: (err) => logger.error({ err }, 'request failed'),
  });

  return {
    http,
    apollo,
    store,
    logger,
    async started(url) {
      gatewayUrl = url;
      for (const f of features) await f.start?.();
    },
    async stop() {
      for (const f of features) await f.stop?.();
      await closeServer(http);
      await apollo.stop();
      await store.close();
    },
  };
}
