import type { Migration } from 'kysely';
import type { Logger, Route } from '@footprint/kit';
import type { GatewayStore } from './auth/audit.js';
import type { DomainCircuits } from './circuit.js';
import type { DomainClient } from './domains/client.js';
import type { Principal } from './auth/principal.js';
import type { GatewayConfig } from './config.js';
import type { LocalResolvers } from './local.js';

/** What a gateway feature is given when the gateway starts. */
export interface FeatureContext {
  config: GatewayConfig;
  store: GatewayStore;
  logger: Logger;
  /** The composed supergraph SDL the gateway serves (data map, footprint plans). */
  supergraphSdl: string;
  /** Domain subgraph URLs by name. */
  subgraphUrls: Record<string, string>;
  /** The per-domain circuit breakers every call to a domain goes through (the domain client's; /health shows them). */
  circuits: DomainCircuits;
  /** The one client every call to a domain subgraph goes through: credential, timeout, circuit, error table. */
  domains: DomainClient;
  /** This gateway's own GraphQL URL, known once it listens (for jobs that read through it). */
  gatewayUrl(): string;
}

/** One concern of the gateway (exports, corrections, data map): its resolvers, routes and lifecycle. */
export interface GatewayFeature {
  /** Resolvers of the gateway's own subgraph for this feature's SDL (gateway/schema/<feature>.graphql). */
  resolvers?: LocalResolvers;
  /** HTTP routes tried before /graphql. */
  routes?: Route[];
  /** Scope an operator needs per root field this feature adds (default footprint:read). */
  fieldScopes?: Record<string, string>;
  /** Checked for every request once its token is verified; throws to refuse it (e.g. an erased account's tokens). */
  checkPrincipal?(principal: Principal): Promise<void>;
  /** Called after the gateway listens (workers, timers). */
  start?(): Promise<void>;
  stop?(): Promise<void>;
}

export interface FeatureModule {
  name: string;
  /** Tables in the gateway's store, applied before any feature is created. */
  migrations?: Record<string, Migration>;
  create(ctx: FeatureContext): GatewayFeature | Promise<GatewayFeature>;
}
