import type { Selectable } from 'kysely';
import { z } from 'zod';
import type { CorrectionDeps } from './deps.js';
import { correctionTables, type CorrectionHistoryRow } from './store.js';

/** A person's correction history (Art. 16, Art. 19): each entry with the notices sent for it. */

export const HistoryArgs = z.object({
  first: z.number().int().min(1).max(5000),
  afterAt: z.string().max(40).nullish(),
  afterNumber: z.number().int().min(0).nullish(),
});

/** History rows as the API shows them, each with its notices (one query for all of them). */
export async function entries(deps: Pick<CorrectionDeps, 'db' | 'domain'>, rows: Selectable<CorrectionHistoryRow>[]) {
  const kit = correctionTables(deps.db);
  const ids = rows.map((r) => r.id);
  const notices = ids.length ? await kit.selectFrom('correctionNotice').selectAll().where('correctionId', 'in', ids).orderBy('id').execute() : [];
  return rows.map((h) => ({
    number: h.id,
    domain: deps.domain,
    kind: h.kind,
    recordId: `${h.kind}:${h.recordNumber}`,
    field: h.field,
    fieldLabel: h.fieldLabel,
    oldValueHash: h.oldValueHash,
    newValue: h.newValue,
    correctedAt: h.at,
    actor: h.actor,
    actorType: h.actorType,
    reason: h.reason,
    confirmedWith: h.confirmedWith,
    region: h.region,
    notices: notices
      .filter((n) => n.correctionId === h.id)
      .map((n) => ({ recipient: n.recipient, state: n.state, attempts: n.attempts, createdAt: n.createdAt, deliveredAt: n.deliveredAt, lastError: n.lastError })),
  }));
}

export async function entryById(deps: Pick<CorrectionDeps, 'db' | 'domain'>, id: number) {
  const row = await correctionTables(deps.db).selectFrom('correctionHistory').selectAll().where('id', '=', id).executeTakeFirstOrThrow();
  return (await entries(deps, [row]))[0]!;
}

/** A page of the person's history, oldest first (keyset: after a time and entry number). */
export async function history(deps: Pick<CorrectionDeps, 'db' | 'domain' | 'delivery'>, person: string, args: z.infer<typeof HistoryArgs>) {
  if (!deps.delivery) return { entries: [], hasMore: false, totalCount: 0 };
  const kit = correctionTables(deps.db);
  let q = kit.selectFrom('correctionHistory').selectAll().where('personId', '=', person);
  if (args.afterAt) {
    const at = args.afterAt;
    const n = args.afterNumber ?? 0;
    q = q.where((eb) => eb.or([eb('at', '>', at), eb.and([eb('at', '=', at), eb('id', '>', n)])]));
  }
  const [rows, count] = await Promise.all([
    q.orderBy('at').orderBy('id').limit(args.first + 1).execute(),
    kit
      .selectFrom('correctionHistory')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .where('personId', '=', person)
      .executeTakeFirstOrThrow(),
  ]);
  return { entries: await entries(deps, rows.slice(0, args.first)), hasMore: rows.length > args.first, totalCount: Number(count.n) };
}
