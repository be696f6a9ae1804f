import type { Kysely, Transaction } from 'kysely';
import { z } from 'zod';
import { Purpose as PurposeTaxonomy, type Purpose } from '@footprint/schema';
import type { AnyDB } from '../store.js';
import { requireScope, type Caller, type Kind, type RightsDeps } from './deps.js';
import { eraseKind } from './erase.js';
import { hookContext } from './objection.js';
import { RESTRICT_SCOPE } from './spec.js';
import { state } from './state.js';
import { rightsTables } from './store.js';

/**
 * The domain's consent ledger (consent_change): every withdrawal and every
 * consent given again is appended, and the latest change per purpose is the
 * state every processing check reads. Giving consent again is one call, as
 * withdrawing it is (Art. 7(3)); the changes stay as proof (Art. 7(1)).
 */

/** The arguments of _withdrawConsent and _giveConsent. */
export const ConsentArgs = z.object({
  purpose: z.enum(PurposeTaxonomy.values as [Purpose, ...Purpose[]]),
  reason: z.string().trim().max(1000).nullish(),
  /** A change mirrored from the domain that keeps the consent records: its own time and channel (the gateway's consent sync). */
  at: z.string().datetime({ offset: true }).nullish(),
  channel: z.string().trim().min(1).max(200).nullish(),
});

/** The arguments of _consentChanges: the cursor (a record id) and how many. */
export const ConsentFeedArgs = z.object({
  after: z.string().regex(/^\d+$/, 'after must be a cursor returned by _consentChanges').nullish(),
  limit: z.number().int().min(1).max(1000).nullish(),
});

/** One consent change as every reader sees it, oldest first. */
export interface ConsentChange {
  personId: string;
  purpose: string;
  granted: number;
  at: string;
  channel: string;
}

/**
 * The consent changes of people for purposes, oldest first, in one statement: the domain's own consent records when
 * it keeps them (RightsSpec.consentRecords: also those written before the rights existed), else the kit's ledger.
 */
export async function consentChanges(deps: Pick<RightsDeps, 'spec'>, db: Kysely<AnyDB>, people: readonly string[], purposes?: readonly string[]): Promise<ConsentChange[]> {
  if (people.length === 0 || purposes?.length === 0) return [];
  const own = deps.spec.consentRecords;
  if (own) {
    let q = db.selectFrom(own.table).select(['personId', 'purpose', 'granted', 'at', 'channel']).where('personId', 'in', [...people]);
    if (purposes) q = q.where('purpose', 'in', [...purposes]);
    const rows = await q.orderBy('at').orderBy('id').execute();
    return rows.map((r) => ({ personId: String(r.personId), purpose: String(r.purpose), granted: Number(r.granted), at: String(r.at), channel: String(r.channel) }));
  }
  let q = rightsTables(db).selectFrom('consentChange').select(['personId', 'purpose', 'granted', 'at', 'channel']).where('personId', 'in', [...people]);
  if (purposes) q = q.where('purpose', 'in', [...purposes]);
  return (await q.orderBy('id').execute()).map((r) => ({ ...r, granted: Number(r.granted) }));
}

/** The consent in force per person and purpose (1 given, 0 withdrawn); a person without a change has not withdrawn. */
export async function latestConsent(deps: Pick<RightsDeps, 'spec'>, db: Kysely<AnyDB>, people: readonly string[], purposes: readonly string[]): Promise<Map<string, Map<string, number>>> {
  const out = new Map<string, Map<string, number>>();
  for (const r of await consentChanges(deps, db, people, purposes)) {
    const mine = out.get(r.personId) ?? new Map<string, number>();
    mine.set(r.purpose, r.granted);
    out.set(r.personId, mine);
  }
  return out;
}

/** Appends a change unless the latest one already says the same; true when appended. */
export async function recordConsentChange(deps: RightsDeps, trx: Transaction<AnyDB>, person: string, purpose: Purpose, granted: 0 | 1, reason: string | null, ctx: Caller, at: string, channel = 'privacy centre'): Promise<boolean> {
  // No change yet means given (nothing was withdrawn), so a consent given where it never was withdrawn appends nothing.
  const current = (await latestConsent(deps, trx, [person], [purpose])).get(person)?.get(purpose) ?? 1;
  if (current === granted) return false;
  await rightsTables(trx)
    .insertInto('consentChange')
    .values({ personId: person, purpose, granted, at, channel, actor: ctx.credential.actor, requestId: ctx.credential.requestId, reason })
    .execute();
  return true;
}

/** `_giveConsent`: the person gives consent for the purpose again; the domain's hook records it where the person sees it (account: a consent record). */
export async function give(deps: RightsDeps, ctx: Caller, args: z.infer<typeof ConsentArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  await deps.prepare();
  const now = args.at ?? new Date().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const changed = await recordConsentChange(deps, trx, person, args.purpose, 1, args.reason ?? null, ctx, now, args.channel ?? undefined);
    if (changed && deps.spec.onConsentGiven) await deps.spec.onConsentGiven(trx, args.purpose, await hookContext(deps, trx, person, new Date(now), args.reason ?? null));
  });
  return state(deps, person);
}

/** The CONSENT kinds of this domain that a withdrawal for `purpose` erases. */
function erasedOnWithdrawal(deps: RightsDeps, purpose: Purpose): Kind[] {
  return [...deps.kinds.values()].filter((k) => {
    if (k.meta.legalBasis !== 'CONSENT' || !k.meta.purposes.includes(purpose)) return false;
    return (k.spec.onWithdrawal ?? (k.meta.retention === 'UNTIL_WITHDRAWN' ? 'ERASE' : 'KEEP')) === 'ERASE';
  });
}

/** `_withdrawConsent`: appends the withdrawal to the ledger (processing stops at once), then erases what was kept only until it. */
export async function withdraw(deps: RightsDeps, ctx: Caller, args: z.infer<typeof ConsentArgs>) {
  const person = requireScope(ctx, RESTRICT_SCOPE);
  await deps.prepare();
  await deps.prepareCorrections();
  const now = new Date();
  const requestId = `withdrawal:${args.purpose}:${ctx.credential.requestId}`;
  // One transaction per kind, as for an erasure; the withdrawal itself is recorded first, so processing stops even if an erasure must be retried.
  // A mirrored withdrawal (the gateway's consent sync) keeps the record's own time; it erases like any other.
  const at = args.at ?? now.toISOString();
  await deps.db.transaction().execute(async (trx) => {
    const isNew = await recordConsentChange(deps, trx, person, args.purpose, 0, args.reason ?? null, ctx, at, args.channel ?? undefined);
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

/** `_consentChanges`: the domain's own consent records after the cursor, by id (empty without consentRecords): the gateway's consent sync reads them. */
export async function consentFeed(deps: Pick<RightsDeps, 'spec' | 'db'>, args: z.infer<typeof ConsentFeedArgs>) {
  const own = deps.spec.consentRecords;
  if (!own) return [];
  const rows = await deps.db
    .selectFrom(own.table)
    .select(['id', 'personId', 'purpose', 'granted', 'at', 'channel'])
    .where('id', '>', Number(args.after ?? 0))
    .orderBy('id')
    .limit(args.limit ?? 500)
    .execute();
  return rows.map((r) => ({ cursor: String(r.id), personId: String(r.personId), purpose: String(r.purpose), granted: Number(r.granted) === 1, at: String(r.at), channel: String(r.channel) }));
}
