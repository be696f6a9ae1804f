import { join } from 'node:path';
import { z } from 'zod';
import { ConfigError, FetchableUrl, MAX_PAGE_SIZE } from '@footprint/kit';
import { DataRegion } from '@footprint/schema';
import type { CircuitOptions } from '../circuit.js';
import type { GatewayConfig } from '../config.js';

const Env = z.object({
  /** Set: jobs go on a BullMQ queue on this Redis and `npm run worker` runs them. Unset: SQLite job table + in-process worker. */
  REDIS_URL: z.string().regex(/^rediss?:\/\/\S+$/, 'REDIS_URL must be a redis:// or rediss:// URL').optional(),
  /** BullMQ queue name and key prefix (tests use unique ones per run). */
  FOOTPRINT_EXPORT_QUEUE: z.string().regex(/^[\w.-]{1,100}$/).default('footprint-exports'),
  FOOTPRINT_EXPORT_QUEUE_PREFIX: z.string().regex(/^[\w.:-]{1,100}$/).default('footprint'),
  /** Where archives are built and kept; default <dataDir>/exports. Gateway and workers must share it. */
  FOOTPRINT_EXPORT_DIR: z.string().min(1).optional(),
  /** Where the gateway's own records are stored (the same variable the requests feature reads): processing.json says so. */
  FOOTPRINT_GATEWAY_REGION: z.enum(DataRegion.values).default('NETHERLANDS'),
  /** The gateway URL a standalone worker reads through; default the gateway's public URL + /graphql. */
  /** Where export workers read through the gateway; default: this gateway (embedded) or FOOTPRINT_PUBLIC_URL (npm run worker). */
  FOOTPRINT_GATEWAY_URL: FetchableUrl.optional(),
  /**
   * Embedded mode: this gateway's worker name, kept across restarts, so a restarted gateway takes back its own
   * unfinished jobs at once (others' wait for the stale threshold). Default gateway:<host>:<port>; set it where
   * host names change on restart (containers). It must be unique among the gateways sharing a store.
   */
  FOOTPRINT_WORKER_ID: z.string().regex(/^[\w.:-]{1,100}$/, 'FOOTPRINT_WORKER_ID: letters, digits and . _ : - (at most 100)').optional(),
  /** Jobs one process runs at once; 0 = this gateway runs no worker (embedded mode only). */
  FOOTPRINT_EXPORT_CONCURRENCY: z.coerce.number().int().min(0).max(32).default(1),
  /**
   * Embedded mode: build archives in a worker thread with a heap of its own (FOOTPRINT_EXPORT_THREAD_HEAP_MB), so
   * their CPU work never stalls the gateway's requests and their memory is bounded apart from the gateway's.
   * 0: in the gateway's event loop (and heap).
   */
  FOOTPRINT_EXPORT_THREAD: z.enum(['0', '1', 'false', 'true']).default('1'),
  /** The export thread's V8 heap limit (resourceLimits.maxOldGenerationSizeMb): a job holds two pages per lane (FOOTPRINT_EXPORT_PARALLEL_KINDS), never a person; 48 MB suffices at the defaults. */
  FOOTPRINT_EXPORT_THREAD_HEAP_MB: z.coerce.number().int().min(32).max(4096).default(64),
  /** Kinds of different domains read at once within one job (their subgraphs then work in parallel). */
  FOOTPRINT_EXPORT_PARALLEL_KINDS: z.coerce.number().int().min(1).max(16).default(2),
  /**
   * How jobs read the domains' records: `direct` asks each kind's own subgraph (`_entities`, one signed internal
   * credential per job; the job was authorised when it was requested), `gateway` reads every page through the
   * gateway's GraphQL endpoint as the job. Default: direct for the gateway's own workers (embedded), gateway for
   * `npm run worker` (a process elsewhere may not reach the subgraphs; set FOOTPRINT_SUBGRAPH_<NAME>_URL with it).
   * The gateway's own data (corrections, privacy requests) is always read through the gateway.
   */
  FOOTPRINT_EXPORT_READ: z.enum(['direct', 'gateway']).optional(),
  /**
   * Records per page a job reads (the subgraphs' maximum is 5,000). 1,000: the pages a job holds at once (two per
   * lane) stay small enough to die young in the export thread's heap; against 2,000, the same throughput and about
   * 20 MB less gateway peak RSS on a 100k-record export (`BENCH_ONLY=export`, 3 runs each).
   */
  FOOTPRINT_EXPORT_PAGE_SIZE: z.coerce.number().int().min(1).max(MAX_PAGE_SIZE).default(1000),
  /** Attempts per gateway request before a domain counts as unreadable, with exponential backoff from the base. */
  FOOTPRINT_EXPORT_RETRIES: z.coerce.number().int().min(1).max(20).default(5),
  FOOTPRINT_EXPORT_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /** A RUNNING job whose heartbeat is older than this is taken as crashed and re-run (embedded mode). */
  FOOTPRINT_EXPORT_STALE_MS: z.coerce.number().int().min(200).default(60_000),
  /** Runs a job gets (the first and the resumes after crashes) before it is FAILED. */
  FOOTPRINT_EXPORT_MAX_RUNS: z.coerce.number().int().min(1).max(20).default(3),
  /** §10: at most MAX_PER_WINDOW exports of one person per WINDOW_HOURS (failed jobs do not count). */
  FOOTPRINT_EXPORT_WINDOW_HOURS: z.coerce.number().positive().max(24 * 366).default(24),
  FOOTPRINT_EXPORT_MAX_PER_WINDOW: z.coerce.number().int().min(1).max(1000).default(3),
  /** How long a finished archive is kept before it is deleted (state EXPIRED). */
  FOOTPRINT_EXPORT_RETENTION_HOURS: z.coerce.number().positive().max(24 * 366).default(7 * 24),
  /** How long one signed download link is valid. */
  FOOTPRINT_EXPORT_LINK_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(15 * 60),
  /** Deflate level of the ZIP: 1 is fast and still shrinks JSON and CSV several times. */
  FOOTPRINT_EXPORT_ZIP_LEVEL: z.coerce.number().int().min(0).max(9).default(1),
  /** BullMQ lock and stalled-check interval for standalone workers. */
  FOOTPRINT_EXPORT_LOCK_MS: z.coerce.number().int().min(500).default(30_000),
});

export interface ExportConfig {
  redisUrl: string | undefined;
  queueName: string;
  queuePrefix: string;
  dir: string;
  /** FOOTPRINT_GATEWAY_REGION: where the gateway's own records (corrections, privacy requests) are stored. */
  gatewayRegion: DataRegion;
  gatewayUrl: string;
  /** FOOTPRINT_WORKER_ID, if set. */
  workerId: string | undefined;
  /** FOOTPRINT_GATEWAY_URL was set: embedded workers read there too, not through this process's own address. */
  gatewayUrlConfigured: boolean;
  concurrency: number;
  thread: boolean;
  threadHeapMb: number;
  parallelKinds: number;
  read: 'direct' | 'gateway';
  pageSize: number;
  retries: number;
  retryBaseMs: number;
  staleMs: number;
  maxRuns: number;
  windowMs: number;
  maxPerWindow: number;
  retentionMs: number;
  linkTtlSeconds: number;
  zipLevel: number;
  lockMs: number;
  /** Signs download links and job tokens. */
  internalSecret: string;
  publicUrl: string;
  supergraphPath: string;
  /** The gateway's subgraph timeout and circuit breaking, for direct reads. */
  subgraphTimeoutMs: number;
  breaker: CircuitOptions;
}

/** Reads the export settings once at startup, validated; nothing below reads process.env. `runs`: in the gateway, or `npm run worker`. */
export function loadExportConfig(gateway: GatewayConfig, env: NodeJS.ProcessEnv = process.env, runs: 'gateway' | 'worker' = 'gateway'): ExportConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) {
    throw new ConfigError(`Invalid export environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  }
  const e = parsed.data;
  const publicUrl = gateway.publicUrl.replace(/\/$/, '');
  return {
    redisUrl: e.REDIS_URL,
    queueName: e.FOOTPRINT_EXPORT_QUEUE,
    queuePrefix: e.FOOTPRINT_EXPORT_QUEUE_PREFIX,
    dir: e.FOOTPRINT_EXPORT_DIR ?? join(gateway.dataDir, 'exports'),
    gatewayRegion: e.FOOTPRINT_GATEWAY_REGION,
    gatewayUrl: e.FOOTPRINT_GATEWAY_URL ?? `${publicUrl}/graphql`,
    workerId: e.FOOTPRINT_WORKER_ID,
    gatewayUrlConfigured: e.FOOTPRINT_GATEWAY_URL !== undefined,
    concurrency: e.FOOTPRINT_EXPORT_CONCURRENCY,
    thread: e.FOOTPRINT_EXPORT_THREAD === '1' || e.FOOTPRINT_EXPORT_THREAD === 'true',
    threadHeapMb: e.FOOTPRINT_EXPORT_THREAD_HEAP_MB,
    parallelKinds: e.FOOTPRINT_EXPORT_PARALLEL_KINDS,
    read: e.FOOTPRINT_EXPORT_READ ?? (runs === 'gateway' ? 'direct' : 'gateway'),
    pageSize: e.FOOTPRINT_EXPORT_PAGE_SIZE,
    retries: e.FOOTPRINT_EXPORT_RETRIES,
    retryBaseMs: e.FOOTPRINT_EXPORT_RETRY_BASE_MS,
    staleMs: e.FOOTPRINT_EXPORT_STALE_MS,
    maxRuns: e.FOOTPRINT_EXPORT_MAX_RUNS,
    windowMs: e.FOOTPRINT_EXPORT_WINDOW_HOURS * 3600_000,
    maxPerWindow: e.FOOTPRINT_EXPORT_MAX_PER_WINDOW,
    retentionMs: e.FOOTPRINT_EXPORT_RETENTION_HOURS * 3600_000,
    linkTtlSeconds: e.FOOTPRINT_EXPORT_LINK_TTL_SECONDS,
    zipLevel: e.FOOTPRINT_EXPORT_ZIP_LEVEL,
    lockMs: e.FOOTPRINT_EXPORT_LOCK_MS,
    internalSecret: gateway.internalSecret,
    publicUrl,
    supergraphPath: gateway.supergraphPath,
    subgraphTimeoutMs: gateway.subgraphTimeoutMs,
    breaker: gateway.breaker,
  };
}
