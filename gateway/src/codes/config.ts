import { z } from 'zod';
import { ConfigError } from '@footprint/kit';

const Env = z.object({
  /** Code checks (right or wrong) at one privacy request's codes, or at one person's erasure codes, per guess window. */
  FOOTPRINT_CODE_GUESSES_PER_REQUEST: z.coerce.number().int().min(1).max(1000).default(10),
  /** Code checks at all of one person's codes (every request and the erasure codes) per guess window. */
  FOOTPRINT_CODE_GUESSES_PER_PERSON: z.coerce.number().int().min(1).max(1000).default(20),
  FOOTPRINT_CODE_GUESS_WINDOW_MINUTES: z.coerce.number().int().min(1).max(43_200).default(1440),
  /** Codes sent for one privacy request (or one person's erasure), by the person or an operator, per send window. */
  FOOTPRINT_CODE_SENDS_PER_REQUEST: z.coerce.number().int().min(1).max(1000).default(5),
  /** Codes sent to one person, all requests and erasures together, per send window. */
  FOOTPRINT_CODE_SENDS_PER_PERSON: z.coerce.number().int().min(1).max(1000).default(10),
  FOOTPRINT_CODE_SEND_WINDOW_MINUTES: z.coerce.number().int().min(1).max(43_200).default(60),
});

/** A bound: at most `max` in a fixed window of `windowMs`. */
export interface Bound {
  max: number;
  windowMs: number;
}

/** How often one-time codes may be checked and sent, per request and per person (see CodeLimits). */
export interface CodeLimitsConfig {
  guessesPerRequest: Bound;
  guessesPerPerson: Bound;
  sendsPerRequest: Bound;
  sendsPerPerson: Bound;
}

/** Read once at startup, validated; a bad value stops the gateway naming it. */
export function loadCodeLimitsConfig(env: NodeJS.ProcessEnv = process.env): CodeLimitsConfig {
  const parsed = Env.safeParse(env);
  if (!parsed.success) throw new ConfigError(`Invalid one-time code limits: ${parsed.error.issues.map((i) => `${i.path.join('.')}: ${i.message}`).join('; ')}`);
  const e = parsed.data;
  const guessMs = e.FOOTPRINT_CODE_GUESS_WINDOW_MINUTES * 60_000;
  const sendMs = e.FOOTPRINT_CODE_SEND_WINDOW_MINUTES * 60_000;
  return {
    guessesPerRequest: { max: e.FOOTPRINT_CODE_GUESSES_PER_REQUEST, windowMs: guessMs },
    guessesPerPerson: { max: e.FOOTPRINT_CODE_GUESSES_PER_PERSON, windowMs: guessMs },
    sendsPerRequest: { max: e.FOOTPRINT_CODE_SENDS_PER_REQUEST, windowMs: sendMs },
    sendsPerPerson: { max: e.FOOTPRINT_CODE_SENDS_PER_PERSON, windowMs: sendMs },
  };
}
