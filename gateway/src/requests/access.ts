import { fail } from '@footprint/schema';
import { authorize, authorizeOwned, decide, recordAccess } from '../auth/access.js';
import type { GatewayStore } from '../auth/audit.js';
import type { GatewayContext } from '../context.js';
import type { Actor, PrivacyRequest } from './model.js';

/** The operator scope of the privacy desk. */
export const REQUESTS_SCOPE = 'footprint:requests';

/**
 * An operator acting at the desk: the footprint:requests scope and a reason,
 * written to the audit log (with the person the request is about) before
 * anything is read or changed; a refusal is audited too (auth/access.ts). The
 * queue and request ids name no person in the query, so the authorization
 * plugin cannot do this for them.
 */
export async function deskOperator(ctx: GatewayContext, store: GatewayStore, operation: string, person: string | null): Promise<Actor> {
  const p = ctx.principal;
  if (p.kind !== 'operator') fail('FORBIDDEN', 'The privacy desk is for operators (a token with the footprint:requests scope)');
  await authorize(store, ctx, { person, scope: REQUESTS_SCOPE, operation });
  return { id: p.sub, type: 'operator' };
}

/**
 * A desk read that may return many people's requests (the queue), step one:
 * the operator, the scope and a reason (a refusal is audited). Nothing is
 * recorded when allowed: deskRead does, once it is known whose data is read.
 */
export async function deskDecision(ctx: GatewayContext, store: GatewayStore, operation: string): Promise<Actor> {
  const p = ctx.principal;
  if (p.kind !== 'operator') fail('FORBIDDEN', 'The privacy desk is for operators (a token with the footprint:requests scope)');
  await decide(store, ctx, { person: null, scope: REQUESTS_SCOPE, operation });
  return { id: p.sub, type: 'operator' };
}

/**
 * Step two, once the page is read and before it is released: the read of
 * exactly the people on it — one entry per person, so each one's accesses are
 * found by person as any other read is; one entry naming no one when nothing
 * matched. What the filter named is in the operation, never taken for whose
 * data was read.
 */
export async function deskRead(ctx: GatewayContext, store: GatewayStore, operation: string, people: readonly string[]): Promise<void> {
  const distinct = [...new Set(people)];
  if (distinct.length === 0) return recordAccess(store, ctx, { person: null, operation }, 'allowed: nothing matched');
  for (const person of distinct) await recordAccess(store, ctx, { person, operation }, 'allowed');
}

/**
 * Who may act on one request: the person it is about (their own, where the
 * action is theirs to take), or a desk operator (audited). Another person's
 * request is NOT_FOUND, so ids cannot be probed.
 */
export async function requestActor(ctx: GatewayContext, store: GatewayStore, found: PrivacyRequest | null, requestId: string, operation: string, personMay: boolean): Promise<{ actor: Actor; req: PrivacyRequest }> {
  const p = ctx.principal;
  const req = await authorizeOwned(store, ctx, found, { scope: REQUESTS_SCOPE, operation: `${operation} ${requestId}` });
  if (!req) fail('NOT_FOUND', `No privacy request ${requestId}`);
  if (p.kind === 'subject' && !personMay) fail('FORBIDDEN', 'Only the privacy team can do this; you can withdraw your request or follow it in the privacy centre');
  return { actor: { id: p.sub, type: p.kind === 'subject' ? 'subject' : 'operator', acceptLanguage: ctx.acceptLanguage }, req };
}
