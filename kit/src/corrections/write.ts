import { randomInt } from 'node:crypto';
import type { Transaction } from 'kysely';
import { fail } from '@footprint/schema';
import type { AnyDB, RecordRow } from '../store.js';
import type { CorrectionDeps } from './deps.js';
import { pendingNotice } from './delivery.js';
import type { Field, Kind } from './kinds.js';
import type { FieldValue } from './spec.js';
import { correctionTables } from './store.js';
import { columnValue, parseValueText, valueText } from './values.js';

/** Who made a correction, as its history entry keeps it. */
export interface Corrector {
  person: string;
  actor: string;
  actorType: string;
  reason: string | null;
  requestId: string;
  confirmedWith: string | null;
}

/** The person's record, if it can be corrected now: CONFLICT when it exists but `where` leaves it out. */
export async function loadRow(deps: Pick<CorrectionDeps, 'dialect'>, trx: Transaction<AnyDB>, kind: Kind, number: number, person: string): Promise<RecordRow> {
  let q = trx.selectFrom(kind.table).selectAll().where('id', '=', number).where('personId', '=', person);
  const where = kind.spec.where;
  if (where) q = q.where((eb) => where(eb));
  // PostgreSQL: lock the row, so the version checked is the version replaced.
  if (deps.dialect === 'postgres') q = q.forUpdate();
  const row = (await q.executeTakeFirst()) as RecordRow | undefined;
  if (row) return row;
  const exists = await trx.selectFrom(kind.table).select('id').where('id', '=', number).where('personId', '=', person).executeTakeFirst();
  if (!exists) fail('NOT_FOUND', `No ${kind.meta.kind} record ${number} of this person`);
  fail('CONFLICT', `This record can no longer be corrected: ${kind.spec.scope ?? 'it is history now'}`, { stale: true });
}

/**
 * Runs a correction's read-check-write. SQLite has one writer, so its
 * transactions never interleave. PostgreSQL runs them SERIALIZABLE: the row
 * lock in loadRow covers a value updated in place, but a kind corrected by
 * appending a new record (push's latest choice) or a check over other rows
 * (a nickname no one else uses) needs the database to see the interleaving.
 * A transaction it aborts (40001) is run again, and then reads the winner's
 * value: it ends as a stale CONFLICT, so of concurrent corrections exactly one wins.
 */
export async function correctionTransaction<T>(deps: Pick<CorrectionDeps, 'dialect' | 'db'>, fn: (trx: Transaction<AnyDB>) => Promise<T>): Promise<T> {
  if (deps.dialect !== 'postgres') return deps.db.transaction().execute(fn);
  for (let attempt = 1; ; attempt++) {
    try {
      return await deps.db.transaction().setIsolationLevel('serializable').execute(fn);
    } catch (err) {
      const code = (err as { code?: unknown }).code;
      if ((code !== '40001' && code !== '40P01') || attempt >= 8) {
        if (code === '40001' || code === '40P01') fail('CONFLICT', 'The record changed while it was being corrected; nothing was changed. Reload and correct it again.', { stale: true });
        throw err;
      }
      await new Promise((r) => setTimeout(r, randomInt(5, 20 * attempt)));
    }
  }
}

export function fieldIssue(field: Field, message: string, extra: Record<string, unknown> = {}): never {
  fail('BAD_USER_INPUT', `${field.spec.label}: ${message}`, { field: field.name, issues: [{ message }], ...extra });
}

/** A new value from its text form, validated by the field's own schema. */
export function validate(field: Field, text: string | null): FieldValue {
  const typed = parseValueText(field.rule.type, text);
  if (!typed.ok) fieldIssue(field, typed.message);
  const r = field.spec.schema.safeParse(typed.value);
  if (!r.success) {
    const issues = r.error.issues.map((i) => ({ message: i.message, code: i.code }));
    fail('BAD_USER_INPUT', `${field.spec.label}: ${issues.map((i) => i.message).join('; ')}`, { field: field.name, issues });
  }
  return r.data;
}

/** The kind's store rule (uniqueness) for a new value: BAD_USER_INPUT naming the field when it refuses. */
export async function checkValue(trx: Transaction<AnyDB>, kind: Kind, field: Field, row: RecordRow, value: FieldValue, person: string): Promise<void> {
  const problem = await kind.spec.check?.(trx, row, field.name, value, { person, now: new Date().toISOString() });
  if (problem) fieldIssue(field, problem);
}

/** Writes the correction, its history entry and its notices in the caller's transaction; returns the entry's number. */
export async function applyCorrection(
  deps: Pick<CorrectionDeps, 'delivery' | 'signer'>,
  trx: Transaction<AnyDB>,
  kind: Kind,
  field: Field,
  row: RecordRow,
  oldValue: FieldValue,
  value: FieldValue,
  who: Corrector,
): Promise<number> {
  const now = new Date().toISOString();
  const ctx = { person: who.person, now };
  if (kind.spec.apply) await kind.spec.apply(trx, row, field.name, value, ctx);
  else {
    const set: Record<string, unknown> = { [field.spec.column ?? field.name]: columnValue(value) };
    if (kind.spec.touch) set[kind.spec.touch] = now;
    const r = await trx.updateTable(kind.table).set(set).where('id', '=', row.id).where('personId', '=', who.person).executeTakeFirst();
    if (Number(r.numUpdatedRows) !== 1) fail('CONFLICT', 'The record changed while it was being corrected; nothing was changed');
  }
  const recordId = `${kind.meta.kind}:${row.id}`;
  const kit = correctionTables(trx);
  const entry = await kit
    .insertInto('correctionHistory')
    .values({
      personId: who.person,
      at: now,
      kind: kind.meta.kind,
      recordNumber: row.id,
      field: field.name,
      fieldLabel: field.spec.label,
      oldValueHash: deps.signer.oldValueHash(recordId, field.name, oldValue),
      newValue: valueText(value),
      actor: who.actor,
      actorType: who.actorType,
      reason: who.reason,
      requestId: who.requestId,
      confirmedWith: who.confirmedWith,
      region: row.region,
    })
    .returning('id')
    .executeTakeFirstOrThrow();
  if (field.recipients.length > 0) {
    await kit
      .insertInto('correctionNotice')
      .values(
        field.recipients.map((r) => ({ correctionId: entry.id, personId: who.person, ...pendingNotice(r, now, deps.delivery?.recipientUrls) })),
      )
      .execute();
  }
  return entry.id;
}
