import type { z } from 'zod';
import { fail } from '@footprint/schema';

/** Validates a resolver's arguments: BAD_USER_INPUT naming every issue, else the parsed value. */
export function parseArgs<T>(schema: z.ZodType<T>, args: unknown): T {
  const r = schema.safeParse(args);
  if (!r.success) fail('BAD_USER_INPUT', r.error.issues.map((i) => i.message).join('; '), { issues: r.error.issues.map((i) => ({ path: i.path.join('.'), message: i.message })) });
  return r.data;
}
