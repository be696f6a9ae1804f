import { PostgresAdapter, sql, type Generated, type Kysely, type Migration } from 'kysely';
import { makeAppendOnly } from '../append-only.js';
import { chainEvidenceTable, type EvidenceTable } from '../evidence-chain.js';
import { migrateOwnTables } from '../own-migrations.js';
import type { AnyDB } from '../store.js';
import { viewTables } from '../view-tables.js';

/**
 * The kit's rights tables (erasure receipts, restrictions, objections and
 * withdrawn consents, erasure notices), in each domain's own store so that an
 * erasure, its receipt and its Art. 19 notices commit in one transaction.
 * Migrated with a migration table of their own, like the correction tables.
 */

export interface ErasureReceiptRow {
  id: Generated<number>;
  requestId: string;
  personId: string;
  kind: string;
  action: string;
  deleted: number;
  anonymized: number;
  retained: number;
  /** JSON array of the fields cleared (ANONYMIZE). */
  fields: string;
  ground: string | null;
  retainedUntil: string | null;
  noticesRecorded: number;
  erasedAt: string;
  actor: string;
  reason: string | null;
}

export interface RestrictionRow {
  id: Generated<number>;
  personId: string;
  kind: string;
  /** Set when one record is restricted (a contested correction); null for the whole kind. */
  recordNumber: number | null;
  ground: string;
  reason: string;
  since: string;
  until: string | null;
  liftedAt: string | null;
  actor: string;
  requestId: string;
  /** What it is tied to, e.g. the pending correction it lasts for. */
  ref: string | null;
}

export interface ProcessingStopRow {
  id: Generated<number>;
  personId: string;
  /** OBJECTION (purpose: a RightsPurpose) or CONSENT_WITHDRAWN (purpose: a Purpose). */
  type: string;
  purpose: string;
  reason: string | null;
  at: string;
  actor: string;
  requestId: string;
}

/**
 * One change of a person's consent for a purpose (Art. 7): the ledger every
 * processing check of the domain reads — the latest row per purpose is in
 * force. Appended, never changed, so the history is the proof (Art. 7(1)).
 */
export interface ConsentChangeRow {
  id: Generated<number>;
  personId: string;
  purpose: string;
  /** 1 given, 0 withdrawn. */
  granted: number;
  /** When the person gave or withdrew it (a record made in an app's settings keeps its own time). */
  at: string;
  /** Where: "privacy centre", or the channel of the domain's consent record it mirrors. */
  channel: string;
  actor: string;
  requestId: string;
  reason: string | null;
}

export interface RightsNoticeRow {
  id: Generated<number>;
  personId: string;
  kind: string;
  /** ERASED or ANONYMIZED. */
  action: string;
  requestId: string;
  recipient: string;
  state: string;
  attempts: number;
  createdAt: string;
  nextAttemptAt: string;
  deliveredAt: string | null;
  lastError: string | null;
}

/**
 * One row per erasure request the gateway sent: each kind's erasure locks it,
 * and a cancel from the gateway raises `cancelledUpto`, after which an erase
 * call of an attempt up to that number (one still queued when the gateway gave
 * up) is refused instead of carried out.
 */
export interface ErasureRequestRow {
  requestId: string;
  personId: string;
  cancelledUpto: number;
  cancelledAt: string | null;
}

/**
 * How many files (a domain's stored bytes: cloud's photos and synced files) an erasure of a kind deleted with its
 * records: those no record of anyone held any more. Beside the receipt, not in it: receipt rows are hash-chained
 * evidence, and a column added to them would change the content of every receipt already written.
 */
export interface ErasureReceiptFileRow {
  requestId: string;
  kind: string;
  filesDeleted: number;
}

export interface RightsTables {
  erasureReceipt: ErasureReceiptRow;
  erasureReceiptFile: ErasureReceiptFileRow;
  erasureRequest: ErasureRequestRow;
  processingRestriction: RestrictionRow;
  processingStop: ProcessingStopRow;
  consentChange: ConsentChangeRow;
  rightsNotice: RightsNoticeRow;
}

const migrations: Record<string, Migration> = {
  '001_rights': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      const serial = isPg ? 'serial' : 'integer';
      await db.schema
        .createTable('erasure_receipt')
        .addColumn('id', serial, (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('deleted', 'integer', (c) => c.notNull())
        .addColumn('anonymized', 'integer', (c) => c.notNull())
        .addColumn('retained', 'integer', (c) => c.notNull())
        .addColumn('fields', 'text', (c) => c.notNull())
        .addColumn('ground', 'text')
        .addColumn('retained_until', 'text')
        .addColumn('notices_recorded', 'integer', (c) => c.notNull())
        .addColumn('erased_at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .execute();
      // One receipt per kind and request: a concurrent replay cannot write a second.
      await db.schema.createIndex('erasure_receipt_request_idx').on('erasure_receipt').columns(['request_id', 'kind']).unique().execute();
      await db.schema.createIndex('erasure_receipt_person_idx').on('erasure_receipt').columns(['person_id']).execute();
      await makeAppendOnly(db, 'erasure_receipt');

      await db.schema
        .createTable('processing_restriction')
        .addColumn('id', serial, (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_number', 'integer')
        .addColumn('ground', 'text', (c) => c.notNull())
        .addColumn('reason', 'text', (c) => c.notNull())
        .addColumn('since', 'text', (c) => c.notNull())
        .addColumn('until', 'text')
        .addColumn('lifted_at', 'text')
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('ref', 'text')
        .execute();
      await db.schema.createIndex('processing_restriction_person_idx').on('processing_restriction').columns(['person_id', 'kind']).execute();

      await db.schema
        .createTable('processing_stop')
        .addColumn('id', serial, (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('type', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .execute();
      await db.schema.createIndex('processing_stop_person_idx').on('processing_stop').columns(['person_id', 'type', 'purpose']).unique().execute();

      await db.schema
        .createTable('rights_notice')
        .addColumn('id', serial, (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('action', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('recipient', 'text', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('attempts', 'integer', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('next_attempt_at', 'text', (c) => c.notNull())
        .addColumn('delivered_at', 'text')
        .addColumn('last_error', 'text')
        .execute();
      await db.schema.createIndex('rights_notice_due_idx').on('rights_notice').columns(['state', 'next_attempt_at']).execute();
      await db.schema.createIndex('rights_notice_person_idx').on('rights_notice').columns(['person_id', 'kind']).execute();
    },
  },
  '002_erasure_receipt_chain': {
    up: (db) => chainEvidenceTable(db, DOMAIN_RECEIPT_EVIDENCE, [['id'], ['request_id', 'kind']]),
  },
  '003_erasure_request': {
    async up(db) {
      await db.schema
        .createTable('erasure_request')
        .addColumn('request_id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('cancelled_upto', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('cancelled_at', 'text')
        .execute();
    },
  },
  // Consent becomes one ledger of changes (given again after a withdrawal is possible): the withdrawals recorded as processing stops move into it.
  '004_consent_ledger': {
    async up(db) {
      const isPg = db.getExecutor().adapter instanceof PostgresAdapter;
      await db.schema
        .createTable('consent_change')
        .addColumn('id', isPg ? 'serial' : 'integer', (c) => (isPg ? c.primaryKey() : c.primaryKey().autoIncrement()))
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('purpose', 'text', (c) => c.notNull())
        .addColumn('granted', 'integer', (c) => c.notNull())
        .addColumn('at', 'text', (c) => c.notNull())
        .addColumn('channel', 'text', (c) => c.notNull())
        .addColumn('actor', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .execute();
      await db.schema.createIndex('consent_change_person_idx').on('consent_change').columns(['person_id', 'purpose', 'id']).execute();
      await sql`insert into consent_change (person_id, purpose, granted, at, channel, actor, request_id, reason)
        select person_id, purpose, 0, at, 'privacy centre', actor, request_id, reason from processing_stop where type = 'CONSENT_WITHDRAWN' order by id`.execute(db);
      await sql`delete from processing_stop where type = 'CONSENT_WITHDRAWN'`.execute(db);
      await makeAppendOnly(db, 'consent_change');
    },
  },
  '005_erasure_receipt_files': {
    async up(db) {
      await db.schema
        .createTable('erasure_receipt_file')
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('files_deleted', 'integer', (c) => c.notNull())
        .addPrimaryKeyConstraint('erasure_receipt_file_pk', ['request_id', 'kind'])
        .execute();
      await makeAppendOnly(db, 'erasure_receipt_file');
    },
  },
};

/** A domain's erasure receipts' hash chain (evidence-chain.ts), in id order. */
export const DOMAIN_RECEIPT_EVIDENCE: EvidenceTable = { table: 'erasure_receipt', key: ['id'], order: ['id'] };

/** Creates (or brings up to date) the rights tables in a domain's store. */
export function migrateRightsTables<DB>(db: Kysely<DB>, domain: string): Promise<void> {
  return migrateOwnTables(db, domain, 'rights', migrations);
}

/** The rights tables of a domain's store or transaction: they live beside the domain's own tables, which its DB type does not list. */
export function rightsTables(db: Kysely<AnyDB>): Kysely<RightsTables> {
  return viewTables<RightsTables>(db);
}
