import { Migrator, PostgresAdapter, sql, type Generated, type Kysely, type Migration } from 'kysely';

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

export interface RightsTables {
  erasureReceipt: ErasureReceiptRow;
  processingRestriction: RestrictionRow;
  processingStop: ProcessingStopRow;
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
      if (isPg) {
        await sql`create or replace function erasure_receipt_append_only() returns trigger language plpgsql as $$ begin raise exception 'erasure_receipt is append-only'; end $$`.execute(db);
        await sql`create trigger erasure_receipt_no_change before update or delete on erasure_receipt for each row execute function erasure_receipt_append_only()`.execute(db);
      } else {
        await sql`create trigger erasure_receipt_no_update before update on erasure_receipt begin select raise(abort, 'erasure_receipt is append-only'); end`.execute(db);
        await sql`create trigger erasure_receipt_no_delete before delete on erasure_receipt begin select raise(abort, 'erasure_receipt is append-only'); end`.execute(db);
      }

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
};

/** Creates (or brings up to date) the rights tables in a domain's store. */
export async function migrateRightsTables(db: Kysely<unknown>, domain: string): Promise<void> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: async () => migrations },
    // Its own schema's migration tables: another store's in the same database would otherwise be found.
    ...(db.getExecutor().adapter instanceof PostgresAdapter ? { migrationTableSchema: domain } : {}),
    migrationTableName: 'kit_rights_migration',
    migrationLockTableName: 'kit_rights_migration_lock',
  });
  const { error, results } = await migrator.migrateToLatest();
  const failed = results?.find((r) => r.status === 'Error');
  if (error) throw new Error(`Migration of the ${domain} rights tables failed${failed ? ` at ${failed.migrationName}` : ''}: ${String(error)}`);
}
