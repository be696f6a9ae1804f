import { z } from 'zod';
import { DataRegion } from '@footprint/schema';
import { ConfigError } from '@footprint/kit';

const Env = z.object({
  /** One request to the person's server (a PUT, a GET, a PROPFIND) must be answered within this. */
  FOOTPRINT_PUSH_TIMEOUT_MS: z.coerce.number().int().min(1000).max(300_000).default(30_000),
  /** A running push whose heartbeat stopped this long ago ended with its gateway: marked FAILED (INTERRUPTED), resumable. */
  FOOTPRINT_PUSH_STALE_MS: z.coerce.number().int().min(10_000).max(86_400_000).default(120_000),
  FOOTPRINT_GATEWAY_REGION: z.enum(DataRegion.values).default('NETHERLANDS'),
});

export interface PushConfig {
  timeoutMs: number;
  staleMs: number;
  region: DataRegion;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadPushConfig(env: NodeJS.ProcessEnv = process.env): PushConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid server push environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { timeoutMs: parsed.data.FOOTPRINT_PUSH_TIMEOUT_MS, staleMs: parsed.data.FOOTPRINT_PUSH_STALE_MS, region: parsed.data.FOOTPRINT_GATEWAY_REGION };
}
