import type { Kysely, Transaction } from 'kysely';
import { rightsTables } from '../rights/store.js';
import type { AnyDB } from '../store.js';

/**
 * Art. 18(1)(a): a person who contests a record's accuracy may have it
 * restricted until the correction resolves. The restriction is tied to the
 * pending confirmation (ref correction:<id>) and lifted when it ends.
 */

export interface Contest {
  person: string;
  kind: string;
  recordNumber: number;
  fieldLabel: string;
  confirmationId: string;
  since: string;
  actor: string;
  requestId: string;
}

/** Restricts the record while its correction waits for confirmation, in the caller's transaction. */
export async function startContest(trx: Transaction<AnyDB>, c: Contest): Promise<void> {
  await rightsTables(trx)
    .insertInto('processingRestriction')
    .values({
      personId: c.person,
      kind: c.kind,
      recordNumber: c.recordNumber,
      ground: 'CONTESTED_ACCURACY',
      reason: `Accuracy of ${c.fieldLabel} contested; correction pending confirmation`,
      since: c.since,
      until: null,
      liftedAt: null,
      actor: c.actor,
      requestId: c.requestId,
      ref: `correction:${c.confirmationId}`,
    })
    .execute();
}

/** The contest of a pending correction is over (applied, stale, expired, locked): its restriction ends. */
export async function endContest(db: Kysely<AnyDB>, confirmationId: string): Promise<void> {
  await rightsTables(db)
    .updateTable('processingRestriction')
    .set({ liftedAt: new Date().toISOString() })
    .where('ref', '=', `correction:${confirmationId}`)
    .where('liftedAt', 'is', null)
    .execute();
}
