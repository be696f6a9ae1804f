import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration } from 'kysely';
import { z } from 'zod';
import { fail, footprintError } from '@footprint/schema';
import type { GatewayStore } from '../auth/audit.js';

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

const JobError = z.object({ code: z.string(), message: z.string(), domain: z.string().nullable().optional() });
export type JobError = z.infer<typeof JobError>;

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
 * The export jobs in the gateway's store. Every change a worker makes is
 * conditional on still owning the job (state RUNNING and its worker id), so a
 * worker that lost the job — cancelled, or taken over after it was thought
 * dead — cannot overwrite what happened since.
 */
export class ExportJobs {
  private readonly db: Kysely<ExportDB>;

  constructor(store: GatewayStore) {
    this.db = store.db.withTables<ExportDB>() as unknown as Kysely<ExportDB>;
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
        const active = await trx.selectFrom('exportJob').select(['id', 'state']).where('personId', '=', job.personId).where('state', 'in', ACTIVE).executeTakeFirst();
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
    const rows = await this.db.selectFrom('exportJob').selectAll().where('personId', '=', personId).orderBy('createdAt', 'desc').limit(limit).execute();
    return rows.map(parseJob);
  }

  /** Embedded queue: takes the oldest QUEUED job, if another worker does not take it first. */
  async claimNext(worker: string): Promise<ExportJob | null> {
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db.selectFrom('exportJob').select('id').where('state', '=', 'QUEUED').orderBy('createdAt').limit(1).executeTakeFirst();
      if (!next) return null;
      const claimed = await this.claim(next.id, worker, ['QUEUED']);
      if (claimed) return claimed;
    }
    return null;
  }

  /**
   * Makes `worker` the job's owner and counts a run. BullMQ redelivers a job
   * whose worker died, so there a RUNNING job may be taken over as well.
   */
  async claim(id: string, worker: string, from: ExportState[] = ACTIVE): Promise<ExportJob | null> {
    const now = new Date().toISOString();
    const res = await this.db
      .updateTable('exportJob')
      .set((eb) => ({ state: 'RUNNING', worker, heartbeatAt: now, startedAt: eb.fn.coalesce('startedAt', eb.val(now)), runs: eb('runs', '+', 1) }))
      .where('id', '=', id)
      .where('state', 'in', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1 ? this.get(id) : null;
  }

  /** Heartbeat (and progress); false when the worker no longer owns the job (cancelled or taken over). */
  async heartbeat(id: string, worker: string, progress?: Progress): Promise<boolean> {
    const res = await this.db
      .updateTable('exportJob')
      .set({ heartbeatAt: new Date().toISOString(), ...(progress ? { progress: JSON.stringify(progress) } : {}) })
      .where('id', '=', id)
      .where('state', '=', 'RUNNING')
      .where('worker', '=', worker)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async succeed(
    id: string,
    worker: string,
    done: { progress: Progress; archiveBytes: number; archiveSha256: string; records: number; expiresAt: string; finishedAt: string },
  ): Promise<boolean> {
    const res = await this.db
      .updateTable('exportJob')
      .set({
        state: 'SUCCEEDED',
        finishedAt: done.finishedAt,
        heartbeatAt: new Date().toISOString(),
        progress: JSON.stringify(done.progress),
        archiveBytes: done.archiveBytes,
        archiveSha256: done.archiveSha256,
        records: done.records,
        expiresAt: done.expiresAt,
        error: null,
      })
      .where('id', '=', id)
      .where('state', '=', 'RUNNING')
      .where('worker', '=', worker)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends the job FAILED with `error`; its progress (the given one, else the stored one) is settled: no kind left running. */
  async fail(id: string, worker: string | null, error: JobError, progress?: Progress): Promise<boolean> {
    const from = progress ?? (await this.get(id))?.progress;
    let q = this.db
      .updateTable('exportJob')
      .set({ state: 'FAILED', finishedAt: new Date().toISOString(), error: JSON.stringify(error), ...(from ? { progress: JSON.stringify(settledProgress(from, error)) } : {}) })
      .where('id', '=', id);
    q = worker === null ? q.where('state', 'in', ACTIVE) : q.where('state', '=', 'RUNNING').where('worker', '=', worker);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Gives a job back to the queue (graceful shutdown): the next run resumes from its checkpoints. */
  async release(id: string, worker: string): Promise<boolean> {
    const res = await this.db.updateTable('exportJob').set({ state: 'QUEUED', worker: null }).where('id', '=', id).where('state', '=', 'RUNNING').where('worker', '=', worker).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async cancel(id: string): Promise<boolean> {
    const res = await this.db.updateTable('exportJob').set({ state: 'CANCELLED', finishedAt: new Date().toISOString() }).where('id', '=', id).where('state', 'in', ACTIVE).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Embedded mode after a crash: a RUNNING job whose heartbeat stopped goes back
   * to the queue (its checkpoints let the next run resume), or FAILED once it has
   * had its runs. Returns what it did, for the log.
   */
  async recoverStale(staleBefore: Date, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }> {
    const before = staleBefore.toISOString();
    const rows = await this.runningJobs().where('heartbeatAt', '<', before).execute();
    return this.takeBack(rows, maxRuns, 'its worker stopped without finishing', before);
  }

  /**
   * A worker that (re)started as `name`: the jobs an earlier incarnation of the
   * same name left RUNNING go back to the queue at once — no stale threshold,
   * since that process is gone — or FAILED once they have had their runs.
   * Other workers' jobs are left to recoverStale.
   */
  async recoverOwn(name: string, self: string, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }> {
    const prefix = `${name}/`;
    const rows = await this.runningJobs().where(sql<string>`substr(worker, 1, ${prefix.length})`, '=', prefix).where('worker', '!=', self).execute();
    return this.takeBack(rows, maxRuns, 'the gateway running it restarted');
  }

  private runningJobs() {
    return this.db.selectFrom('exportJob').select(['id', 'runs', 'worker', 'progress']).where('state', '=', 'RUNNING');
  }

  /** Requeues (or fails, after maxRuns) jobs read as RUNNING, if still owned as read (and, for stale ones, still silent). */
  private async takeBack(
    rows: { id: string; runs: number; worker: string | null; progress: string }[],
    maxRuns: number,
    cause: string,
    heartbeatBefore?: string,
  ): Promise<{ requeued: string[]; failed: string[] }> {
    const out = { requeued: [] as string[], failed: [] as string[] };
    for (const s of rows) {
      const guard = (q: ReturnType<typeof this.staleUpdate>) => {
        const owned = q.where('id', '=', s.id).where('state', '=', 'RUNNING').where('worker', s.worker === null ? 'is' : '=', s.worker);
        return heartbeatBefore ? owned.where('heartbeatAt', '<', heartbeatBefore) : owned;
      };
      if (Number(s.runs) >= maxRuns) {
        const error: JobError = { code: 'INTERRUPTED', message: `The export was interrupted ${s.runs} times (${cause}); it was not retried again`, domain: null };
        const progress = JSON.stringify(settledProgress(Progress.parse(JSON.parse(s.progress)), error));
        const res = await guard(this.staleUpdate().set({ state: 'FAILED', finishedAt: new Date().toISOString(), error: JSON.stringify(error), progress })).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) out.failed.push(s.id);
      } else {
        const res = await guard(this.staleUpdate().set({ state: 'QUEUED', worker: null })).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) out.requeued.push(s.id);
      }
    }
    return out;
  }

  private staleUpdate() {
    return this.db.updateTable('exportJob');
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
