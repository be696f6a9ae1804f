import { z } from 'zod';
import { DataRegion } from '@footprint/schema';
import { ConfigError } from '@footprint/kit';
import { isTimeZone } from './clock.js';

const Env = z.object({
  /** The same type of request from the same person within this many days is flagged as possibly excessive (§10). */
  FOOTPRINT_REQUEST_REPEAT_WINDOW_DAYS: z.coerce.number().min(0).max(3660).default(30),
  /** How often the gateway looks for finished work (export jobs) of requests in progress. */
  FOOTPRINT_REQUEST_SYNC_MS: z.coerce.number().int().min(50).max(3_600_000).default(2000),
  /** Where the gateway's own store (and so every request record) is kept (§11); shown in each record's metadata. */
  FOOTPRINT_GATEWAY_REGION: z.enum(DataRegion.values).default('NETHERLANDS'),
  /** Where the controller answers (§10 speaks to people in Azerbaijan): "received on" and every due day are calendar days here. */
  FOOTPRINT_REQUEST_TIME_ZONE: z.string().refine(isTimeZone, 'not an IANA time zone (e.g. Asia/Baku)').default('Asia/Baku'),
  /** A written request received longer ago than this is refused as a typing error (a letter is entered when it arrives). */
  FOOTPRINT_REQUEST_MAX_RECEIPT_AGE_DAYS: z.coerce.number().int().min(1).max(3660).default(90),
  /** Nothing was received before the service took requests: an earlier receipt date is refused. */
  FOOTPRINT_REQUEST_SERVICE_START: z.iso.date().default('2025-01-01'),
  /** Outside production only: the legal clock starts at this instant when the gateway starts and runs on from there, so deadlines can be tried end to end. */
  FOOTPRINT_NOW: z.iso.datetime({ offset: true, message: 'FOOTPRINT_NOW is an ISO-8601 date-time' }).optional(),
});

export interface RequestsConfig {
  repeatWindowDays: number;
  syncMs: number;
  region: DataRegion;
  timeZone: string;
  maxReceiptAgeDays: number;
  serviceStart: string;
  /** The legal clock's start instant (non-production runs), or null: the system clock. */
  now: string | null;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadRequestsConfig(production: boolean, env: NodeJS.ProcessEnv = process.env): RequestsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid privacy requests environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  // A production legal clock is the real one: deadlines told to people are never moved.
  if (production && parsed.data.FOOTPRINT_NOW) throw new ConfigError('FOOTPRINT_NOW sets the legal clock for trials and is refused when NODE_ENV=production');
  return {
    repeatWindowDays: parsed.data.FOOTPRINT_REQUEST_REPEAT_WINDOW_DAYS,
    syncMs: parsed.data.FOOTPRINT_REQUEST_SYNC_MS, region: parsed.data.FOOTPRINT_GATEWAY_REGION,
    timeZone: parsed.data.FOOTPRINT_REQUEST_TIME_ZONE,
    maxReceiptAgeDays: parsed.data.FOOTPRINT_REQUEST_MAX_RECEIPT_AGE_DAYS,
    serviceStart: parsed.data.FOOTPRINT_REQUEST_SERVICE_START,
    now: parsed.data.FOOTPRINT_NOW ?? null,
  };
}
