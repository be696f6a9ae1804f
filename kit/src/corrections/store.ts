import { PostgresAdapter, sql, type Generated, type Kysely, type Migration } from 'kysely';
import { makeAppendOnly } from '../append-only.js';
import { refuseReplace } from '../evidence-chain.js';
import { migrateOwnTables } from '../own-migrations.js';
import type { AnyDB } from '../store.js';
import { viewTables } from '../view-tables.js';

/**
 * The kit's correction tables, in each domain's own store so that a correction,
 * its history entry and its Art. 19 notices commit in one transaction.
 * They are migrated with a migration table of their own, so the kit's and the
 * domain's migration lists never have to be ordered against each other.
 */

export interface CorrectionHistoryRow {
  id: Generated<number>;
  personId: string;
  at: string;
  kind: string;
  recordNumber: number;
  field: string;
  fieldLabel: string;
  oldValueHash: string;
  newValue: string | null;
  actor: string;
  actorType: string;
  reason: string | null;
  requestId: string;
  confirmedWith: string | null;
  region: string;
}

export interface CorrectionNoticeRow {
  id: Generated<number>;
  correctionId: number;
  personId: string;
  recipient: string;
  state: string;
  attempts: number;
  createdAt: string;
  /** When the dispatcher may try next (also its short lease while it tries). */
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

export interface CorrectionConfirmationRow {
  id: string;
  personId: string;
  kind: string;
  recordNumber: number;
  field: string;
  newValue: string | null;
  expectedVersion: string;
  channel: string;
  sentTo: string;
  /** HMAC of the code; the code itself is never stored. */
  codeHash: string;
  createdAt: string;
  expiresAt: string;
  attempts: number;
  maxAttempts: number;
  /** PENDING, CONFIRMED, EXPIRED, LOCKED, STALE, UNSENT */
  state: string;
  actor: string;
  actorType: string;
  reason: string | null;
  requestId: string;
}

export interface CorrectionTables {
  correctionErasureGuard: { personId: string };
  correctionHistory: CorrectionHistoryRow;
  correctionNotice: CorrectionNoticeRow;
  correctionConfirmation: CorrectionConfirmationRow;
}

const migrations: Record<string, Migration> = {
  '001_corrections': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      const id = (t: 'serial' | 'integer') => (isPg ? t : 'integer');
      await db.schema
        .createTable('correction_history')
        .addColumn('id', id('serial'), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_number', 'integer', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('field_label', 'text', (c) => c.notNull())
        .addColumn('old_value_hash', 'text', (c) => c.notNull())
        .addColumn('new_value', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('confirmed_with', 'text')
        .addColumn('region', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('correction_history_person_idx').on('correction_history').columns(['person_id', 'at', 'id']).execute();
      // Append-only, enforced by the database itself, like the gateway's audit log.
      await makeAppendOnly(db, 'correction_history');

      await db.schema
        .createTable('correction_notice')
        .addColumn('id', id('serial'), (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('correction_id', 'integer', (c) => c.notNull().references('correction_history.id'))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('correction_notice_due_idx').on('correction_notice').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('correction_notice_correction_idx').on('correction_notice').columns(['correction_id']).execute();

      await db.schema
        .createTable('correction_confirmation')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_number', 'integer', (c) => c.notNull())
        .addColumn('field', 'text', (c) => c.notNull())
        .addColumn('new_value', 'text')
        .addColumn('expected_version', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('sent_to', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('max_attempts', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('actor_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('correction_confirmation_person_idx').on('correction_confirmation').columns(['person_id']).execute();
    },
  },
  /**
   * Erasure (Art. 17) takes a person's correction history with the records it
   * is about. The history stays append-only for everything else: a delete
   * passes only while the erasing transaction holds the person's row in the
   * guard table, which it inserts and removes itself (never visible outside it).
   */
  '002_erasure_guard': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema.createTable('correction_erasure_guard').addColumn('person_id', 'text', (c) => c.primaryKey()).execute();
      if (isPg) {
        await sql`create or replace function correction_history_append_only() returns trigger language plpgsql as $$ begin
          if tg_op = 'DELETE' and exists (select 1 from correction_erasure_guard g where g.person_id = old.person_id) then return old; end if;
          raise exception 'correction_history is append-only'; end $$`.execute(db);
      } else {
        await sql`drop trigger correction_history_no_delete`.execute(db);
        await sql`create trigger correction_history_no_delete before delete on correction_history when not exists (select 1 from correction_erasure_guard g where g.person_id = old.person_id) begin select raise(abort, 'correction_history is append-only'); end`.execute(db);
      }
    },
  },
  /**
   * REPLACE and TRUNCATE would rewrite the history around its triggers. It is
   * not hash-chained: an erasure removes a person's rows from it, which a
   * chain over them could not survive.
   */
  '003_refuse_replace': {
    up: (db) => refuseReplace(db, 'correction_history', [['id']]),
  },
};

/** Creates (or brings up to date) the correction tables in a domain's store. */
export function migrateCorrectionTables<DB>(db: Kysely<DB>, domain: string): Promise<void> {
  return migrateOwnTables(db, domain, 'correction', migrations);
}

/** The correction tables of a domain's store or transaction: they live beside the domain's own tables, which its DB type does not list. */
export function correctionTables(db: Kysely<AnyDB>): Kysely<CorrectionTables> {
  return viewTables<CorrectionTables>(db);
}
