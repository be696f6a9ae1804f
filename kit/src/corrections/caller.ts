import { fail } from '@footprint/schema';
import type { Logger } from '../logger.js';
import type { CorrectionDeliveryConfig } from './delivery.js';

/** The scope an operator's credential must carry to correct (the gateway checks it first). */
export const CORRECT_SCOPE = 'footprint:correct';

/** What the engine reads of the subgraph's request context. */
export interface Caller {
  person: string | null;
  credential: { actor: string; actorType: 'subject' | 'operator' | 'job'; scopes: string[]; requestId: string };
  log: Logger;
  /** The language the person reads, as the gateway passed it (codes are written in it); absent: the default. */
  language?: string;
}

/** The person a read is for. */
export function readPerson(ctx: Caller): string {
  if (!ctx.person) fail('FORBIDDEN', 'This call is not for a person: the gateway credential names no person');
  return ctx.person;
}

/** The person a correction is for, if the caller may correct: the person, or an operator with the scope; never an export job. */
export function requireCorrector(ctx: Caller): string {
  const person = readPerson(ctx);
  const c = ctx.credential;
  if (c.actorType === 'job') fail('FORBIDDEN', 'An export job cannot correct data');
  if (c.actorType === 'operator' && !c.scopes.includes(CORRECT_SCOPE)) fail('FORBIDDEN', `Operator credential lacks the scope ${CORRECT_SCOPE}`);
  return person;
}

/** The delivery settings of a domain that takes corrections; FORBIDDEN for one that does not. */
export function takesCorrections(domain: string, delivery: CorrectionDeliveryConfig | null): CorrectionDeliveryConfig {
  if (!delivery) fail('FORBIDDEN', `The ${domain} domain takes no corrections`);
  return delivery;
}
