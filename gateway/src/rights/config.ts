import { z } from 'zod';
import { ConfigError, loadCorrectionDeliveryConfig, type CorrectionDeliveryConfig } from '@footprint/kit';
import type { GatewayConfig } from '../config.js';

const Env = z.object({
  /** BullMQ queue of erasure jobs (with REDIS_URL); the export queue's prefix is shared. */
  FOOTPRINT_ERASURE_QUEUE: z.string().regex(/^[\w.-]{1,100}$/).default('footprint-erasures'),
  /** Attempts per domain call before the erasure FAILS naming that domain, with exponential backoff from the base. */
  FOOTPRINT_ERASURE_RETRIES: z.coerce.number().int().min(1).max(20).default(5),
  FOOTPRINT_ERASURE_RETRY_BASE_MS: z.coerce.number().int().min(1).max(60_000).default(500),
  /** How long an erasure waits for a running export of the person to finish before cancelling it. */
  FOOTPRINT_ERASURE_EXPORT_WAIT_MS: z.coerce.number().int().min(0).max(3_600_000).default(120_000),
  /** A RUNNING erasure whose heartbeat is older than this is taken as crashed and resumed (embedded mode). */
  FOOTPRINT_ERASURE_STALE_MS: z.coerce.number().int().min(200).default(60_000),
  FOOTPRINT_ERASURE_MAX_RUNS: z.coerce.number().int().min(1).max(20).default(3),
  /** Erasures one gateway runs at once; 0 = none here (another gateway sharing the store runs them). */
  FOOTPRINT_ERASURE_CONCURRENCY: z.coerce.number().int().min(0).max(16).default(1),
  /** How often the gateway asks domains what they did under FAILED erasures (and adopts it); 0 = never by itself. */
  FOOTPRINT_ERASURE_SWEEP_MS: z.coerce.number().int().min(0).max(86_400_000).default(3_600_000),
  /** How often the gateway carries consent records a domain keeps (account's) into every other domain's ledger; 0 = only when called. */
  FOOTPRINT_CONSENT_SYNC_MS: z.coerce.number().int().min(0).max(3_600_000).default(60_000),
  /** How long the link to an erasure's receipts (usable without signing in: the account is gone) stays valid. */
  FOOTPRINT_ERASURE_RECEIPT_DAYS: z.coerce.number().int().min(1).max(3660).default(90),
});

export interface RightsConfig {
  queueName: string;
  retries: number;
  retryBaseMs: number;
  exportWaitMs: number;
  staleMs: number;
  maxRuns: number;
  concurrency: number;
  sweepMs: number;
  consentSyncMs: number;
  receiptTtlSeconds: number;
  /** One-time codes: the same sender, lifetime and attempts as e-mail and phone corrections. */
  codes: CorrectionDeliveryConfig;
  internalSecret: string;
  publicUrl: string;
}

/** Read once at startup, validated; nothing below reads process.env. */
export function loadRightsConfig(gateway: GatewayConfig, env: NodeJS.ProcessEnv = process.env): RightsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid erasure environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  return {
    queueName: e.FOOTPRINT_ERASURE_QUEUE,
    retries: e.FOOTPRINT_ERASURE_RETRIES,
    retryBaseMs: e.FOOTPRINT_ERASURE_RETRY_BASE_MS,
    exportWaitMs: e.FOOTPRINT_ERASURE_EXPORT_WAIT_MS,
    staleMs: e.FOOTPRINT_ERASURE_STALE_MS,
    maxRuns: e.FOOTPRINT_ERASURE_MAX_RUNS,
    concurrency: e.FOOTPRINT_ERASURE_CONCURRENCY,
    sweepMs: e.FOOTPRINT_ERASURE_SWEEP_MS,
    consentSyncMs: e.FOOTPRINT_CONSENT_SYNC_MS,
    receiptTtlSeconds: e.FOOTPRINT_ERASURE_RECEIPT_DAYS * 86_400,
    codes: loadCorrectionDeliveryConfig(gateway, env),
    internalSecret: gateway.internalSecret,
    publicUrl: gateway.publicUrl.replace(/\/$/, ''),
  };
}
