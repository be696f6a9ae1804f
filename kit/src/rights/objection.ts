import type { Transaction } from 'kysely';
import { z } from 'zod';
import type { AnyDB } from '../store.js';
import { count, requireScope, type Caller, type RightsDeps } from './deps.js';
import { eraseKind } from './erase.js';
import { RESTRICT_SCOPE, RIGHTS_PURPOSES, type RightsHookContext, type RightsPurpose } from './spec.js';
import { state } from './state.js';
import { rightsTables } from './store.js';

/**
 * An objection (Art. 21) to a purpose: recorded once as a processing stop;
 * what the domain's rules say goes with it (records made for the purpose) is
 * erased. Consent withdrawal is consent.ts.
 */

export const ObjectArgs = z.object({
  purpose: z.enum(RIGHTS_PURPOSES as [RightsPurpose, ...RightsPurpose[]]),
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

async function recordStop(trx: Transaction<AnyDB>, person: string, type: 'OBJECTION', purpose: string, reason: string | null, ctx: Caller, at: string): Promise<boolean> {
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

export async function hookContext(deps: RightsDeps, trx: Transaction<AnyDB>, person: string, now: Date, reason: string | null): Promise<RightsHookContext> {
  return { person, now: now.toISOString(), region: await regionOf(deps, trx, person), reason };
}
