import { z } from 'zod';
import { fail } from '@footprint/schema';
import { ownKinds, requireScope, type Caller, type RightsDeps } from './deps.js';
import { KIND_LIST } from './erase.js';
import { recordNotices } from './notices.js';
import { RESTRICT_SCOPE, RESTRICTION_GROUNDS, type RestrictionGround } from './spec.js';
import { state } from './state.js';
import { rightsTables } from './store.js';

/** Restriction of processing (Art. 18): set by kind, with a reason and an optional end; lifted by the person (never a legal hold). */

export const RestrictArgs = z.object({
  kinds: KIND_LIST.min(1, 'Name at least one kind to restrict'),
  reason: z.string().trim().min(1, 'A restriction needs a reason').max(1000),
  until: z.string().nullish(),
  ground: z.enum(RESTRICTION_GROUNDS as [RestrictionGround, ...RestrictionGround[]], { message: `ground is one of ${RESTRICTION_GROUNDS.join(', ')}` }).nullish(),
});
export const LiftArgs = z.object({ kinds: KIND_LIST.min(1, 'Name at least one kind') });

export async function restrict(deps: RightsDeps, ctx: Caller, args: z.infer<typeof RestrictArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  const now = new Date().toISOString();
  let until: string | null = null;
  if (args.until) {
    if (Number.isNaN(Date.parse(args.until))) fail('BAD_USER_INPUT', 'until must be an ISO-8601 date-time', { field: 'until' });
    until = new Date(args.until).toISOString();
    if (until <= now) fail('BAD_USER_INPUT', `until (${until}) is in the past: a restriction must end in the future`, { field: 'until' });
  }
  const ground = args.ground ?? 'PERSON_REQUEST';
  // A legal hold is the controller's to set (§7), never a person's own request.
  if (ground === 'LEGAL_HOLD' && ctx.credential.actorType !== 'operator') fail('FORBIDDEN', 'Only an operator can put data under a legal hold', { field: 'ground' });
  const targets = ownKinds(deps, args.kinds);
  await deps.prepare();
  if (targets.length > 0) {
    await deps.db.transaction().execute(async (any) => {
      const trx = rightsTables(any);
      const kindNames = targets.map((k) => k.meta.kind);
      // A new restriction on the same ground replaces the one in force (its reason and end may change).
      await trx.updateTable('processingRestriction').set({ liftedAt: now }).where('personId', '=', person).where('kind', 'in', kindNames).where('ground', '=', ground).where('recordNumber', 'is', null).where('liftedAt', 'is', null).execute();
      await trx
        .insertInto('processingRestriction')
        .values(kindNames.map((kind) => ({ personId: person, kind, recordNumber: null, ground, reason: args.reason, since: now, until, liftedAt: null, actor: ctx.credential.actor, requestId: ctx.credential.requestId, ref: null })))
        .execute();
      // Art. 19: the recipients of the data are told it is restricted (of records the person holds).
      for (const k of targets) {
        const has = await any.selectFrom(k.table).select('id').where('personId', '=', person).limit(1).executeTakeFirst();
        if (has) await recordNotices(deps, any, k, person, 'RESTRICTED', `restriction:${ctx.credential.requestId}`, now);
      }
    });
    deps.noticesDue();
  }
  return state(deps, person);
}

export async function lift(deps: RightsDeps, ctx: Caller, args: z.infer<typeof LiftArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  const targets = ownKinds(deps, args.kinds);
  await deps.prepare();
  if (targets.length > 0) {
    // A legal hold is not the person's to lift (§7): it ends with its period.
    await rightsTables(deps.db)
      .updateTable('processingRestriction')
      .set({ liftedAt: new Date().toISOString() })
      .where('personId', '=', person)
      .where('kind', 'in', targets.map((k) => k.meta.kind))
      .where('ground', '!=', 'LEGAL_HOLD')
      .where('liftedAt', 'is', null)
      .execute();
  }
  return state(deps, person);
}
