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
});

export interface RequestsConfig {
  repeatWindowDays: number;
  syncMs: number;
  region: DataRegion;
  timeZone: string;
  maxReceiptAgeDays: number;
  serviceStart: string;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadRequestsConfig(env: NodeJS.ProcessEnv = process.env): RequestsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid privacy requests environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return {
    repeatWindowDays: parsed.data.FOOTPRINT_REQUEST_REPEAT_WINDOW_DAYS,
    syncMs: parsed.data.FOOTPRINT_REQUEST_SYNC_MS, region: parsed.data.FOOTPRINT_GATEWAY_REGION,
    timeZone: parsed.data.FOOTPRINT_REQUEST_TIME_ZONE,
    maxReceiptAgeDays: parsed.data.FOOTPRINT_REQUEST_MAX_RECEIPT_AGE_DAYS,
    serviceStart: parsed.data.FOOTPRINT_REQUEST_SERVICE_START,
  };
}
