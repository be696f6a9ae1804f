import { randomUUID } from 'node:crypto';
import { sql, type Kysely, type Migration, type Transaction } from 'kysely';
import type { GatewayDB, GatewayStore } from '../../auth/audit.js';
import type { ExportDB } from '../store.js';

export const SCHEDULE_STATES = ['ACTIVE', 'CANCELLED', 'FINISHED'] as const;
export type ScheduleState = (typeof SCHEDULE_STATES)[number];

export type ExportScheduleTable = {
  id: string;
  personId: string;
  everyMonths: number;
  months: number;
  incremental: number;
  allowPartial: number;
  state: ScheduleState;
  startsAt: string;
  endsAt: string;
  /** The next due date not yet claimed; null once none is left (FINISHED) or the schedule was cancelled. */
  nextRunAt: string | null;
  createdAt: string;
  cancelledAt: string | null;
  requestedBy: string;
  requesterType: string;
  reason: string | null;
  /** The language notices are written in (what the person asked in, until a preference is kept). */
  language: string;
  /** JSON list of the kinds each run exports; null: every kind. */
  kinds: string | null;
};

export type ExportScheduleRunTable = {
  scheduleId: string;
  dueAt: string;
  /** The export job that answers the run: started for it, or one of the person's that was already running (joined). */
  jobId: string;
  joined: number;
  claimedAt: string;
  claimedBy: string;
  /** When the notice about the run's job was sent (or given up: UNREACHABLE). */
  notifiedAt: string | null;
  notice: string | null;
};

export type ScheduleDB = { exportSchedule: ExportScheduleTable; exportScheduleRun: ExportScheduleRunTable };

export const scheduleMigrations: Record<string, Migration> = {
  '940_export_schedule': {
    async up(db) {
      await db.schema
        .createTable('export_schedule')
        .addColumn('id', 'text', (c) => c.primaryKey())
        .addColumn('person_id', 'text', (c) => c.notNull())
        .addColumn('every_months', 'integer', (c) => c.notNull())
        .addColumn('months', 'integer', (c) => c.notNull())
        .addColumn('incremental', 'integer', (c) => c.notNull())
        .addColumn('allow_partial', 'integer', (c) => c.notNull())
        .addColumn('state', 'text', (c) => c.notNull())
        .addColumn('starts_at', 'text', (c) => c.notNull())
        .addColumn('ends_at', 'text', (c) => c.notNull())
        .addColumn('next_run_at', 'text')
        .addColumn('created_at', 'text', (c) => c.notNull())
        .addColumn('cancelled_at', 'text')
        .addColumn('requested_by', 'text', (c) => c.notNull())
        .addColumn('requester_type', 'text', (c) => c.notNull())
        .addColumn('reason', 'text')
        .addColumn('language', 'text', (c) => c.notNull())
        .addColumn('kinds', 'text')
        .execute();
      await db.schema.createIndex('export_schedule_person_idx').on('export_schedule').columns(['person_id', 'created_at']).execute();
      await db.schema.createIndex('export_schedule_due_idx').on('export_schedule').columns(['state', 'next_run_at']).execute();
      // One active schedule per person, held by the database even when two requests race.
      await sql`create unique index export_schedule_one_active on export_schedule (person_id) where state = 'ACTIVE'`.execute(db);
      await db.schema
        .createTable('export_schedule_run')
        .addColumn('schedule_id', 'text', (c) => c.notNull())
        .addColumn('due_at', 'text', (c) => c.notNull())
        .addColumn('job_id', 'text', (c) => c.notNull())
        .addColumn('joined', 'integer', (c) => c.notNull())
        .addColumn('claimed_at', 'text', (c) => c.notNull())
        .addColumn('claimed_by', 'text', (c) => c.notNull())
        .addColumn('notified_at', 'text')
        .addColumn('notice', 'text')
        // One run per due date, whichever gateway claims it.
        .addPrimaryKeyConstraint('export_schedule_run_pk', ['schedule_id', 'due_at'])
        .execute();
      await db.schema.createIndex('export_schedule_run_notice_idx').on('export_schedule_run').columns(['notified_at']).execute();
    },
  },
};

export interface ExportSchedule {
  id: string;
  personId: string;
  everyMonths: number;
  months: number;
  incremental: boolean;
  allowPartial: boolean;
  state: ScheduleState;
  startsAt: string;
  endsAt: string;
  nextRunAt: string | null;
  createdAt: string;
  cancelledAt: string | null;
  requestedBy: string;
  requesterType: 'subject' | 'operator';
  reason: string | null;
  language: string;
  kinds: string[] | null;
}

export interface ScheduleRun {
  scheduleId: string;
  dueAt: string;
  jobId: string;
  joined: boolean;
  claimedAt: string;
  claimedBy: string;
  notifiedAt: string | null;
  notice: string | null;
}

const parseSchedule = (r: ExportScheduleTable): ExportSchedule => ({
  ...r,
  everyMonths: Number(r.everyMonths),
  months: Number(r.months),
  incremental: Number(r.incremental) === 1,
  allowPartial: Number(r.allowPartial) === 1,
  requesterType: r.requesterType === 'operator' ? 'operator' : 'subject',
  kinds: r.kinds ? (JSON.parse(r.kinds) as unknown[]).map(String) : null,
});

const parseRun = (r: ExportScheduleRunTable): ScheduleRun => ({ ...r, joined: Number(r.joined) === 1 });

export type NewSchedule = Omit<ExportSchedule, 'id' | 'state' | 'nextRunAt' | 'cancelledAt'>;

export const isUniqueViolation = (err: unknown) => /unique|duplicate key/i.test(err instanceof Error ? err.message : String(err));

/** The export schedules and their runs in the gateway's store (SQLite or PostgreSQL, shared by every gateway). */
export class ScheduleStore {
  private readonly db: Kysely<GatewayDB & ScheduleDB>;

  constructor(store: GatewayStore) {
    this.db = store.db.withTables<ScheduleDB>();
  }

  /** Creates an ACTIVE schedule whose first run is due at its start; null when the person already has an active one. */
  async create(s: NewSchedule): Promise<ExportSchedule | null> {
    const id = randomUUID();
    try {
      await this.db
        .insertInto('exportSchedule')
        .values({ ...s, id, incremental: s.incremental ? 1 : 0, allowPartial: s.allowPartial ? 1 : 0, kinds: s.kinds ? JSON.stringify(s.kinds) : null, state: 'ACTIVE', nextRunAt: s.startsAt, cancelledAt: null })
        .execute();
    } catch (err) {
      if (isUniqueViolation(err)) return null;
      throw err;
    }
    return this.get(id);
  }

  async get(id: string): Promise<ExportSchedule | null> {
    const row = await this.db.selectFrom('exportSchedule').selectAll().where('id', '=', id).executeTakeFirst();
    return row ? parseSchedule(row) : null;
  }

  async activeFor(personId: string): Promise<ExportSchedule | null> {
    const row = await this.db.selectFrom('exportSchedule').selectAll().where('personId', '=', personId).where('state', '=', 'ACTIVE').executeTakeFirst();
    return row ? parseSchedule(row) : null;
  }

  async listForPerson(personId: string, limit: number): Promise<ExportSchedule[]> {
    const rows = await this.db.selectFrom('exportSchedule').selectAll().where('personId', '=', personId).orderBy('createdAt', 'desc').limit(limit).execute();
    return rows.map(parseSchedule);
  }

  /** Active schedules with a run due by `now`, the earliest first. */
  async due(now: Date, limit = 100): Promise<ExportSchedule[]> {
    const rows = await this.db
      .selectFrom('exportSchedule')
      .selectAll()
      .where('state', '=', 'ACTIVE')
      .where('nextRunAt', '<=', now.toISOString())
      .orderBy('nextRunAt')
      .limit(limit)
      .execute();
    return rows.map(parseSchedule);
  }

  /**
   * Claims the run due at `due` inside `trx`: moves the schedule on to `next`
   * (FINISHED when null) only if it is still ACTIVE and still due then — the
   * conditional update that lets exactly one of several gateways claim it.
   */
  async claim(trx: Transaction<GatewayDB & ExportDB>, id: string, due: string, next: string | null): Promise<boolean> {
    const res = await trx
      .withTables<ScheduleDB>()
      .updateTable('exportSchedule')
      .set({ nextRunAt: next, state: next === null ? 'FINISHED' : 'ACTIVE' })
      .where('id', '=', id)
      .where('state', '=', 'ACTIVE')
      .where('nextRunAt', '=', due)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  async recordRun(trx: Transaction<GatewayDB & ExportDB>, run: Omit<ScheduleRun, 'notifiedAt' | 'notice'>): Promise<void> {
    await trx
      .withTables<ScheduleDB>()
      .insertInto('exportScheduleRun')
      .values({ ...run, joined: run.joined ? 1 : 0, notifiedAt: null, notice: null })
      .execute();
  }

  async runs(scheduleId: string): Promise<ScheduleRun[]> {
    const rows = await this.db.selectFrom('exportScheduleRun').selectAll().where('scheduleId', '=', scheduleId).orderBy('dueAt').execute();
    return rows.map(parseRun);
  }

  /** Stops future runs; false when the schedule is not ACTIVE. */
  async cancel(id: string, at: Date): Promise<boolean> {
    const res = await this.db.updateTable('exportSchedule').set({ state: 'CANCELLED', nextRunAt: null, cancelledAt: at.toISOString() }).where('id', '=', id).where('state', '=', 'ACTIVE').executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** The account was erased: every active schedule of the person stops (idempotent). */
  async cancelAllFor(personId: string, at: Date): Promise<number> {
    const res = await this.db.updateTable('exportSchedule').set({ state: 'CANCELLED', nextRunAt: null, cancelledAt: at.toISOString() }).where('personId', '=', personId).where('state', '=', 'ACTIVE').executeTakeFirst();
    return Number(res.numUpdatedRows);
  }

  /** Runs whose job has ended and whose person has not been told yet. */
  async awaitingNotice(limit = 100): Promise<ScheduleRun[]> {
    const rows = await this.db
      .selectFrom('exportScheduleRun as r')
      .innerJoin(sql<{ id: string; state: string }>`export_job`.as('j'), (join) => join.onRef('j.id', '=', 'r.jobId'))
      .selectAll('r')
      .where('r.notifiedAt', 'is', null)
      .where(sql<string>`j.state`, 'in', ['SUCCEEDED', 'FAILED', 'CANCELLED', 'EXPIRED'])
      .limit(limit)
      .execute();
    return rows.map(parseRun);
  }

  /** Takes the notice of a run (once, across gateways): false when another took it. */
  async claimNotice(run: ScheduleRun, notice: string, at: Date): Promise<boolean> {
    const res = await this.db
      .updateTable('exportScheduleRun')
      .set({ notifiedAt: at.toISOString(), notice })
      .where('scheduleId', '=', run.scheduleId)
      .where('dueAt', '=', run.dueAt)
      .where('notifiedAt', 'is', null)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** A notice that could not be sent is tried again at the next run. */
  async releaseNotice(run: ScheduleRun): Promise<void> {
    await this.db.updateTable('exportScheduleRun').set({ notifiedAt: null, notice: null }).where('scheduleId', '=', run.scheduleId).where('dueAt', '=', run.dueAt).execute();
  }
}
