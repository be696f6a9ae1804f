import { fail, footprintError } from '@footprint/schema';
import type { Logger } from '@footprint/kit';
import type { GatewayContext } from '../context.js';
import { audit, type GatewayStore } from './audit.js';
import { grantRefusal, type Principal } from './principal.js';

/**
 * The one home of "who may act for which person, and the record of it": the
 * authorization plugin, feature resolvers that take a job or request id (which
 * names no person) and HTTP routes (the export download) all decide and audit
 * here, so the rule and the audit entry cannot drift apart between them.
 */

/** Who acts, as a GraphQL context or an HTTP route knows it. */
export interface Caller {
  principal: Principal;
  requestId: string;
  log: Pick<Logger, 'error'>;
}

export interface Act {
  /** The person acted for; null when no one is named (a queue, statistics, an id that finds nothing). */
  person: string | null;
  /** The scope an operator needs for it (every one, when several). */
  scope: string | readonly string[];
  /** What is done, for the audit log ("query person [person]", "download export <id>"). */
  operation: string;
  /** The verb in a refusal to a person ("read", "export", "download the archive of"); default "act for". */
  verb?: string;
}

/**
 * Why `p` may not do `act`, or null. A person acts only for themselves; an
 * operator for anyone, with the scope and an X-Footprint-Reason; an export
 * job's token never here (the plugin lets it read its one person).
 */
export function accessRefusal(p: Principal, act: Pick<Act, 'person' | 'scope' | 'verb'>): string | null {
  if (p.kind === 'subject') {
    const verb = act.verb ?? 'act for';
    return act.person === null || act.person === p.sub ? null : `Not allowed to ${verb} person ${act.person}: a person may act only for themselves`;
  }
  for (const scope of typeof act.scope === 'string' ? [act.scope] : act.scope) {
    const refusal = grantRefusal(p, scope);
    if (refusal) return refusal;
  }
  return null;
}

/**
 * The one place an access is written to the append-only audit log. No entry,
 * no data: when the write fails, the caller is refused with
 * INTERNAL_SERVER_ERROR and nothing is read or changed.
 */
export async function recordAccess(store: GatewayStore, caller: Caller, act: Pick<Act, 'person' | 'operation'>, outcome: string): Promise<void> {
  const p = caller.principal;
  try {
    await audit(store, { actor: p.sub, actorType: p.kind, person: act.person, operation: act.operation, reason: p.kind === 'operator' ? p.reason : null, requestId: caller.requestId, outcome });
  } catch (err) {
    caller.log.error({ err }, 'audit write failed');
    throw footprintError('INTERNAL_SERVER_ERROR', 'The audit log could not be written; the request was not run');
  }
}

/**
 * Decides `act` for the caller: a refusal is FORBIDDEN, and for an operator
 * it is audited first. Nothing is recorded when it is allowed: the caller
 * records that (recordAccess) once it is about to release data, or uses
 * authorize() to do both at once.
 */
export async function decide(store: GatewayStore, caller: Caller, act: Act): Promise<void> {
  const refusal = accessRefusal(caller.principal, act);
  if (!refusal) return;
  const p = caller.principal;
  if (p.kind === 'operator') await recordAccess(store, caller, act, `refused: ${refusal}`);
  // A reason header that cannot be recorded is the client's input to fix, not a missing right.
  fail(p.kind === 'operator' && p.reasonRefusal === refusal ? 'BAD_USER_INPUT' : 'FORBIDDEN', refusal);
}

/**
 * decide(), then for an operator the audit entry with `outcome` ("allowed",
 * or "not found" for an id that finds nothing), written before anything is
 * read. A person's own access is not audited.
 */
export async function authorize(store: GatewayStore, caller: Caller, act: Act, outcome = 'allowed'): Promise<void> {
  await decide(store, caller, act);
  if (caller.principal.kind === 'operator') await recordAccess(store, caller, act, outcome);
}

/**
 * The person a field acts for, as the second lock behind the authorization
 * plugin (which decided and audited the @person argument): a person,
 * themselves (`personId` may be left out); an operator, the one person the
 * plugin allowed for this request, with `scope`.
 */
export function personActedFor(ctx: GatewayContext, personId: string | null | undefined, scope: string, verb = 'act for'): string {
  const p = ctx.principal;
  if (p.kind === 'job') fail('FORBIDDEN', 'An export-job token may only read its own person, with person(id:)');
  if (p.kind === 'subject') {
    const refusal = accessRefusal(p, { person: personId ?? null, scope, verb });
    if (refusal) fail('FORBIDDEN', refusal);
    return p.sub;
  }
  if (!personId) fail('BAD_USER_INPUT', `An operator names the person with personId`);
  const refusal = accessRefusal(p, { person: personId, scope });
  if (refusal) fail('FORBIDDEN', refusal);
  if (ctx.person !== personId) fail('FORBIDDEN', `Not allowed to ${verb} person ${personId}`);
  return personId;
}

/**
 * Access to something found by an id that names no person (an export or
 * erasure job, a privacy request), so the plugin could not decide it: the
 * person it belongs to sees it, anyone else finds nothing (null: ids cannot
 * be probed); an operator needs `scope` and a reason and is audited with the
 * person it belongs to ("not found" when the id finds nothing).
 */
export async function authorizeOwned<T extends { personId: string }>(store: GatewayStore, caller: Caller, owned: T | null, act: Pick<Act, 'scope' | 'operation'>): Promise<T | null> {
  const p = caller.principal;
  if (p.kind === 'job') fail('FORBIDDEN', 'An export-job token may only read its own person, with person(id:)');
  if (p.kind === 'subject') return owned && !accessRefusal(p, { person: owned.personId, scope: act.scope }) ? owned : null;
  await authorize(store, caller, { ...act, person: owned?.personId ?? null }, owned ? 'allowed' : 'not found');
  return owned;
}

/**
 * The second lock of every field that reads a person's data: the person must
 * be the one the authorization plugin decided for this request (ctx.person).
 */
export function requireDecidedPerson(ctx: Pick<GatewayContext, 'person'>, person: string): string {
  if (person !== ctx.person) fail('FORBIDDEN', `Not allowed to read person ${person}`);
  return person;
}
