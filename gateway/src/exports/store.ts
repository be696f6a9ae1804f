import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { z } from 'zod';
import { fail, footprintError } from '@footprint/schema';
import type { GatewayDB, GatewayStore } from '../auth/audit.js';
import { JobStore } from '../jobs/store.js';
import { JobError } from '../jobs/table.js';

export const EXPORT_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];
const ACTIVE: ExportState[] = ['QUEUED', 'RUNNING'];

export type KindStatus = 'PENDING' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE' | 'NOT_READ';

const StagedFile = z.object({
  path: z.string(),
  format: z.enum(['json', 'csv', 'vcard', 'geojson']),
  mediaType: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  records: z.number().int().min(0),
});
export type StagedFile = z.infer<typeof StagedFile>;

const Provenance = z.object({ provided: z.number(), observed: z.number(), inferred: z.number(), received: z.number() });
export type ProvenanceCounts = z.infer<typeof Provenance>;

/** One kind's state; once COMPLETE it is the checkpoint a resumed run starts after. */
const KindProgress = z.object({
  kind: z.string(),
  domain: z.string(),
  field: z.string(),
  typename: z.string(),
  status: z.enum(['PENDING', 'RUNNING', 'COMPLETE', 'INCOMPLETE', 'NOT_READ']),
  done: z.number().int().min(0),
  /** totalCount the domain reported (discovery first, then the connection itself). */
  total: z.number().int().min(0).nullable(),
  /** Which run read it (1 = the first; a larger number after a resume). */
  run: z.number().int().nullable(),
  files: z.array(StagedFile),
  regions: z.array(z.string()),
  sources: z.array(z.string()),
  /** Who data received from third parties came from (the kind's origin field), with counts; Art. 15(1)(g). */
  origins: z.array(z.object({ name: z.string(), records: z.number().int().min(0) })).default([]),
  provenance: Provenance,
  portable: z.number().int().min(0),
  error: z.string().nullable(),
});
export type KindProgress = z.infer<typeof KindProgress>;

/** `schemaHash`: a run resumes from checkpoints only if the schema that wrote them is the same. */
const Progress = z.object({ schemaHash: z.string(), kinds: z.array(KindProgress) });
export type Progress = z.infer<typeof Progress>;

export { JobError };

/**
 * A finished job's progress: no kind is left PENDING or RUNNING. Kinds the
 * job never finished become NOT_READ, saying why; COMPLETE and INCOMPLETE
 * kinds keep what they say.
 */
export function settledProgress(progress: Progress, error: JobError): Progress {
  const why = `Not read: the export failed before this kind was finished (${error.domain ? `the ${error.domain} domain, ` : ''}${error.code})`;
  return {
    ...progress,
    kinds: progress.kinds.map((k) => (k.status === 'PENDING' || k.status === 'RUNNING' ? { ...k, status: 'NOT_READ', error: k.error ?? why } : k)),
  };
}

export type ExportJobTable = {
  id: string;
  personId: string;
  requestedBy: string;
  requesterType: string;
  reason: string | null;
  allowPartial: number;
  state: ExportState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: string;
  error: string | null;
  archiveBytes: number | null;
  archiveSha256: string | null;
  records: number | null;
  expiresAt: string | null;
  /** A receiving service's job (gateway/src/portability): the grant it runs under; null for the person's own exports. */
  portabilityGrant: string | null;
  /** JSON list of the kinds the job may read (null: every kind). */
  onlyKinds: string | null;
  /** Only records collected within [windowStart, windowEnd] (either may be null: open). */
  windowStart: string | null;
  windowEnd: string | null;
};

type ExportDB = {
  exportJob: ExportJobTable;
};

/** A job as the rest of the feature sees it: parsed, typed. */
export interface ExportJob {
  id: string;
  personId: string;
  requestedBy: string;
  requesterType: 'subject' | 'operator';
  reason: string | null;
  allowPartial: boolean;
  state: ExportState;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  progress: Progress;
  error: JobError | null;
  archiveBytes: number | null;
  archiveSha256: string | null;
  records: number | null;
  expiresAt: string | null;
  /** Set for a receiving service's job (gateway/src/portability); such jobs are not the person's own exports. */
  portabilityGrant: string | null;
  /** The kinds the job reads; null: every kind. */
  onlyKinds: string[] | null;
  windowStart: string | null;
  windowEnd: string | null;
}

export const exportMigrations: Record<string, Migration> = {
  '101_export_job': {
    async up(db) {
      await db.schema
        .createTable('export_job')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requester_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('allow_partial', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('started_at', 'text')
        .addColumn('finished_at', 'text')
        .addColumn('heartbeat_at', 'text')
        .addColumn('worker', 'text')
        .addColumn('runs', 'integer', (c) => c.notNull().defaultTo(0))
        .addColumn('progress', 'text', (c) => c.notNull())
        .addColumn('error', 'text')
        .addColumn('archive_bytes', 'bigint')
        .addColumn('archive_sha256', 'text')
        .addColumn('records', 'integer')
        .addColumn('expires_at', 'text')
        .execute();
      await db.schema.createIndex('export_job_person_idx').on('export_job').columns(['person_id', 'created_at']).execute();
      await db.schema.createIndex('export_job_state_idx').on('export_job').columns(['state', 'created_at']).execute();
      // One queued or running export per person, enforced by the database even if two requests race.
      await sql`create unique index export_job_one_active on export_job (person_id) where state in ('QUEUED', 'RUNNING')`.execute(db);
    },
  },
};

function parseJob(row: ExportJobTable): ExportJob {
  return {
    ...row,
    requesterType: row.requesterType === 'operator' ? 'operator' : 'subject',
    allowPartial: Boolean(row.allowPartial),
    runs: Number(row.runs),
    archiveBytes: row.archiveBytes === null ? null : Number(row.archiveBytes),
    progress: Progress.parse(JSON.parse(row.progress)),
    error: row.error ? JobError.parse(JSON.parse(row.error)) : null,
    portabilityGrant: row.portabilityGrant ?? null,
    onlyKinds: row.onlyKinds ? z.array(z.string()).parse(JSON.parse(row.onlyKinds)) : null,
    windowStart: row.windowStart ?? null,
    windowEnd: row.windowEnd ?? null,
  };
}

export interface NewJob {
  personId: string;
  requestedBy: string;
  requesterType: 'subject' | 'operator';
  reason: string | null;
  allowPartial: boolean;
  progress: Progress;
}

export interface RequestLimits {
  windowMs: number;
  maxPerWindow: number;
}

const isUniqueViolation = (err: unknown) => /unique|duplicate key/i.test(err instanceof Error ? err.message : String(err));

/**
 * The export jobs in the gateway's store: requests, reads, success, failure
 * and archive expiry here; claiming, heartbeats, release and recovery in the
 * job store shared with erasures (../jobs/store.ts), whose every change a
 * worker makes is conditional on still owning the job.
 */
export class ExportJobs extends JobStore<ExportJob, Progress, ExportState> {
  private readonly db: Kysely<GatewayDB & ExportDB>;

  constructor(store: GatewayStore) {
    super(store, {
      table: 'exportJob',
      active: ACTIVE,
      interrupted: (runs, cause) => ({ code: 'INTERRUPTED', message: `The export was interrupted ${runs} times (${cause}); it was not retried again`, domain: null }),
      settle: (progress, error) => JSON.stringify(settledProgress(Progress.parse(JSON.parse(progress)), error)),
    });
    this.db = store.db.withTables<ExportDB>();
  }

  /**
   * Records a request, refusing (§10) a second export while one is queued or
   * running, and more than `maxPerWindow` requests per window. Failed jobs do
   * not count: a failure on our side must not use up the person's requests.
   */
  async create(job: NewJob, limits: RequestLimits, now = new Date()): Promise<ExportJob> {
    const id = randomUUID();
    try {
      await this.db.transaction().execute(async (trx) => {
        // A receiving service's jobs (portabilityGrant set) are neither the person's own nor counted against them.
        const active = await trx.selectFrom('exportJob').select(['id', 'state']).where('personId', '=', job.personId).where('state', 'in', ACTIVE).where('portabilityGrant', 'is', null).executeTakeFirst();
        if (active) {
          fail('CONFLICT', `An export of person ${job.personId} is already ${active.state} (job ${active.id}); wait for it to finish or cancel it before asking again`, { jobId: active.id });
        }
        const since = new Date(now.getTime() - limits.windowMs).toISOString();
        const recent = await trx
          .selectFrom('exportJob')
          .select('createdAt')
          .where('personId', '=', job.personId)
          .where('createdAt', '>', since)
          .where('state', '!=', 'FAILED')
          .where('portabilityGrant', 'is', null)
          .orderBy('createdAt', 'asc')
          .execute();
        if (recent.length >= limits.maxPerWindow) {
          const nextAt = new Date(Date.parse(recent[recent.length - limits.maxPerWindow]!.createdAt) + limits.windowMs).toISOString();
          const hours = Math.round((limits.windowMs / 3600_000) * 100) / 100;
          fail(
            'TOO_MANY_REQUESTS',
            `Refused as excessive (privacy policy §10): ${recent.length} exports of person ${job.personId} were requested in the last ${hours} hours and at most ${limits.maxPerWindow} are allowed; the next can be requested after ${nextAt}. The latest archive can still be downloaded until it expires.`,
            { retryAfter: nextAt },
          );
        }
        await trx
          .insertInto('exportJob')
          .values({
            id,
            personId: job.personId,
            requestedBy: job.requestedBy,
            requesterType: job.requesterType,
            reason: job.reason,
            allowPartial: job.allowPartial ? 1 : 0,
            state: 'QUEUED',
            createdAt: now.toISOString(),
            startedAt: null,
            finishedAt: null,
            heartbeatAt: null,
            worker: null,
            runs: 0,
            progress: JSON.stringify(job.progress),
            error: null,
            archiveBytes: null,
            archiveSha256: null,
            records: null,
            expiresAt: null,
            portabilityGrant: null,
            onlyKinds: null,
            windowStart: null,
            windowEnd: null,
          })
          .execute();
      });
    } catch (err) {
      if (isUniqueViolation(err)) throw footprintError('CONFLICT', `An export of person ${job.personId} is already queued or running; wait for it to finish or cancel it before asking again`);
      throw err;
    }
    return (await this.get(id))!;
  }

  async get(id: string): Promise<ExportJob | null> {
    const row = await this.db.selectFrom('exportJob').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parseJob(row) : null;
  }

  async listForPerson(personId: string, limit: number): Promise<ExportJob[]> {
    const rows = await this.db.selectFrom('exportJob').selectAll().where('personId', '=', personId).where('portabilityGrant', 'is', null).orderBy('createdAt', 'desc').limit(limit).execute();
    return rows.map(parseJob);
  }

  succeed(
    id: string,
    worker: string,
    done: { progress: Progress; archiveBytes: number; archiveSha256: string; records: number; expiresAt: string; finishedAt: string },
  ): Promise<boolean> {
    return this.table.succeed(id, worker, {
      progress: JSON.stringify(done.progress),
      finishedAt: done.finishedAt,
      columns: { archiveBytes: done.archiveBytes, archiveSha256: done.archiveSha256, records: done.records, expiresAt: done.expiresAt },
    });
  }

  /** Ends the job FAILED with `error`; its progress (the given one, else the stored one) is settled: no kind left running. */
  async fail(id: string, worker: string | null, error: JobError, progress?: Progress): Promise<boolean> {
    const from = progress ?? (await this.get(id))?.progress;
    return this.table.fail(id, worker, error, from ? JSON.stringify(settledProgress(from, error)) : undefined);
  }

  cancel(id: string): Promise<boolean> {
    return this.table.cancel(id, ACTIVE);
  }

  /** SUCCEEDED jobs whose archive is past its retention. */
  async dueForExpiry(now: Date): Promise<string[]> {
    const rows = await this.db.selectFrom('exportJob').select('id').where('state', '=', 'SUCCEEDED').where('expiresAt', '<=', now.toISOString()).execute();
    return rows.map((r) => r.id);
  }

  async markExpired(id: string): Promise<boolean> {
    const res = await this.db.updateTable('exportJob').set({ state: 'EXPIRED' }).where('id', '=', id).where('state', '=', 'SUCCEEDED').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ids of the jobs in these states. */
  async idsIn(states: ExportState[]): Promise<Set<string>> {
    const rows = await this.db.selectFrom('exportJob').select('id').where('state', 'in', states).execute();
    return new Set(rows.map((r) => r.id));
  }
}
