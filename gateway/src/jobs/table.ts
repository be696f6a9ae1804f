import { sql, type Kysely } from 'kysely';
import { z } from 'zod';
// A narrow kit module: the export thread imports this table (see thread-entry.ts), and the barrel is the whole subgraph runtime.
import { viewTables } from '@footprint/kit/view-tables.js';
import type { GatewayStore } from '../auth/audit.js';

/**
 * A job table of the gateway's store (export jobs, erasure jobs): the rows the
 * embedded and BullMQ workers claim, heartbeat, finish, fail and recover.
 * Every change a worker makes is conditional on still owning the job (state
 * RUNNING and its worker id), so a worker that lost the job — cancelled, or
 * taken over after it was thought dead — cannot overwrite what happened since.
 * Each kind's store adds its own columns, parsing and rules on top.
 */

/** What an error stored with a job says. */
export const JobError = z.object({ code: z.string(), message: z.string(), domain: z.string().nullable().optional() });
export type JobError = z.infer<typeof JobError>;

/** The columns every job table has. */
export interface JobColumns {
  id: string;
  personId: string;
  state: string;
  createdAt: string;
  startedAt: string | null;
  finishedAt: string | null;
  heartbeatAt: string | null;
  worker: string | null;
  runs: number;
  /** JSON, the kind's own shape. */
  progress: string;
  /** JSON JobError. */
  error: string | null;
}

/** A kind's columns beyond the common ones, as a finished job sets them. */
export type KindColumns = Record<string, string | number | null>;

/** How a kind of job differs. */
export interface JobKind {
  /** The table (camelCase, as Kysely names it). */
  table: string;
  /** The states a job is queued or running in: at most one per person. */
  active: readonly string[];
  /** The error of a job failed after too many interrupted runs. */
  interrupted(runs: number, cause: string): JobError;
  /** The progress a failed job is left with (e.g. no kind left RUNNING); default: unchanged. */
  settle?(progress: string, error: JobError): string;
}

type JobDB = Record<string, JobColumns & KindColumns>;

export class JobTable {
  private readonly db: Kysely<JobDB>;

  constructor(
    store: GatewayStore,
    private readonly kind: JobKind,
  ) {
    // The table is named at run time (GatewayDB lists only the audit log): read as any job table.
    this.db = viewTables<JobDB>(store.db);
  }

  private get table(): string {
    return this.kind.table;
  }

  private update() {
    return this.db.updateTable(this.table);
  }

  /** Embedded queue: takes the oldest QUEUED job, if another worker does not take it first; its id. */
  async claimNext(worker: string): Promise<string | null> {
    for (let tries = 0; tries < 5; tries++) {
      const next = await this.db.selectFrom(this.table).select('id').where('state', '=', 'QUEUED').orderBy('createdAt').limit(1).executeTakeFirst();
      if (!next) return null;
      if (await this.claim(next.id, worker, ['QUEUED'])) return next.id;
    }
    return null;
  }

  /**
   * Makes `worker` the job's owner and counts a run. BullMQ redelivers a job
   * whose worker died, so there a RUNNING job may be taken over as well.
   */
  async claim(id: string, worker: string, from: readonly string[] = this.kind.active): Promise<boolean> {
    const now = new Date().toISOString();
    const res = await this.update()
      .set((eb) => ({ state: 'RUNNING', worker, heartbeatAt: now, startedAt: eb.fn.coalesce('startedAt', eb.val(now)), runs: eb('runs', '+', 1) }))
      .where('id', '=', id)
      .where('state', 'in', from)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Heartbeat (and progress JSON); false when the worker no longer owns the job (cancelled or taken over). */
  async heartbeat(id: string, worker: string, progress?: string): Promise<boolean> {
    const res = await this.update()
      .set({ heartbeatAt: new Date().toISOString(), ...(progress !== undefined ? { progress } : {}) })
      .where('id', '=', id)
      .where('state', '=', 'RUNNING')
      .where('worker', '=', worker)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends an owned job SUCCEEDED with its progress and the kind's own result columns. */
  async succeed(id: string, worker: string, done: { progress: string; finishedAt: string; columns?: KindColumns }): Promise<boolean> {
    const res = await this.update()
      .set({ ...done.columns, state: 'SUCCEEDED', finishedAt: done.finishedAt, heartbeatAt: new Date().toISOString(), progress: done.progress, error: null })
      .where('id', '=', id)
      .where('state', '=', 'RUNNING')
      .where('worker', '=', worker)
      .executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Ends the job FAILED: an owned one, or (worker null) any active one. */
  async fail(id: string, worker: string | null, error: JobError, progress?: string): Promise<boolean> {
    let q = this.update()
      .set({ state: 'FAILED', finishedAt: new Date().toISOString(), error: JSON.stringify(error), ...(progress !== undefined ? { progress } : {}) })
      .where('id', '=', id);
    q = worker === null ? q.where('state', 'in', this.kind.active) : q.where('state', '=', 'RUNNING').where('worker', '=', worker);
    const res = await q.executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Gives a job back to the queue (graceful shutdown): the next run resumes. */
  async release(id: string, worker: string): Promise<boolean> {
    const res = await this.update().set({ state: 'QUEUED', worker: null }).where('id', '=', id).where('state', '=', 'RUNNING').where('worker', '=', worker).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /** Cancels a job still in one of `from`. */
  async cancel(id: string, from: readonly string[]): Promise<boolean> {
    const res = await this.update().set({ state: 'CANCELLED', finishedAt: new Date().toISOString() }).where('id', '=', id).where('state', 'in', from).executeTakeFirst();
    return Number(res.numUpdatedRows) === 1;
  }

  /**
   * Embedded mode after a crash: a RUNNING job whose heartbeat stopped goes back
   * to the queue (the next run resumes), or FAILED once it has had its runs.
   * Returns what it did, for the log.
   */
  async recoverStale(staleBefore: Date, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }> {
    const before = staleBefore.toISOString();
    const rows = await this.running().where('heartbeatAt', '<', before).execute();
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
    const rows = await this.running().where(sql<string>`substr(worker, 1, ${prefix.length})`, '=', prefix).where('worker', '!=', self).execute();
    return this.takeBack(rows, maxRuns, 'the gateway running it restarted');
  }

  private running() {
    return this.db.selectFrom(this.table).select(['id', 'runs', 'worker', 'progress']).where('state', '=', 'RUNNING');
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
      const guard = (q: ReturnType<typeof this.update>) => {
        const owned = q.where('id', '=', s.id).where('state', '=', 'RUNNING').where('worker', s.worker === null ? 'is' : '=', s.worker);
        return heartbeatBefore ? owned.where('heartbeatAt', '<', heartbeatBefore) : owned;
      };
      if (Number(s.runs) >= maxRuns) {
        const error = this.kind.interrupted(Number(s.runs), cause);
        const progress = this.kind.settle ? { progress: this.kind.settle(s.progress, error) } : {};
        const res = await guard(this.update().set({ state: 'FAILED', finishedAt: new Date().toISOString(), error: JSON.stringify(error), ...progress })).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) out.failed.push(s.id);
      } else {
        const res = await guard(this.update().set({ state: 'QUEUED', worker: null })).executeTakeFirst();
        if (Number(res.numUpdatedRows) === 1) out.requeued.push(s.id);
      }
    }
    return out;
  }
}
