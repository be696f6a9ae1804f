import type { Transaction } from 'kysely';
import { addDuration } from '@footprint/schema';
import { correctionTables } from '../corrections/store.js';
import type { AnyDB } from '../store.js';
import type { Kind, RightsDeps } from './deps.js';
import { rightsTables } from './store.js';

/**
 * Correction history is evidence that rectification was served: the data map declares it
 * (gateway/schema/corrections.graphql, kind gateway.correction) RETAIN for three years from the
 * erasure. An erasure keeps the history of the records it takes under a LEGAL_HOLD from the first
 * erasure; the purge deletes it when the hold ends. The declaration and these constants are checked
 * against each other by test/unit/legal-holds.test.ts.
 */
export const CORRECTION_KIND = 'gateway.correction';
export const CORRECTION_RETAIN_FOR = 'P3Y';

/** The person's records of `k` (all, or those collected before `before`). */
export function recordsOf(trx: Transaction<AnyDB>, k: Kind, person: string, before: string | null) {
  let sub = trx
    .selectFrom(k.table)
    .select((eb) => eb.ref('id').$castTo<number>().as('id'))
    .where('personId', '=', person);
  if (before) sub = sub.where('collectedAt', '<', before);
  return sub;
}

/** The hold on the person's correction history, while it runs. */
export function correctionHoldOf(trx: Transaction<AnyDB>, person: string) {
  return rightsTables(trx).selectFrom('processingRestriction').select('id').where('personId', '=', person).where('kind', '=', CORRECTION_KIND).where('ground', '=', 'LEGAL_HOLD').where('liftedAt', 'is', null).executeTakeFirst();
}

/**
 * At erasure: pending confirmations of the records go (a code must not change erased data), their
 * history stays, held from the first erasure for the declared period.
 */
export async function holdCorrectionRows(
  deps: Pick<RightsDeps, 'hasCorrections'>,
  trx: Transaction<AnyDB>,
  k: Kind,
  person: string,
  before: string | null,
  hold: { at: string; actor: string; requestId: string },
): Promise<void> {
  if (!deps.hasCorrections) return;
  const kit = correctionTables(trx);
  await kit.deleteFrom('correctionConfirmation').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', recordsOf(trx, k, person, before)).execute();
  const kept = await kit.selectFrom('correctionHistory').select('id').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', recordsOf(trx, k, person, before)).limit(1).executeTakeFirst();
  if (!kept) return;
  if (await correctionHoldOf(trx, person)) return;
  await rightsTables(trx)
    .insertInto('processingRestriction')
    .values({
      personId: person,
      kind: CORRECTION_KIND,
      recordNumber: null,
      ground: 'LEGAL_HOLD',
      reason: 'Evidence that the right to rectification was served (GDPR Art. 5(2), 12, 19), kept until claims are time-barred',
      since: hold.at,
      until: addDuration(new Date(hold.at), CORRECTION_RETAIN_FOR)!.toISOString(),
      liftedAt: null,
      actor: hold.actor,
      requestId: hold.requestId,
      ref: null,
    })
    .execute();
}

/** When the hold ends: the person's history (and its notices) of records that are gone is deleted. */
export async function purgeHeldCorrections(deps: Pick<RightsDeps, 'hasCorrections' | 'kinds'>, trx: Transaction<AnyDB>, person: string): Promise<number> {
  if (!deps.hasCorrections) return 0;
  const kit = correctionTables(trx);
  let n = 0;
  await kit.insertInto('correctionErasureGuard').values({ personId: person }).onConflict((oc) => oc.doNothing()).execute();
  for (const k of deps.kinds.values()) {
    const gone = () =>
      kit
        .selectFrom('correctionHistory')
        .select('id')
        .where('personId', '=', person)
        .where('kind', '=', k.meta.kind)
        .where('recordNumber', 'not in', recordsOf(trx, k, person, null));
    await kit.deleteFrom('correctionNotice').where('correctionId', 'in', gone()).execute();
    n += Number((await kit.deleteFrom('correctionHistory').where('id', 'in', gone()).executeTakeFirst()).numDeletedRows);
  }
  await kit.deleteFrom('correctionErasureGuard').where('personId', '=', person).execute();
  return n;
}
