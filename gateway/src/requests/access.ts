import { fail, footprintError } from '@footprint/schema';
import type { GraphQLError } from 'graphql';
import { audit, type GatewayStore } from '../auth/audit.js';
import { requireOperatorGrant } from '../auth/principal.js';
import type { GatewayContext } from '../context.js';
import type { Actor, PrivacyRequest } from './model.js';

/** The operator scope of the privacy desk. */
export const REQUESTS_SCOPE = 'footprint:requests';

/**
 * An operator acting at the desk: the footprint:requests scope and a reason,
 * written to the audit log (with the person the request is about) before
 * anything is read or changed; a refusal is audited too. The queue and
 * request ids name no person in the query, so the authorization plugin
 * cannot do this for them.
 */
export async function deskOperator(ctx: GatewayContext, store: GatewayStore, operation: string, person: string | null): Promise<Actor> {
  const p = ctx.principal;
  if (p.kind !== 'operator') fail('FORBIDDEN', 'The privacy desk is for operators (a token with the footprint:requests scope)');
  const entry = { actor: p.sub, actorType: 'operator', person, operation, reason: p.reason, requestId: ctx.requestId };
  try {
    requireOperatorGrant(p, REQUESTS_SCOPE);
  } catch (err) {
    await audit(store, { ...entry, outcome: `refused: ${(err as GraphQLError).message}` });
    throw err;
  }
  try {
    await audit(store, { ...entry, outcome: 'allowed' });
  } catch (err) {
    ctx.log.error({ err }, 'audit write failed');
    throw footprintError('INTERNAL_SERVER_ERROR', 'The audit log could not be written; the request was not run');
  }
  return { id: p.sub, type: 'operator' };
}

/**
 * Who may act on one request: the person it is about (their own, where the
 * action is theirs to take), or a desk operator (audited). Another person's
 * request is NOT_FOUND, so ids cannot be probed.
 */
export async function requestActor(ctx: GatewayContext, store: GatewayStore, req: PrivacyRequest | null, requestId: string, operation: string, personMay: boolean): Promise<{ actor: Actor; req: PrivacyRequest }> {
  const p = ctx.principal;
  if (p.kind === 'subject') {
    if (!req || req.personId !== p.sub) fail('NOT_FOUND', `No privacy request ${requestId}`);
    if (!personMay) fail('FORBIDDEN', 'Only the privacy team can do this; you can withdraw your request or follow it in the privacy centre');
    return { actor: { id: p.sub, type: 'subject' }, req };
  }
  const actor = await deskOperator(ctx, store, `${operation} ${requestId}`, req?.personId ?? null);
  if (!req) fail('NOT_FOUND', `No privacy request ${requestId}`);
  return { actor, req };
}
