import { sql, type Kysely, type Selectable, type Transaction } from 'kysely';
import { z } from 'zod';
import { fail, addDuration, subtractDuration } from '@footprint/schema';
import { correctionTables } from '../corrections/store.js';
import { holdCorrectionRows, recordsOf } from './correction-hold.js';
import type { AnyDB } from '../store.js';
import { count, ownKinds, type Kind, type RightsDeps } from './deps.js';
import { recordNotices } from './notices.js';
import { appendEvidence } from '../evidence-chain.js';
import { DOMAIN_RECEIPT_EVIDENCE, rightsTables, type ErasureReceiptRow } from './store.js';

/**
 * Erasure (Art. 17). Every erasure of a kind is one transaction of set-based
 * statements (children, correction history and outbox, then the records),
 * whatever the person holds: nothing is read row by row. A replay of the same
 * request returns the receipts it wrote the first time.
 */

export interface KindReceipt {
  kind: string;
  action: string;
  deleted: number;
  anonymized: number;
  retained: number;
  fields: string[];
  ground: string | null;
  retainedUntil: string | null;
  noticesRecorded: number;
  /** Stored files (photos, synced files) deleted with the records: those no record of anyone still held. */
  filesDeleted: number;
}

export interface DomainReceipt {
  domain: string;
  requestId: string;
  erasedAt: string;
  kinds: KindReceipt[];
  replayed: boolean;
}

/** The person id an anonymised record carries, followed by its own row id: no person's id starts with it. */
export const ANONYMOUS_PREFIX = 'anonymous:';

/** Kinds named in a call (<domain>.<kind>). */
export const KIND_LIST = z.array(z.string().min(1).max(200)).max(200);

const RequestId = z.string().trim().min(1, 'requestId is required').max(200);
/** The largest attempt number (the column is a 32-bit integer on PostgreSQL). */
const MAX_ATTEMPT = 2_147_483_647;
const Attempt = z.number().int().min(1, 'attempt counts from 1').max(MAX_ATTEMPT);

export const EraseArgs = z.object({
  requestId: RequestId,
  kinds: KIND_LIST.nullish(),
  reason: z.string().trim().max(1000).nullish(),
  /** The gateway stops waiting for this call then: no kind's erasure starts after it. */
  deadline: z.iso.datetime({ offset: true, message: 'deadline is an ISO-8601 date-time' }).nullish(),
  /** The gateway's attempt number for this request; a cancel up to it refuses the call. */
  attempt: Attempt.nullish(),
});
export const ReceiptsArgs = z.object({ requestId: RequestId });
export const CancelArgs = z.object({ requestId: RequestId, upTo: Attempt });

/** Limits of one erase call: when the gateway stops waiting for it, and which of its attempts it is. */
export interface EraseLimits {
  deadline?: string | null;
  attempt?: number | null;
}

/** The request's row, created if new: CONFLICT when it was made for another person. */
async function requestRow(trx: Transaction<AnyDB>, requestId: string, person: string) {
  const t = rightsTables(trx);
  await t.insertInto('erasureRequest').values({ requestId, personId: person, cancelledUpto: 0, cancelledAt: null }).onConflict((oc) => oc.column('requestId').doNothing()).execute();
  const row = await t.selectFrom('erasureRequest').selectAll().where('requestId', '=', requestId).executeTakeFirstOrThrow();
  if (row.personId !== person) fail('CONFLICT', `Erasure request ${requestId} was made for another person`);
  return row;
}

/**
 * Checked in each kind's transaction before anything is erased. Updating the
 * request's row takes its lock, so a cancel and a kind's erasure are carried
 * out one after the other (PostgreSQL; SQLite serialises writers anyway): a
 * cancel either sees the receipt or the erasure sees the cancel.
 */
async function mayStart(trx: Transaction<AnyDB>, requestId: string, person: string, limits: EraseLimits): Promise<void> {
  await requestRow(trx, requestId, person);
  const attempt = limits.attempt ?? MAX_ATTEMPT;
  const res = await rightsTables(trx)
    .updateTable('erasureRequest')
    .set((eb) => ({ cancelledUpto: eb.ref('cancelledUpto') }))
    .where('requestId', '=', requestId)
    .where('cancelledUpto', '<', attempt)
    .executeTakeFirst();
  if (Number(res.numUpdatedRows) !== 1) {
    fail('CONFLICT', `Erasure request ${requestId} was cancelled by the gateway (attempt ${attempt} of a request it gave up on); nothing more is erased for it`, { reason: 'ERASURE_CANCELLED' });
  }
  if (limits.deadline && Date.now() >= Date.parse(limits.deadline)) {
    fail('CONFLICT', `Erasure request ${requestId} arrived after its deadline (${limits.deadline}): the gateway no longer waits for it, so nothing more is erased`, { reason: 'DEADLINE_PASSED' });
  }
}

/** Deletes the child rows of the person's records of `k` (all, or those collected before `before`), set-based. */
export async function deleteChildren(trx: Transaction<AnyDB>, k: Kind, person: string, before: string | null): Promise<void> {
  for (const c of k.spec.children ?? []) {
    let sub = trx.selectFrom(k.table).select(c.parentColumn ?? 'id').where('personId', '=', person);
    if (before) sub = sub.where('collectedAt', '<', before);
    let del = trx.deleteFrom(c.table).where(c.column, 'in', sub);
    if (c.personColumn) del = del.where(c.personColumn, '=', person);
    await del.execute();
  }
}

/** Takes the correction history, its notices and pending confirmations of the person's records of `k` (all, or those collected before `before`): when a legal hold's purge deletes the records. */
export async function deleteCorrectionRows(deps: Pick<RightsDeps, 'hasCorrections'>, trx: Transaction<AnyDB>, k: Kind, person: string, before: string | null): Promise<void> {
  if (!deps.hasCorrections) return;
  const kit = correctionTables(trx);
  const records = () => recordsOf(trx, k, person, before);
  const history = () => kit.selectFrom('correctionHistory').select('id').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records());
  await kit.deleteFrom('correctionNotice').where('correctionId', 'in', history()).execute();
  await kit.deleteFrom('correctionConfirmation').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records()).execute();
  await kit.insertInto('correctionErasureGuard').values({ personId: person }).onConflict((oc) => oc.doNothing()).execute();
  await kit.deleteFrom('correctionHistory').where('personId', '=', person).where('kind', '=', k.meta.kind).where('recordNumber', 'in', records()).execute();
  await kit.deleteFrom('correctionErasureGuard').where('personId', '=', person).execute();
}

/**
 * RETAIN: a retained record keeps only what its legal ground needs (@personalData(retainFields:)); the
 * columns the domain's rules name (clearOnRetain:) are cleared on the person's records and their child
 * rows, set-based, in the hold's transaction. Clearing again changes nothing, so a repeated erasure is harmless.
 */
async function clearRetained(trx: Transaction<AnyDB>, k: Kind, person: string): Promise<void> {
  if (k.spec.clearOnRetain && Object.keys(k.spec.clearOnRetain).length > 0) {
    await trx.updateTable(k.table).set(k.spec.clearOnRetain).where('personId', '=', person).execute();
  }
  for (const c of k.spec.children ?? []) {
    if (!c.clearOnRetain || Object.keys(c.clearOnRetain).length === 0) continue;
    let upd = trx.updateTable(c.table).set(c.clearOnRetain).where(c.column, 'in', trx.selectFrom(k.table).select(c.parentColumn ?? 'id').where('personId', '=', person));
    if (c.personColumn) upd = upd.where(c.personColumn, '=', person);
    await upd.execute();
  }
}

/**
 * Erases one kind of one person in the caller's transaction: DELETE takes
 * the records with their child rows (their correction history is kept under
 * a hold, correction-hold.ts); ANONYMIZE deletes the records whose parent
 * goes (joinKeys), then clears the named columns and the person id in one
 * UPDATE (child rows go); RETAIN deletes only
 * what its hold no longer covers, clears what its legal ground does not need
 * and puts the rest under a LEGAL_HOLD.
 */
export async function eraseKind(deps: RightsDeps, trx: Transaction<AnyDB>, k: Kind, person: string, requestId: string, now: Date, actor: string): Promise<KindReceipt> {
  const at = now.toISOString();
  const meta = k.meta;
  let deleted = 0;
  let anonymized = 0;
  let retained = 0;
  let retainedUntil: string | null = null;
  let notices = 0;
  const hold = { at, actor, requestId };
  if (meta.erasure === 'RETAIN') {
    const period = meta.retainFor!;
    // Records whose hold has already run out are not kept a day longer.
    const before = meta.retainFrom === 'COLLECTED' ? subtractDuration(now, period)!.toISOString() : null;
    if (before) {
      await deleteChildren(trx, k, person, before);
      await holdCorrectionRows(deps, trx, k, person, before, hold);
      deleted = count((await trx.deleteFrom(k.table).where('personId', '=', person).where('collectedAt', '<', before).executeTakeFirst()).numDeletedRows);
    }
    const left = await trx
      .selectFrom(k.table)
      .select((eb) => [eb.fn.countAll<number>().as('n'), eb.fn.min('collectedAt').as('earliest'), eb.fn.max('collectedAt').as('latest')])
      .where('personId', '=', person)
      .executeTakeFirstOrThrow();
    retained = count(left.n as number);
    if (retained > 0) {
      await clearRetained(trx, k, person);
      const kit = rightsTables(trx);
      const held = await kit.selectFrom('processingRestriction').select(['id', 'until']).where('personId', '=', person).where('kind', '=', meta.kind).where('ground', '=', 'LEGAL_HOLD').where('liftedAt', 'is', null).orderBy('id').executeTakeFirst();
      let holdUntil: string;
      if (meta.retainFrom === 'COLLECTED') {
        // Each record is held for its own period: the hold ends when the earliest record's does (the purge then
        // deletes that record and moves the hold on to the next one); the receipt says when the last one's ends.
        retainedUntil = addDuration(new Date(String(left.latest)), period)!.toISOString();
        holdUntil = addDuration(new Date(String(left.earliest)), period)!.toISOString();
      } else {
        // The period runs from the first erasure: erasing again does not restart it.
        retainedUntil = held?.until ?? addDuration(now, period)!.toISOString();
        holdUntil = retainedUntil;
      }
      if (held) await kit.updateTable('processingRestriction').set({ until: holdUntil }).where('id', '=', held.id).execute();
      else {
        await kit
          .insertInto('processingRestriction')
          .values({ personId: person, kind: meta.kind, recordNumber: null, ground: 'LEGAL_HOLD', reason: meta.erasureNote ?? 'Kept under a legal obligation', since: at, until: holdUntil, liftedAt: null, actor, requestId, ref: null })
          .execute();
      }
    }
    if (deleted > 0) notices = await recordNotices(deps, trx, k, person, 'ERASED', requestId, at);
  } else if (meta.erasure === 'ANONYMIZE') {
    await deleteChildren(trx, k, person, null);
    await holdCorrectionRows(deps, trx, k, person, null, hold);
    // A record of a parent the same erasure deletes goes with it: nothing would be left for it to belong to.
    for (const j of k.spec.joinKeys ?? []) {
      if (!j.deleteWithParent) continue;
      const parent = deps.kinds.get(j.kind)!;
      // An anonymised parent stays (as no one's record): so do its records.
      if (parent.meta.erasure === 'ANONYMIZE') continue;
      let kept = trx.selectFrom(parent.table).select(j.parentColumn ?? 'id').where('personId', '=', person);
      if (parent.meta.erasure === 'DELETE') kept = kept.where(sql.lit(false));
      else if (parent.meta.erasure === 'RETAIN' && parent.meta.retainFrom === 'COLLECTED') kept = kept.where('collectedAt', '>=', subtractDuration(now, parent.meta.retainFor!)!.toISOString());
      deleted += count((await trx.deleteFrom(k.table).where('personId', '=', person).where(j.column, 'not in', kept).executeTakeFirst()).numDeletedRows);
    }
    // No person id is left: each record gets a surrogate of its own row id, which joins to nothing and does not
    // group the person's records together; the join keys are cleared by `anonymize`.
    const surrogate = sql<string>`${sql.lit(ANONYMOUS_PREFIX)} || cast(${sql.ref('id')} as text)`;
    anonymized = count((await trx.updateTable(k.table).set({ ...k.spec.anonymize!, personId: surrogate }).where('personId', '=', person).executeTakeFirst()).numUpdatedRows);
    if (anonymized > 0) notices = await recordNotices(deps, trx, k, person, 'ANONYMIZED', requestId, at);
    else if (deleted > 0) notices = await recordNotices(deps, trx, k, person, 'ERASED', requestId, at);
  } else {
    await deleteChildren(trx, k, person, null);
    await holdCorrectionRows(deps, trx, k, person, null, hold);
    deleted = count((await trx.deleteFrom(k.table).where('personId', '=', person).executeTakeFirst()).numDeletedRows);
    if (deleted > 0) notices = await recordNotices(deps, trx, k, person, 'ERASED', requestId, at);
  }
  const hook = { person, now: at, region: null, reason: null };
  if (k.spec.afterErase) await k.spec.afterErase(trx, hook);
  const filesDeleted = k.spec.eraseFiles ? await k.spec.eraseFiles(trx, hook) : 0;
  if (meta.erasure !== 'RETAIN') {
    // The data is gone: so are its restrictions (a legal hold included: nothing is held any more).
    await rightsTables(trx).deleteFrom('processingRestriction').where('personId', '=', person).where('kind', '=', meta.kind).execute();
  }
  return {
    kind: meta.kind,
    action: meta.erasure ?? 'DELETE',
    deleted,
    anonymized,
    retained,
    fields: meta.erasure === 'ANONYMIZE' ? meta.erasureFields : [],
    ground: meta.erasure === 'DELETE' ? null : meta.erasureNote,
    retainedUntil,
    noticesRecorded: notices,
    filesDeleted,
  };
}

/** The files each kind's erasure of a request deleted (ErasureReceiptFileRow), by kind. */
async function filesDeletedOf(db: Kysely<AnyDB>, requestId: string): Promise<Map<string, number>> {
  const rows = await rightsTables(db).selectFrom('erasureReceiptFile').select(['kind', 'filesDeleted']).where('requestId', '=', requestId).execute();
  return new Map(rows.map((r) => [r.kind, count(r.filesDeleted)]));
}

function receiptOf(r: Selectable<ErasureReceiptRow>, files: Map<string, number>): KindReceipt {
  return {
    kind: r.kind,
    action: r.action,
    deleted: count(r.deleted),
    anonymized: count(r.anonymized),
    retained: count(r.retained),
    fields: JSON.parse(r.fields) as string[],
    ground: r.ground,
    retainedUntil: r.retainedUntil,
    noticesRecorded: count(r.noticesRecorded),
    filesDeleted: files.get(r.kind) ?? 0,
  };
}

export async function erase(
  deps: RightsDeps,
  person: string,
  requestId: string,
  names: string[] | null,
  who: { actor: string; reason?: string | null } = { actor: person },
  limits: EraseLimits = {},
): Promise<DomainReceipt> {
  await deps.prepare();
  await deps.prepareCorrections();
  const explicit = names !== null;
  const wanted = explicit ? ownKinds(deps, names) : [...deps.kinds.values()];
  if (explicit && wanted.length > 0 && wanted.every((k) => k.meta.erasure === 'RETAIN')) {
    const k = wanted[0]!;
    fail('BAD_USER_INPUT', `${wanted.map((w) => w.meta.title).join(', ')} cannot be erased now: ${k.meta.erasureNote ?? 'the law requires keeping it'} (kept ${k.meta.retainFor} from ${k.meta.retainFrom === 'COLLECTED' ? 'collection' : 'the request'})`, {
      reason: 'RETAINED',
      kinds: wanted.map((w) => w.meta.kind),
    });
  }
  const earlier = await rightsTables(deps.db).selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
  if (earlier.some((r) => r.personId !== person)) fail('CONFLICT', `Erasure request ${requestId} was made for another person`);
  const done = new Map(earlier.map((r) => [r.kind, r]));
  const todo = wanted.filter((k) => !done.has(k.meta.kind));
  const ran: KindReceipt[] = [];
  for (const k of todo) {
    const now = new Date();
    try {
      const receipt = await deps.db.transaction().execute(async (trx) => {
        await mayStart(trx, requestId, person, limits);
        const r = await eraseKind(deps, trx, k, person, requestId, now, who.actor);
        const { filesDeleted, ...row } = r;
        await appendEvidence(rightsTables(trx), DOMAIN_RECEIPT_EVIDENCE, (t) =>
          t
            .insertInto('erasureReceipt')
            .values({ ...row, fields: JSON.stringify(r.fields), requestId, personId: person, erasedAt: now.toISOString(), actor: who.actor, reason: who.reason ?? null })
            .returningAll()
            .execute(),
        );
        if (filesDeleted > 0) await rightsTables(trx).insertInto('erasureReceiptFile').values({ requestId, kind: r.kind, filesDeleted }).execute();
        return r;
      });
      ran.push(receipt);
    } catch (err) {
      // A concurrent run of the same request took this kind first: its receipt stands, nothing of ours committed.
      const other = await rightsTables(deps.db).selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).where('kind', '=', k.meta.kind).executeTakeFirst();
      if (!other) throw err;
      done.set(k.meta.kind, other);
    }
  }
  deps.noticesDue();
  if (ran.length > 0) await deps.settleErasure();
  await deps.afterErasure();
  const all = await rightsTables(deps.db).selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
  const wantedSet = new Set(wanted.map((k) => k.meta.kind));
  const receipts = all.filter((r) => wantedSet.has(r.kind) || !explicit);
  const files = await filesDeletedOf(deps.db, requestId);
  return {
    domain: deps.domain,
    requestId,
    erasedAt: receipts[0]?.erasedAt ?? new Date().toISOString(),
    kinds: receipts.map((r) => receiptOf(r, files)),
    replayed: ran.length === 0 && earlier.length > 0,
  };
}

/** What this domain erased for the request (every kind it did), or null when it erased nothing for it. */
export async function receiptsOf(deps: RightsDeps, person: string, requestId: string): Promise<DomainReceipt | null> {
  await deps.prepare();
  const rows = await rightsTables(deps.db).selectFrom('erasureReceipt').selectAll().where('requestId', '=', requestId).orderBy('id').execute();
  if (rows.length === 0) return null;
  if (rows.some((r) => r.personId !== person)) fail('CONFLICT', `Erasure request ${requestId} was made for another person`);
  const files = await filesDeletedOf(deps.db, requestId);
  return { domain: deps.domain, requestId, erasedAt: rows[0]!.erasedAt, kinds: rows.map((r) => receiptOf(r, files)), replayed: true };
}

/**
 * The gateway gave up on the request's attempts up to `upTo`: any of them
 * still queued is refused when it arrives. Answers with what was erased before
 * the cancel (no kinds: the domain is untouched by the request).
 */
export async function cancelErase(deps: RightsDeps, person: string, requestId: string, upTo: number): Promise<DomainReceipt> {
  await deps.prepare();
  const at = new Date().toISOString();
  await deps.db.transaction().execute(async (trx) => {
    await requestRow(trx, requestId, person);
    await rightsTables(trx).updateTable('erasureRequest').set({ cancelledUpto: upTo, cancelledAt: at }).where('requestId', '=', requestId).where('cancelledUpto', '<', upTo).execute();
  });
  return (await receiptsOf(deps, person, requestId)) ?? { domain: deps.domain, requestId, erasedAt: at, kinds: [], replayed: true };
}
