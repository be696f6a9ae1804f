import type { Transaction } from 'kysely';
import { z } from 'zod';
import { Purpose as PurposeTaxonomy, type Purpose } from '@footprint/schema';
import type { AnyDB } from '../store.js';
import { count, requireScope, type Caller, type Kind, type RightsDeps } from './deps.js';
import { eraseKind } from './erase.js';
import { RESTRICT_SCOPE, RIGHTS_PURPOSES, type RightsHookContext, type RightsPurpose } from './spec.js';
import { state } from './state.js';
import { rightsTables } from './store.js';

/**
 * Processing stops: an objection (Art. 21) to a purpose, and a withdrawn
 * consent (Art. 7(3)). Each is recorded once; what the domain's rules say goes
 * with it (records made for the purpose, CONSENT kinds) is erased.
 */

export const ObjectArgs = z.object({
  purpose: z.enum(RIGHTS_PURPOSES as [RightsPurpose, ...RightsPurpose[]]),
  reason: z.string().trim().max(1000).nullish(),
});
export const WithdrawArgs = z.object({
  purpose: z.enum(PurposeTaxonomy.values as [Purpose, ...Purpose[]]),
  reason: z.string().trim().max(1000).nullish(),
});

/** The region of the person's first record (any kind), for the domain's hooks. */
async function regionOf(deps: RightsDeps, trx: Transaction<AnyDB>, person: string): Promise<string | null> {
  for (const k of deps.kinds.values()) {
    const r = await trx.selectFrom(k.table).select('region').where('personId', '=', person).limit(1).executeTakeFirst();
    if (r) return String(r.region);
  }
  return null;
}

async function recordStop(trx: Transaction<AnyDB>, person: string, type: 'OBJECTION' | 'CONSENT_WITHDRAWN', purpose: string, reason: string | null, ctx: Caller, at: string): Promise<boolean> {
  const res = await rightsTables(trx)
    .insertInto('processingStop')
    .values({ personId: person, type, purpose, reason, at, actor: ctx.credential.actor, requestId: ctx.credential.requestId })
    .onConflict((oc) => oc.columns(['personId', 'type', 'purpose']).doNothing())
    .executeTakeFirst();
  return count(res.numInsertedOrUpdatedRows) > 0;
}

export async function object(deps: RightsDeps, ctx: Caller, args: z.infer<typeof ObjectArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  await deps.prepare();
  await deps.prepareCorrections();
  const rule = deps.spec.objections?.[args.purpose];
  const now = new Date();
  const requestId = `objection:${args.purpose}:${ctx.credential.requestId}`;
  await deps.db.transaction().execute(async (trx) => {
    const fresh = await recordStop(trx, person, 'OBJECTION', args.purpose, args.reason ?? null, ctx, now.toISOString());
    // Absolute (Art. 21(3)): what was made for the purpose goes, whether or not this is a repeat.
    for (const name of rule?.erase ?? []) await eraseKind(deps, trx, deps.kinds.get(name)!, person, requestId, now, ctx.credential.actor);
    if (fresh && rule?.apply) await rule.apply(trx, await hookContext(deps, trx, person, now, args.reason ?? null));
  });
  deps.noticesDue();
  if (rule?.erase?.length) await deps.settleErasure();
  return state(deps, person);
}

async function hookContext(deps: RightsDeps, trx: Transaction<AnyDB>, person: string, now: Date, reason: string | null): Promise<RightsHookContext> {
  return { person, now: now.toISOString(), region: await regionOf(deps, trx, person), reason };
}

/** The CONSENT kinds of this domain that a withdrawal for `purpose` erases. */
function erasedOnWithdrawal(deps: RightsDeps, purpose: Purpose): Kind[] {
  return [...deps.kinds.values()].filter((k) => {
    if (k.meta.legalBasis !== 'CONSENT' || !k.meta.purposes.includes(purpose)) return false;
    return (k.spec.onWithdrawal ?? (k.meta.retention === 'UNTIL_WITHDRAWN' ? 'ERASE' : 'KEEP')) === 'ERASE';
  });
}

export async function withdraw(deps: RightsDeps, ctx: Caller, args: z.infer<typeof WithdrawArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  await deps.prepare();
  await deps.prepareCorrections();
  const now = new Date();
  const requestId = `withdrawal:${args.purpose}:${ctx.credential.requestId}`;
  // One transaction per kind, as for an erasure; the withdrawal itself is recorded first, so processing stops even if an erasure must be retried.
  await deps.db.transaction().execute(async (trx) => {
    const isNew = await recordStop(trx, person, 'CONSENT_WITHDRAWN', args.purpose, args.reason ?? null, ctx, now.toISOString());
    if (isNew && deps.spec.onWithdrawal) await deps.spec.onWithdrawal(trx, args.purpose, await hookContext(deps, trx, person, now, args.reason ?? null));
  });
  const erased = erasedOnWithdrawal(deps, args.purpose);
  for (const k of erased) {
    await deps.db.transaction().execute((trx) => eraseKind(deps, trx, k, person, requestId, now, ctx.credential.actor));
  }
  deps.noticesDue();
  if (erased.length > 0) await deps.settleErasure();
  return state(deps, person);
}
