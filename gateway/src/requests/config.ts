import { z } from 'zod';
import { DataRegion } from '@footprint/schema';
import { ConfigError } from '@footprint/kit';

const Env = z.object({
  /** The same type of request from the same person within this many days is flagged as possibly excessive (§10). */
  FOOTPRINT_REQUEST_REPEAT_WINDOW_DAYS: z.coerce.number().min(0).max(3660).default(30),
  /** How often the gateway looks for finished work (export jobs) of requests in progress. */
  FOOTPRINT_REQUEST_SYNC_MS: z.coerce.number().int().min(50).max(3_600_000).default(2000),
  /** Where the gateway's own store (and so every request record) is kept (§11); shown in each record's metadata. */
  FOOTPRINT_GATEWAY_REGION: z.enum(DataRegion.values).default('NETHERLANDS'),
});

export interface RequestsConfig {
  repeatWindowDays: number;
  syncMs: number;
  region: DataRegion;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadRequestsConfig(env: NodeJS.ProcessEnv = process.env): RequestsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid privacy requests environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { repeatWindowDays: parsed.data.FOOTPRINT_REQUEST_REPEAT_WINDOW_DAYS, syncMs: parsed.data.FOOTPRINT_REQUEST_SYNC_MS, region: parsed.data.FOOTPRINT_GATEWAY_REGION };
}
