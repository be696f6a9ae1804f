import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { z } from 'zod';
import { fail, footprintError, type ErasureAction } from '@footprint/schema';
import { appendEvidence, chainEvidenceTable, chainPositions, makeAppendOnly, type ChainPosition, type EvidenceTable, type DomainReceipt as KitDomainReceipt, type KindReceipt as KitKindReceipt } from '@footprint/kit';
import type { GatewayDB, GatewayStore } from '../auth/audit.js';
import { JobStore } from '../jobs/store.js';
import { JobError } from '../jobs/table.js';

/**
 * The gateway's side of erasure: the jobs (same states and ownership rules as
 * export jobs, run by the same embedded/BullMQ workers), the receipts each
 * domain returned (append-only, enforced by the database), the accounts that
 * were erased (their tokens are refused), and the one-time codes that confirm
 * a person's own erasure request.
 */

export const ERASURE_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'CANCELLED'] as const;
export type ErasureState = (typeof ERASURE_STATES)[number];
const ACTIVE: ErasureState[] = ['QUEUED', 'RUNNING'];

const DomainProgress = z.object({
  domain: z.string(),
  /** This domain's kinds asked for; null = every kind it holds (whole account). */
  kinds: z.array(z.string()).nullable(),
  status: z.enum(['PENDING', 'RUNNING', 'DONE', 'FAILED']),
  /** Calls made in all, numbering each `_erase` call; a cancel at the domain refuses those up to it. */
  attempts: z.number().int().min(0),
  error: z.string().nullable(),
  /** FAILED, and the domain confirmed (by a cancel) that it erased nothing for the job and refuses the failed attempts. */
  untouched: z.boolean().default(false),
});
// Input type: a progress written before `untouched` existed (or built without it) reads it as false.
export type DomainProgress = z.input<typeof DomainProgress>;

const Progress = z.object({
  domains: z.array(DomainProgress),
  /** What happened to an export of the person that was queued or running when the erasure started. */
  exportJob: z.object({ id: z.string(), outcome: z.enum(['FINISHED', 'CANCELLED']) }).nullable(),
});
export type ErasureProgress = z.input<typeof Progress>;

export interface ErasureJobTable {
  id: string;
  personId: string;
  requestedBy: string;
  requesterType: string;
  reason: string | null;
  /** JSON array of kinds, or null for the whole account. */
  kinds: string | null;
  state: ErasureState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: string;
  error: string | null;
}

/** A domain's erasure receipt, as the kit answers `_erase` (defined once, in the kit); the action typed by the contract. */
export type KindReceipt = Omit<KitKindReceipt, 'action'> & { action: ErasureAction };
export type DomainReceipt = Omit<KitDomainReceipt, 'kinds'> & { kinds: KindReceipt[] };

export interface ErasureReceiptTable {
  jobId: string;
  domain: string;
  requestId: string;
  erasedAt: string;
  /** JSON KindReceipt[] as the domain returned it. */
  kinds: string;
  /** JSON: the discovery counts the gateway read after the domain answered, per kind. */
  verified: string;
  recordedAt: string;
}

export interface ErasedAccountTable {
  personId: string;
  erasedAt: string;
  jobId: string;
}

export interface ErasureCodeTable {
  id: string;
  personId: string;
  codeHash: string;
  sentTo: string;
  expiresAt: string;
  attemptsLeft: number;
  usedAt: string | null;
}

type RightsDB = {
  erasureJob: ErasureJobTable;
  erasureReceipt: ErasureReceiptTable;
  erasedAccount: ErasedAccountTable;
  erasureCode: ErasureCodeTable;
};

export interface ErasureJob {
  id: string;
  personId: string;
  requestedBy: string;
  requesterType: 'subject' | 'operator';
  reason: string | null;
  kinds: string[] | null;
  state: ErasureState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: ErasureProgress;
  error: JobError | null;
}

export const rightsMigrations: Record<string, Migration> = {
  '201_erasure': {
    async up(db) {
      await db.schema
        .createTable('erasure_job')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requester_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('kinds', 'text')
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('heartbeat_at', 'text')
        .addColumn('worker', 'text')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .execute();
      await db.schema.createIndex('erasure_job_person_idx').on('erasure_job').columns(['person_id', 'created_at']).execute();
      await db.schema.createIndex('erasure_job_state_idx').on('erasure_job').columns(['state', 'created_at']).execute();
      // One queued or running erasure per person, enforced by the database even if two requests race.
      await sql`create unique index erasure_job_one_active on erasure_job (person_id) where state in ('QUEUED', 'RUNNING')`.execute(db);

      await db.schema
        .createTable('erasure_receipt')
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('domain', 'text', (c) => c.notNull())
        .addColumn('request_id', 'text', (c) => c.notNull())
        .addColumn('erased_at', 'text', (c) => c.notNull())
        .addColumn('kinds', 'text', (c) => c.notNull())
        .addColumn('verified', 'text', (c) => c.notNull())
        .addColumn('recorded_at', 'text', (c) => c.notNull())
        .addPrimaryKeyConstraint('erasure_receipt_pk', ['job_id', 'domain'])
        .execute();
      await makeAppendOnly(db, 'erasure_receipt');

      await db.schema
        .createTable('erased_account')
        .addColumn('person_id', 'text', (c) => c.primaryKey())
        .addColumn('erased_at', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .execute();
      await makeAppendOnly(db, 'erased_account');

      await db.schema
        .createTable('erasure_code')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('code_hash', 'text', (c) => c.notNull())
        .addColumn('sent_to', 'text', (c) => c.notNull())
        .addColumn('expires_at', 'text', (c) => c.notNull())
        .addColumn('attempts_left', 'integer', (c) => c.notNull())
        .addColumn('used_at', 'text')
        .execute();
      await db.schema.createIndex('erasure_code_person_idx').on('erasure_code').columns(['person_id', 'expires_at']).execute();
    },
  },
  // After every feature's shipped migrations (Kysely runs new ones only after the last applied).
  '902_erasure_evidence_chain': {
    async up(db) {
      await chainEvidenceTable(db, RECEIPT_EVIDENCE);
      await chainEvidenceTable(db, ERASED_EVIDENCE);
    },
  },
};

/** The receipts' and erased accounts' hash chains (kit/src/evidence-chain.ts), in the order they were recorded. */
export const RECEIPT_EVIDENCE: EvidenceTable = { table: 'erasure_receipt', key: ['job_id', 'domain'], order: ['recorded_at', 'job_id', 'domain'] };
export const ERASED_EVIDENCE: EvidenceTable = { table: 'erased_account', key: ['person_id'], order: ['erased_at', 'person_id'] };

function parseJob(row: ErasureJobTable): ErasureJob {
  return {
    ...row,
    requesterType: row.requesterType === 'operator' ? 'operator' : 'subject',
    kinds: row.kinds === null ? null : z.array(z.string()).parse(JSON.parse(row.kinds)),
    runs: Number(row.runs),
    progress: Progress.parse(JSON.parse(row.progress)),
    error: row.error ? JobError.parse(JSON.parse(row.error)) : null,
  };
}

const isUniqueViolation = (err: unknown) => /unique|duplicate key/i.test(err instanceof Error ? err.message : String(err));

export interface NewErasure {
  personId: string;
  requestedBy: string;
  requesterType: 'subject' | 'operator';
  reason: string | null;
  kinds: string[] | null;
  progress: ErasureProgress;
}

/**
 * Erasure jobs, receipts and erased accounts in the gateway's store. The jobs'
 * claiming, heartbeats, release and recovery are the job store shared with
 * export jobs (../jobs/store.ts).
 */
export class ErasureJobs extends JobStore<ErasureJob, ErasureProgress, ErasureState> {
  private readonly db: Kysely<GatewayDB & RightsDB>;

  constructor(store: GatewayStore) {
    super(store, {
      table: 'erasureJob',
      active: ACTIVE,
      interrupted: (runs) => ({ code: 'INTERRUPTED', message: `The erasure was interrupted ${runs} times; it was not retried again`, domain: null }),
    });
    this.db = store.db.withTables<RightsDB>();
  }

  /** Records a request; a second one while one is queued or running is CONFLICT (also when two race). */
  async create(job: NewErasure, now = new Date()): Promise<ErasureJob> {
    const id = randomUUID();
    try {
      await this.db.transaction().execute(async (trx) => {
        const active = await trx.selectFrom('erasureJob').select(['id', 'state']).where('personId', '=', job.personId).where('state', 'in', ACTIVE).executeTakeFirst();
        if (active) fail('CONFLICT', `An erasure for person ${job.personId} is already ${active.state} (job ${active.id}); wait for it to finish or cancel it`, { jobId: active.id });
        await trx
          .insertInto('erasureJob')
          .values({
            id,
            personId: job.personId,
            requestedBy: job.requestedBy,
            requesterType: job.requesterType,
            reason: job.reason,
            kinds: job.kinds === null ? null : JSON.stringify(job.kinds),
            state: 'QUEUED',
            createdAt: now.toISOString(),
            startedAt: null,
            finishedAt: null,
            heartbeatAt: null,
            worker: null,
            runs: 0,
            progress: JSON.stringify(job.progress),
            error: null,
          })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw footprintError('CONFLICT', `An erasure for person ${job.personId} is already queued or running; wait for it to finish`);
      throw err;
    }
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ErasureJob | null> {
    const row = await this.db.selectFrom('erasureJob').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parseJob(row) : null;
  }

  async listForPerson(personId: string, limit: number): Promise<ErasureJob[]> {
    const rows = await this.db.selectFrom('erasureJob').selectAll().where('personId', '=', personId).orderBy('createdAt', 'desc').limit(limit).execute();
    return rows.map(parseJob);
  }

  succeed(id: string, worker: string, progress: ErasureProgress): Promise<boolean> {
    return this.table.succeed(id, worker, { progress: JSON.stringify(progress), finishedAt: new Date().toISOString() });
  }

  fail(id: string, worker: string | null, error: JobError, progress?: ErasureProgress): Promise<boolean> {
    return this.table.fail(id, worker, error, progress ? JSON.stringify(progress) : undefined);
  }

  /**
   * A FAILED job goes back to the queue, same id (the domains' request id):
   * its next run first reads back what each domain did and finishes the rest.
   * False when it is not FAILED, or when another erasure of the person is active.
   */
  async reopen(id: string): Promise<boolean> {
    try {
      const res = await this.db.updateTable('erasureJob').set({ state: 'QUEUED', worker: null, finishedAt: null, error: null, runs: 0 }).where('id', '=', id).where('state', '=', 'FAILED').executeTakeFirst();
      return Number(res.numUpdatedRows) === 1;
    } catch (err) {
      if (isUniqueViolation(err)) return false;
      throw err;
    }
  }

  /** The progress of a job still FAILED (a domain confirmed untouched by the sweep). */
  async saveFailedProgress(id: string, progress: ErasureProgress): Promise<boolean> {
    const res = await this.db.updateTable('erasureJob').set({ progress: JSON.stringify(progress) }).where('id', '=', id).where('state', '=', 'FAILED').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Among the latest FAILED jobs, those with a domain not yet confirmed untouched (what it did under the job is not known). */
  async unsettled(limit: number): Promise<ErasureJob[]> {
    const rows = await this.db.selectFrom('erasureJob').selectAll().where('state', '=', 'FAILED').orderBy('finishedAt', 'desc').limit(limit).execute();
    return rows.map(parseJob).filter((j) => j.progress.domains.some((d) => d.status === 'FAILED' && !d.untouched));
  }

  /** Only before it starts: once a domain may have erased, an erasure runs to its end. */
  cancel(id: string): Promise<boolean> {
    return this.table.cancel(id, ['QUEUED']);
  }

  /** Keeps the first receipt a domain gave for this job; a replay (same receipt) after a resume adds nothing. */
  async recordReceipt(jobId: string, r: DomainReceipt, verified: Record<string, number>): Promise<void> {
    // Looked up under the chain's lock, not ON CONFLICT: an insert of a taken key is refused by the table (it would be a REPLACE on SQLite).
    await appendEvidence(this.db, RECEIPT_EVIDENCE, async (trx) => {
      if (await trx.selectFrom('erasureReceipt').select('jobId').where('jobId', '=', jobId).where('domain', '=', r.domain).executeTakeFirst()) return [];
      return trx
        .insertInto('erasureReceipt')
        .values({ jobId, domain: r.domain, requestId: r.requestId, erasedAt: r.erasedAt, kinds: JSON.stringify(r.kinds), verified: JSON.stringify(verified), recordedAt: new Date().toISOString() })
        .returningAll()
        .execute();
    });
  }

  async receipts(jobId: string): Promise<(DomainReceipt & { verified: Record<string, number>; recordedAt: string; chain: ChainPosition | null })[]> {
    const rows = await this.db.selectFrom('erasureReceipt').selectAll().where('jobId', '=', jobId).orderBy('recordedAt').execute();
    const chain = await chainPositions(this.db, RECEIPT_EVIDENCE, rows);
    return rows.map((r, i) => ({
      domain: r.domain,
      requestId: r.requestId,
      erasedAt: r.erasedAt,
      // Receipts recorded before domains counted the files they deleted say nothing of them: none were.
      kinds: (JSON.parse(r.kinds) as (Omit<KindReceipt, 'filesDeleted'> & { filesDeleted?: number })[]).map((k) => ({ ...k, filesDeleted: k.filesDeleted ?? 0 })),
      replayed: false,
      verified: JSON.parse(r.verified) as Record<string, number>,
      recordedAt: r.recordedAt,
      chain: chain[i] ?? null,
    }));
  }

  async markErased(personId: string, jobId: string): Promise<void> {
    await appendEvidence(this.db, ERASED_EVIDENCE, async (trx) => {
      if (await trx.selectFrom('erasedAccount').select('personId').where('personId', '=', personId).executeTakeFirst()) return [];
      return trx.insertInto('erasedAccount').values({ personId, jobId, erasedAt: new Date().toISOString() }).returningAll().execute();
    });
  }

  async erased(personId: string): Promise<{ erasedAt: string; jobId: string } | null> {
    const row = await this.db.selectFrom('erasedAccount').select(['erasedAt', 'jobId']).where('personId', '=', personId).executeTakeFirst();
    return row ?? null;
  }

  async saveCode(c: Omit<ErasureCodeTable, 'usedAt'>): Promise<void> {
    await this.db.insertInto('erasureCode').values({ ...c, usedAt: null }).execute();
  }

  async code(id: string): Promise<ErasureCodeTable | null> {
    return (await this.db.selectFrom('erasureCode').selectAll().where('id', '=', id).executeTakeFirst()) ?? null;
  }

  /** One attempt used; false when none was left (or the code was used meanwhile). */
  async spendAttempt(id: string): Promise<boolean> {
    const res = await this.db.updateTable('erasureCode').set((eb) => ({ attemptsLeft: eb('attemptsLeft', '-', 1) })).where('id', '=', id).where('attemptsLeft', '>', 0).where('usedAt', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async useCode(id: string): Promise<boolean> {
    const res = await this.db.updateTable('erasureCode').set({ usedAt: new Date().toISOString() }).where('id', '=', id).where('usedAt', 'is', null).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }
}
