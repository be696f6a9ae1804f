import { z } from 'zod';
import { ConfigError } from '@footprint/kit';

const Env = z.object({
  /** How often the gateway looks for scheduled exports that are due and for ended runs to tell the person about; 0: never (another gateway does). */
  FOOTPRINT_EXPORT_SCHEDULE_SCAN_MS: z.coerce.number().int().min(0).max(86_400_000).default(60_000),
});

export interface ScheduleConfig {
  scanMs: number;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadScheduleConfig(env: NodeJS.ProcessEnv = process.env): ScheduleConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid export schedule environment: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  return { scanMs: parsed.data.FOOTPRINT_EXPORT_SCHEDULE_SCAN_MS };
}
