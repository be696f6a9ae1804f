import { createHash } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import type { GatewayDB, GatewayStore } from '../../auth/audit.js';

/**
 * The change signal of exports of what is new. Records carry no common
 * "updated at" (RecordMeta has collectedAt only, and few tables stamp their
 * changes), so every export keeps a 64-bit fingerprint of each record it read
 * — the first 16 hex digits of the SHA-256 of the record's JSON as read — keyed
 * by kind and record id, written page by page as it streams. The next export
 * of what is new compares each page with the baseline's rows for the same ids
 * (one indexed statement per page) and finds what was removed with an
 * anti-join scanned in id order: memory holds a page, whatever the person holds.
 *
 * Only a finished, complete export is a baseline (`export_job.baseline = 1`);
 * a failed, cancelled or partial one never is, and its fingerprints go when it
 * ends. Once a new baseline exists, the person's older fingerprints are
 * dropped: one set per person is kept.
 */

export type FingerprintTable = {
  jobId: string;
  personId: string;
  kind: string;
  recordId: string;
  hash: string;
};

type FingerprintDB = GatewayDB & { exportFingerprint: FingerprintTable };

export const fingerprintMigrations: Record<string, Migration> = {
  '941_export_job_since': {
    async up(db) {
      // The baseline an export of what is new compares with, what the person asked for, and the schedule that made it.
      await db.schema.alterTable('export_job').addColumn('since_job_id', 'text').execute();
      await db.schema.alterTable('export_job').addColumn('since_requested', 'text').execute();
      await db.schema.alterTable('export_job').addColumn('schedule_id', 'text').execute();
      // 1 once the job SUCCEEDED with every kind complete and its fingerprints kept: a later export may compare with it.
      await db.schema.alterTable('export_job').addColumn('baseline', 'integer', (c) => c.notNull().defaultTo(0)).execute();
    },
  },
  '942_export_fingerprint': {
    async up(db) {
      await db.schema
        .createTable('export_fingerprint')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('kind', 'text', (c) => c.notNull())
        .addColumn('record_id', 'text', (c) => c.notNull())
        .addColumn('hash', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('export_fingerprint_pk', ['job_id', 'kind', 'record_id'])
        .execute();
      await db.schema.createIndex('export_fingerprint_person_idx').on('export_fingerprint').columns(['person_id', 'job_id']).execute();
    },
  },
};

/** The record's fingerprint: 64 bits of the SHA-256 of its JSON as read (field order is the plan's, so stable). */
export function fingerprint(record: Record<string, unknown>): string {
  return createHash('sha256').update(JSON.stringify(record)).digest('hex').slice(0, 16);
}

export type Change = 'NEW' | 'CHANGED';

/** Rows per statement: 5 values each stays far below SQLite's and PostgreSQL's bound on parameters. */
const CHUNK = 500;

export class Fingerprints {
  private readonly db: Kysely<FingerprintDB>;

  constructor(store: GatewayStore) {
    this.db = store.db.withTables<{ exportFingerprint: FingerprintTable }>();
  }

  /**
   * Keeps the page's fingerprints under `job` and, when there is a baseline,
   * returns the records that are new or changed since it (with which), in page order.
   */
  async page(job: { id: string; personId: string }, kind: string, baseline: string | null, records: Record<string, unknown>[]): Promise<{ record: Record<string, unknown>; change: Change }[]> {
    const rows = records.map((r) => ({ jobId: job.id, personId: job.personId, kind, recordId: String(r.id), hash: fingerprint(r) }));
    const before = new Map<string, string>();
    for (let i = 0; i < rows.length; i += CHUNK) {
      const chunk = rows.slice(i, i + CHUNK);
      if (baseline) {
        const old = await this.db
          .selectFrom('exportFingerprint')
          .select(['recordId', 'hash'])
          .where('jobId', '=', baseline)
          .where('kind', '=', kind)
          .where('recordId', 'in', chunk.map((r) => r.recordId))
          .execute();
        for (const o of old) before.set(o.recordId, o.hash);
      }
      await this.db
        .insertInto('exportFingerprint')
        .values(chunk)
        .onConflict((oc) => oc.columns(['jobId', 'kind', 'recordId']).doUpdateSet({ hash: (eb) => eb.ref('excluded.hash') }))
        .execute();
    }
    if (!baseline) return records.map((record) => ({ record, change: 'NEW' as const }));
    const out: { record: Record<string, unknown>; change: Change }[] = [];
    rows.forEach((row, i) => {
      const old = before.get(row.recordId);
      if (old === undefined) out.push({ record: records[i]!, change: 'NEW' });
      else if (old !== row.hash) out.push({ record: records[i]!, change: 'CHANGED' });
    });
    return out;
  }

  /** A kind read again from its first page (a resumed run) starts from no fingerprints. */
  async clearKind(jobId: string, kind: string): Promise<void> {
    await this.db.deleteFrom('exportFingerprint').where('jobId', '=', jobId).where('kind', '=', kind).execute();
  }

  /**
   * Record ids the baseline held for `kind` that `job` did not read: removed
   * since. Scanned in id order, `pageSize` at a time (an anti-join on the
   * primary key), so memory holds one page of ids.
   */
  async *removed(jobId: string, kind: string, baseline: string, pageSize = 1000): AsyncGenerator<string[]> {
    let after = '';
    for (;;) {
      const ids = await this.db
        .selectFrom('exportFingerprint as b')
        .select('b.recordId')
        .where('b.jobId', '=', baseline)
        .where('b.kind', '=', kind)
        .where('b.recordId', '>', after)
        .where(({ not, exists, selectFrom }) =>
          not(exists(selectFrom('exportFingerprint as c').select(sql<number>`1`.as('one')).whereRef('c.recordId', '=', 'b.recordId').where('c.jobId', '=', jobId).where('c.kind', '=', kind))),
        )
        .orderBy('b.recordId')
        .limit(pageSize)
        .execute();
      if (ids.length === 0) return;
      yield ids.map((r) => r.recordId);
      if (ids.length < pageSize) return;
      after = ids[ids.length - 1]!.recordId;
    }
  }

  /** A job that will never be a baseline (failed, cancelled, partial): its fingerprints go. */
  async dropJob(jobId: string): Promise<void> {
    await this.db.deleteFrom('exportFingerprint').where('jobId', '=', jobId).execute();
  }

  /**
   * `jobId` is the person's new baseline: every other export of theirs stops
   * being one and its fingerprints go (one set per person is kept). No other
   * export of the person can be running (one at a time), so none is cut short.
   */
  async keepOnly(personId: string, jobId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('exportFingerprint').where('personId', '=', personId).where('jobId', '!=', jobId).execute();
      await sql`update export_job set baseline = 0 where person_id = ${personId} and id <> ${jobId} and baseline = 1`.execute(trx);
    });
  }

  /** A person's fingerprints, all of them (their account was erased). */
  async dropPerson(personId: string): Promise<void> {
    await this.db.transaction().execute(async (trx) => {
      await trx.deleteFrom('exportFingerprint').where('personId', '=', personId).execute();
      await sql`update export_job set baseline = 0 where person_id = ${personId} and baseline = 1`.execute(trx);
    });
  }
}
