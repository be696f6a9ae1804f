import type { GatewayStore } from '../auth/audit.js';
import { JobTable, type JobKind } from './table.js';

/**
 * The one job store the export and erasure jobs share: claiming, heartbeats,
 * release and recovery over their JobTable, returning the kind's own parsed
 * job. A kind adds how it is created, read, finished and failed (its columns
 * and progress differ).
 */
export abstract class JobStore<J extends { id: string; runs: number }, Progress, State extends string> {
  protected readonly table: JobTable;

  constructor(
    store: GatewayStore,
    protected readonly kind: JobKind & { active: readonly State[] },
  ) {
    this.table = new JobTable(store, kind);
  }

  abstract get(id: string): Promise<J | null>;

  /** Embedded queue: takes the oldest QUEUED job, if another worker does not take it first. */
  async claimNext(worker: string): Promise<J | null> {
    const id = await this.table.claimNext(worker);
    return id ? this.get(id) : null;
  }

  /**
   * Makes `worker` the job's owner and counts a run. BullMQ redelivers a job
   * whose worker died, so there a RUNNING job may be taken over as well.
   */
  async claim(id: string, worker: string, from: readonly State[] = this.kind.active): Promise<J | null> {
    return (await this.table.claim(id, worker, from)) ? this.get(id) : null;
  }

  /** Heartbeat (and progress); false when the worker no longer owns the job (cancelled or taken over). */
  heartbeat(id: string, worker: string, progress?: Progress): Promise<boolean> {
    return this.table.heartbeat(id, worker, progress === undefined ? undefined : JSON.stringify(progress));
  }

  /** Gives a job back to the queue (graceful shutdown): the next run resumes where this one stopped. */
  release(id: string, worker: string): Promise<boolean> {
    return this.table.release(id, worker);
  }

  /**
   * Embedded mode after a crash: a RUNNING job whose heartbeat stopped goes back
   * to the queue (the next run resumes), or FAILED once it has had its runs.
   * Returns what it did, for the log.
   */
  recoverStale(staleBefore: Date, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }> {
    return this.table.recoverStale(staleBefore, maxRuns);
  }

  /** A worker that (re)started as `name` takes back at once the jobs its earlier incarnation left RUNNING (see JobTable.recoverOwn). */
  recoverOwn(name: string, self: string, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }> {
    return this.table.recoverOwn(name, self, maxRuns);
  }
}
