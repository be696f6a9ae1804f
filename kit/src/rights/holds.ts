import { addDuration, subtractDuration } from '@footprint/schema';
import type { RightsDeps } from './deps.js';
import { CORRECTION_KIND, correctionHoldOf, purgeHeldCorrections } from './correction-hold.js';
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
      let nextEnd: string | null = null;
      if (hold.kind === CORRECTION_KIND) n = await purgeHeldCorrections(deps, trx, hold.personId);
      else if (k && k.meta.erasure === 'RETAIN') {
        const period = k.meta.retainFor!;
        // COLLECTED: the records whose own period has run out (the hold ended with the earliest of them); ERASURE: all of them.
        const upTo = k.meta.retainFrom === 'COLLECTED' ? subtractDuration(now, period)!.toISOString() : null;
        // deleteChildren/deleteCorrectionRows take records collected strictly before their bound: a record collected at it is due too.
        const before = upTo === null ? null : new Date(Date.parse(upTo) + 1).toISOString();
        await deleteChildren(trx, k, hold.personId, before);
        // Their correction history goes with them, unless the history's own hold (from the erasure) still runs: its purge takes it then.
        if (!(await correctionHoldOf(trx, hold.personId))) await deleteCorrectionRows(deps, trx, k, hold.personId, before);
        let q = trx.deleteFrom(k.table).where('personId', '=', hold.personId);
        if (before) q = q.where('collectedAt', '<', before);
        n = Number((await q.executeTakeFirst()).numDeletedRows);
        if (before) {
          const left = await trx.selectFrom(k.table).select((eb) => eb.fn.min('collectedAt').as('earliest')).where('personId', '=', hold.personId).executeTakeFirst();
          if (left?.earliest) nextEnd = addDuration(new Date(String(left.earliest)), period)!.toISOString();
        }
      }
      // What is still held stays held until the next record's own period ends.
      const end = nextEnd === null ? { liftedAt: at } : { until: nextEnd };
      await rightsTables(trx).updateTable('processingRestriction').set(end).where('id', '=', hold.id).execute();
      return n;
    });
    out.push({ person: hold.personId, kind: hold.kind, deleted });
  }
  if (out.length) deps.logger.info({ holds: out.length }, 'ended legal holds and deleted what they kept');
  if (out.some((h) => h.deleted > 0)) await deps.settleErasure();
  return out;
}
