import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import { z } from 'zod';
import { DEFAULT_LANGUAGE, isLanguage, type Language } from '@footprint/i18n';
import { fail, footprintError } from '@footprint/schema';
import type { GatewayDB, GatewayStore } from '../auth/audit.js';
import { JobStore } from '../jobs/store.js';
import { JobError } from '../jobs/table.js';
import { fingerprintMigrations } from './incremental/fingerprints.js';
import { selectionMigrations } from './selection.js';
import { grantColumnMigrations } from './grant-columns.js';

export const EXPORT_STATES = ['QUEUED', 'RUNNING', 'SUCCEEDED', 'FAILED', 'EXPIRED', 'CANCELLED'] as const;
export type ExportState = (typeof EXPORT_STATES)[number];
const ACTIVE: ExportState[] = ['QUEUED', 'RUNNING'];

export type KindStatus = 'PENDING' | 'RUNNING' | 'COMPLETE' | 'INCOMPLETE' | 'NOT_READ';

const StagedFile = z.object({
  path: z.string(),
  /** `viewer`: a page of records as a script for the archive's offline viewer (archive/viewer-data.ts). */
  format: z.enum(['json', 'csv', 'vcard', 'geojson', 'viewer']),
  mediaType: z.string(),
  size: z.number().int().min(0),
  sha256: z.string().regex(/^[0-9a-f]{64}$/),
  records: z.number().int().min(0),
});
export type StagedFile = z.infer<typeof StagedFile>;

/** A record's file content staged for the archive (archive/content.ts): path, media type, size, SHA-256. */
const StagedContent = z.object({ path: z.string(), mediaType: z.string(), size: z.number().int().min(0), sha256: z.string().regex(/^[0-9a-f]{64}$/) });

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
  /** The kind's records' file content (photos, synced files), one entry per distinct file; kept apart from its data files. */
  contents: z.array(StagedContent).default([]),
  regions: z.array(z.string()),
  sources: z.array(z.string()),
  /** Who data received from third parties came from (the kind's origin field), with counts; Art. 15(1)(g). */
  origins: z.array(z.object({ name: z.string(), records: z.number().int().min(0) })).default([]),
  provenance: Provenance,
  portable: z.number().int().min(0),
  error: z.string().nullable(),
  /** For the kind that says where the person lives (RESIDENCE_SOURCE): their country and data region, kept across a resume. */
  residence: z.object({ country: z.string().nullable(), region: z.string().nullable() }).nullable().default(null),
  /** An export of what is new: records read, and how many were new, changed and removed since the baseline. */
  changes: z.object({ read: z.number().int().min(0), added: z.number().int().min(0), changed: z.number().int().min(0), removed: z.number().int().min(0) }).nullable().optional(),
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
  language: string;
  timeZone: string | null;
  sinceJobId: string | null;
  sinceRequested: string | null;
  scheduleId: string | null;
  baseline: number;
  kinds: string | null;
  /** A receiving service's job (gateway/src/portability): the grant it runs under; null for the person's own exports. */
  portabilityGrant: string | null;
  /** JSON list of the kinds the job may read (null: every kind). */
  onlyKinds: string | null;
  /** Only records collected within [windowStart, windowEnd] (either may be null: open). */
  windowStart: string | null;
  windowEnd: string | null;
};

export type ExportDB = {
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
  /** The language the archive is written in, chosen at the request (an explicit argument, else the requester's Accept-Language). */
  language: Language;
  /** The person's IANA time zone for dates written as text; null: UTC. */
  timeZone: string | null;
  /** An export of what is new: the finished export it compares with (null: a full export, or nothing to compare with yet). */
  sinceJobId: string | null;
  /** What was asked: LAST_EXPORT or an ISO date-time; null for a full export. */
  sinceRequested: string | null;
  /** The export schedule whose run made this job. */
  scheduleId: string | null;
  /** Finished complete, its fingerprints kept: a later export of what is new may compare with it. */
  baseline: boolean;
  /** The kinds chosen (selection.ts); null: every kind. */
  kinds: string[] | null;
  /** Set for a receiving service's job (gateway/src/portability); such jobs are not the person's own exports. */
  portabilityGrant: string | null;
  /** The kinds the job reads; null: every kind. */
  onlyKinds: string[] | null;
  windowStart: string | null;
  windowEnd: string | null;
}

export const exportMigrations: Record<string, Migration> = {
  ...fingerprintMigrations,
  ...selectionMigrations,
  ...grantColumnMigrations,
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
  // Stored with the job, so a run resumed from its checkpoints writes the rest of the archive in the same language.
  '970_export_job_language': {
    async up(db) {
      await db.schema.alterTable('export_job').addColumn('language', 'text', (c) => c.notNull().defaultTo(DEFAULT_LANGUAGE)).execute();
      await db.schema.alterTable('export_job').addColumn('time_zone', 'text').execute();
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
    baseline: Number(row.baseline) === 1,
    kinds: row.kinds ? z.array(z.string()).parse(JSON.parse(row.kinds)) : null,
    progress: Progress.parse(JSON.parse(row.progress)),
    error: row.error ? JobError.parse(JSON.parse(row.error)) : null,
    language: isLanguage(row.language) ? row.language : DEFAULT_LANGUAGE,
    timeZone: row.timeZone ?? null,
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
  language?: Language;
  timeZone?: string | null;
  sinceJobId?: string | null;
  sinceRequested?: string | null;
  scheduleId?: string | null;
  kinds?: string[] | null;
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
  async create(job: NewJob, limits: RequestLimits | null, now = new Date()): Promise<ExportJob> {
    let id = '';
    try {
      id = await this.db.transaction().execute((trx) => this.createIn(trx, job, limits, now));
    } catch (err) {
      if (isUniqueViolation(err)) throw footprintError('CONFLICT', `An export of person ${job.personId} is already queued or running; wait for it to finish or cancel it before asking again`);
      throw err;
    }
    return (await this.get(id))!;
  }

  /** Runs `fn` in one transaction of the store (an export schedule claims a run and creates its job in one). */
  transaction<T>(fn: (trx: Transaction<GatewayDB & ExportDB>) => Promise<T>): Promise<T> {
    return this.db.transaction().execute(fn);
  }

  /**
   * create() inside the caller's transaction; returns the new job's id. `limits` null: the request window
   * is not applied (a scheduled run: the person asked once for the whole schedule).
   */
  async createIn(trx: Transaction<GatewayDB & ExportDB>, job: NewJob, limits: RequestLimits | null, now = new Date()): Promise<string> {
    const id = randomUUID();
    // A receiving service's jobs (portabilityGrant set) are neither the person's own nor counted against them.
    const active = await trx.selectFrom('exportJob').select(['id', 'state']).where('personId', '=', job.personId).where('state', 'in', ACTIVE).where('portabilityGrant', 'is', null).executeTakeFirst();
    if (active) {
      fail('CONFLICT', `An export of person ${job.personId} is already ${active.state} (job ${active.id}); wait for it to finish or cancel it before asking again`, { jobId: active.id });
    }
    if (limits) await this.checkWindow(trx, job.personId, limits, now);
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
        sinceJobId: job.sinceJobId ?? null,
        sinceRequested: job.sinceRequested ?? null,
        scheduleId: job.scheduleId ?? null,
        baseline: 0,
        kinds: job.kinds ? JSON.stringify(job.kinds) : null,
        portabilityGrant: null,
        onlyKinds: null,
        windowStart: null,
        windowEnd: null,
        language: job.language ?? DEFAULT_LANGUAGE,
        timeZone: job.timeZone ?? null,
      })
      .execute();
    return id;
  }

  /** §10: at most `maxPerWindow` requests per window; failed jobs do not count. */
  private async checkWindow(trx: Transaction<GatewayDB & ExportDB>, personId: string, limits: RequestLimits, now: Date): Promise<void> {
    const since = new Date(now.getTime() - limits.windowMs).toISOString();
    const recent = await trx
      .selectFrom('exportJob')
      .select('createdAt')
      .where('personId', '=', personId)
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
        `Refused as excessive (privacy policy §10): ${recent.length} exports of person ${personId} were requested in the last ${hours} hours and at most ${limits.maxPerWindow} are allowed; the next can be requested after ${nextAt}. The latest archive can still be downloaded until it expires.`,
        { retryAfter: nextAt },
      );
    }
  }

  async get(id: string): Promise<ExportJob | null> {
    const row = await this.db.selectFrom('exportJob').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parseJob(row) : null;
  }

  async listForPerson(personId: string, limit: number): Promise<ExportJob[]> {
    const rows = await this.db.selectFrom('exportJob').selectAll().where('personId', '=', personId).where('portabilityGrant', 'is', null).orderBy('createdAt', 'desc').limit(limit).execute();
    return rows.map(parseJob);
  }

  /**
   * The language of the person's latest export: what a request made without one (a privacy request's export)
   * is written in, until the person's stored preference (me.preferences.language) can be read here instead.
   */
  async lastLanguage(personId: string): Promise<Language | null> {
    const row = await this.db.selectFrom('exportJob').select('language').where('personId', '=', personId).orderBy('createdAt', 'desc').limit(1).executeTakeFirst();
    return row && isLanguage(row.language) ? row.language : null;
  }

  succeed(
    id: string,
    worker: string,
    done: { progress: Progress; archiveBytes: number; archiveSha256: string; records: number; expiresAt: string; finishedAt: string; baseline?: boolean },
  ): Promise<boolean> {
    return this.table.succeed(id, worker, {
      progress: JSON.stringify(done.progress),
      finishedAt: done.finishedAt,
      columns: { archiveBytes: done.archiveBytes, archiveSha256: done.archiveSha256, records: done.records, expiresAt: done.expiresAt, baseline: done.baseline ? 1 : 0 },
    });
  }

  /**
   * The export an export of what is new compares with: the person's newest
   * finished complete export whose fingerprints are kept, finished at or
   * before `before` when given. Null: there is none.
   */
  async baselineFor(personId: string, before: string | null = null): Promise<{ id: string; finishedAt: string } | null> {
    let q = this.db.selectFrom('exportJob').select(['id', 'finishedAt']).where('personId', '=', personId).where('baseline', '=', 1).where('state', 'in', ['SUCCEEDED', 'EXPIRED']);
    if (before) q = q.where('finishedAt', '<=', before);
    const row = await q.orderBy('finishedAt', 'desc').limit(1).executeTakeFirst();
    return row?.finishedAt ? { id: row.id, finishedAt: row.finishedAt } : null;
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
