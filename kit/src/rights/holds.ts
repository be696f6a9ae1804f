import { subtractDuration } from '@footprint/schema';
import type { RightsDeps } from './deps.js';
import { deleteChildren, deleteCorrectionRows } from './erase.js';
import { rightsTables } from './store.js';

/**
 * Deletes what legal holds kept once they have ended (§7: "after the retention period, deleted"), in one
 * transaction per held kind and person, and ends those holds. Runs hourly while the subgraph serves.
 */
export async function purgeExpiredHolds(deps: RightsDeps, now = new Date()): Promise<{ person: string; kind: string; deleted: number }[]> {
  await deps.prepare();
  await deps.prepareCorrections();
  const at = now.toISOString();
  const due = await rightsTables(deps.db)
    .selectFrom('processingRestriction')
    .select(['id', 'personId', 'kind'])
    .where('ground', '=', 'LEGAL_HOLD')
    .where('liftedAt', 'is', null)
    .where('until', '<=', at)
    .orderBy('id')
    .limit(500)
    .execute();
  const out: { person: string; kind: string; deleted: number }[] = [];
  for (const hold of due) {
    const k = deps.kinds.get(hold.kind);
    const deleted = await deps.db.transaction().execute(async (trx) => {
      let n = 0;
      if (k && k.meta.erasure === 'RETAIN') {
        // COLLECTED: each record's own period has run out by the hold's end (it was set from the latest); ERASURE: all of them.
        const before = k.meta.retainFrom === 'COLLECTED' ? subtractDuration(now, k.meta.retainFor!)!.toISOString() : null;
        await deleteChildren(trx, k, hold.personId, before);
        await deleteCorrectionRows(deps, trx, k, hold.personId, before);
        let q = trx.deleteFrom(k.table).where('personId', '=', hold.personId);
        if (before) q = q.where('collectedAt', '<', before);
        n = Number((await q.executeTakeFirst()).numDeletedRows);
      }
      await rightsTables(trx).updateTable('processingRestriction').set({ liftedAt: at }).where('id', '=', hold.id).execute();
      return n;
    });
    out.push({ person: hold.personId, kind: hold.kind, deleted });
  }
  if (out.length) deps.logger.info({ holds: out.length }, 'ended legal holds and deleted what they kept');
  if (out.some((h) => h.deleted > 0)) await deps.settleErasure();
  return out;
}
