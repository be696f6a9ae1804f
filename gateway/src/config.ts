import { join } from 'node:path';
import { getHeapStatistics } from 'node:v8';
import { z } from 'zod';
import { ConfigError, FetchableUrl, loadConfig, PortSchema, type SecretsConfig } from '@footprint/kit';
import type { CircuitOptions } from './circuit.js';
import { GATEWAY_ROOT } from './package-root.js';

const Env = z.object({
  PORT: PortSchema.default(4000),
  HOST: z.string().default('127.0.0.1'),
  FOOTPRINT_PUBLIC_URL: FetchableUrl.optional(),
  FOOTPRINT_SUPERGRAPH: z.string().optional(),
  /** @apollo/gateway has no default subgraph timeout; 30 s matches Apollo Router's. */
  FOOTPRINT_SUBGRAPH_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  FOOTPRINT_MAX_DEPTH: z.coerce.number().int().min(1).default(15),
  FOOTPRINT_MAX_ALIASES: z.coerce.number().int().min(0).default(15),
  /** 15,000 parser tokens, Apollo Router's default. */
  FOOTPRINT_MAX_TOKENS: z.coerce.number().int().min(100).default(15_000),
  /** 2 MB, Apollo Router's default. */
  FOOTPRINT_MAX_BODY_BYTES: z.coerce.number().int().min(1024).default(2 * 1024 * 1024),
  /** Size of the gateway's query plan cache (an LRU); Apollo Server's parsed-document cache is its own 30 MiB LRU. */
  FOOTPRINT_QUERY_PLAN_CACHE_MB: z.coerce.number().int().min(1).max(1024).default(8),
  /** Circuit breaking per domain: failures in a row that open it, how long it stays open (doubling), its probe's timeout. */
  FOOTPRINT_BREAKER_FAILURES: z.coerce.number().int().min(1).max(100).default(3),
  FOOTPRINT_BREAKER_OPEN_MS: z.coerce.number().int().min(100).default(5000),
  FOOTPRINT_BREAKER_MAX_OPEN_MS: z.coerce.number().int().min(100).default(60_000),
  FOOTPRINT_BREAKER_PROBE_TIMEOUT_MS: z.coerce.number().int().min(100).default(2000),
  /** Request line and headers together; 16 KB, Node's default. */
  FOOTPRINT_MAX_HEADER_BYTES: z.coerce.number().int().min(1024).max(1024 * 1024).default(16 * 1024),
  /** The longest lifetime a bearer token may have (exp − iat); 24 h. */
  FOOTPRINT_JWT_MAX_TTL_SECONDS: z.coerce.number().int().min(60).default(86_400),
  FOOTPRINT_JWT_CLOCK_TOLERANCE_SECONDS: z.coerce.number().int().min(0).max(300).default(0),
  /** Slow clients (408 past them): the request line and headers, the whole request; an idle kept-alive connection is closed. */
  FOOTPRINT_HEADERS_TIMEOUT_MS: z.coerce.number().int().min(100).default(10_000),
  FOOTPRINT_REQUEST_TIMEOUT_MS: z.coerce.number().int().min(100).default(30_000),
  FOOTPRINT_KEEP_ALIVE_TIMEOUT_MS: z.coerce.number().int().min(100).default(5_000),
  /** Connections open at once; more are closed as they arrive. */
  FOOTPRINT_MAX_CONNECTIONS: z.coerce.number().int().min(1).default(1024),
  /**
   * Records the requests in flight may assemble together (admission/): by default from the heap this process was
   * given (FOOTPRINT_GATEWAY_HEAP_MB), RECORDS_PER_HEAP_MB for each MB above HEAP_RESERVE_MB.
   */
  FOOTPRINT_ADMISSION_RECORDS: z.coerce.number().int().min(1).optional(),
  /**
   * Records one principal's requests may assemble together, and so the most one request may ask (more is refused
   * LIMIT_EXCEEDED); by default 60% of the above.
   */
  FOOTPRINT_ADMISSION_PRINCIPAL_RECORDS: z.coerce.number().int().min(1).optional(),
  /** Retry-After of a request refused for want of budget. */
  FOOTPRINT_ADMISSION_RETRY_AFTER_S: z.coerce.number().int().min(1).max(3600).default(2),
  /** `on`: the person's API answers plain person reads without @apollo/gateway's execution (fastpath/); `off`: Apollo answers everything. */
  FOOTPRINT_GATEWAY_FAST_PATH: z.enum(['on', 'off']).default('on'),
});

export interface GatewayConfig extends SecretsConfig {
  port: number;
  host: string;
  publicUrl: string;
  supergraphPath: string;
  subgraphTimeoutMs: number;
  limits: { maxDepth: number; maxAliases: number; maxTokens: number; maxBodyBytes: number; maxHeaderBytes: number };
  tokens: { maxTtlSeconds: number; clockToleranceSeconds: number };
  breaker: CircuitOptions;
  queryPlanCacheMb: number;
  /** FOOTPRINT_GATEWAY_FAST_PATH. */
  fastPath: boolean;
  http: { headersTimeoutMs: number; requestTimeoutMs: number; keepAliveTimeoutMs: number; maxConnections: number };
  admission: { records: number; perPrincipal: number; retryAfterSeconds: number };
}

/** Heap the gateway keeps for itself (code, schema, plan and document caches, the export queue) before any request's records. */
export const HEAP_RESERVE_MB = 96;
/**
 * Records admitted per MB of heap above the reserve: 4 KB a record. Measured (`npm run bench`, BENCH_ONLY=overload,
 * a 256 MB heap): one whole heavy footprint in flight at a time (55,000 records, a 19.5 MB answer) kept the gateway at
 * ~290 MB RSS, its collector busy enough that no other request was answered within 30 s — some 3.6 KB a record.
 * Admission counts a request's records by its connections' `first`, an upper bound, which a page of one kind meets.
 */
export const RECORDS_PER_HEAP_MB = 250;

/** The default budget of records in flight for a heap of `heapMb`. */
export function defaultAdmissionRecords(heapMb: number): number {
  return Math.max(1000, Math.floor((heapMb - HEAP_RESERVE_MB) * RECORDS_PER_HEAP_MB));
}

/** Reads the gateway's configuration once, validated; nothing below reads process.env. */
export function loadGatewayConfig(env: NodeJS.ProcessEnv = process.env): GatewayConfig {
  const secrets = loadConfig(env);
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid gateway environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const records = e.FOOTPRINT_ADMISSION_RECORDS ?? defaultAdmissionRecords(getHeapStatistics().heap_size_limit / (1024 * 1024));
  if (e.FOOTPRINT_HEADERS_TIMEOUT_MS >= e.FOOTPRINT_REQUEST_TIMEOUT_MS) {
    throw new ConfigError('Invalid gateway environment: FOOTPRINT_HEADERS_TIMEOUT_MS must be less than FOOTPRINT_REQUEST_TIMEOUT_MS (the headers are part of the request)');
  }
  return {
    ...secrets,
    port: e.PORT,
    host: e.HOST,
    publicUrl: e.FOOTPRINT_PUBLIC_URL ?? `http://localhost:${e.PORT}`,
    supergraphPath: e.FOOTPRINT_SUPERGRAPH ?? join(GATEWAY_ROOT, 'supergraph.graphql'),
    subgraphTimeoutMs: e.FOOTPRINT_SUBGRAPH_TIMEOUT_MS,
    limits: { maxDepth: e.FOOTPRINT_MAX_DEPTH, maxAliases: e.FOOTPRINT_MAX_ALIASES, maxTokens: e.FOOTPRINT_MAX_TOKENS, maxBodyBytes: e.FOOTPRINT_MAX_BODY_BYTES, maxHeaderBytes: e.FOOTPRINT_MAX_HEADER_BYTES },
    tokens: { maxTtlSeconds: e.FOOTPRINT_JWT_MAX_TTL_SECONDS, clockToleranceSeconds: e.FOOTPRINT_JWT_CLOCK_TOLERANCE_SECONDS },
    queryPlanCacheMb: e.FOOTPRINT_QUERY_PLAN_CACHE_MB,
    fastPath: e.FOOTPRINT_GATEWAY_FAST_PATH === 'on',
    http: { headersTimeoutMs: e.FOOTPRINT_HEADERS_TIMEOUT_MS, requestTimeoutMs: e.FOOTPRINT_REQUEST_TIMEOUT_MS, keepAliveTimeoutMs: e.FOOTPRINT_KEEP_ALIVE_TIMEOUT_MS, maxConnections: e.FOOTPRINT_MAX_CONNECTIONS },
    admission: {
      records,
      perPrincipal: Math.min(records, e.FOOTPRINT_ADMISSION_PRINCIPAL_RECORDS ?? Math.max(1, Math.floor(records * 0.6))),
      retryAfterSeconds: e.FOOTPRINT_ADMISSION_RETRY_AFTER_S,
    },
    breaker: {
      failureThreshold: e.FOOTPRINT_BREAKER_FAILURES,
      openMs: e.FOOTPRINT_BREAKER_OPEN_MS,
      maxOpenMs: Math.max(e.FOOTPRINT_BREAKER_OPEN_MS, e.FOOTPRINT_BREAKER_MAX_OPEN_MS),
      probeTimeoutMs: e.FOOTPRINT_BREAKER_PROBE_TIMEOUT_MS,
    },
  };
}
