import type { Transaction } from 'kysely';
import { pendingNotice } from '../corrections/delivery.js';
import type { AnyDB } from '../store.js';
import type { Kind, RightsDeps } from './deps.js';
import { rightsTables } from './store.js';

/** Art. 19: records, in the caller's transaction, a notice to each recipient of the kind that its data was erased, anonymised or restricted; returns how many. */
export async function recordNotices(
  deps: Pick<RightsDeps, 'delivery'>,
  trx: Transaction<AnyDB>,
  k: Kind,
  person: string,
  action: 'ERASED' | 'ANONYMIZED' | 'RESTRICTED',
  requestId: string,
  now: string,
): Promise<number> {
  const recipients = k.meta.recipients;
  if (recipients.length === 0) return 0;
  await rightsTables(trx)
    .insertInto('rightsNotice')
    .values(
      recipients.map((r) => ({
        personId: person,
        kind: k.meta.kind,
        action,
        requestId,
        ...pendingNotice(r, now, deps.delivery?.recipientUrls),
      })),
    )
    .execute();
  return recipients.length;
}
