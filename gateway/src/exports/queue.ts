import { hostname } from 'node:os';
import { randomUUID } from 'node:crypto';
import type { Logger } from '@footprint/kit';
import { workerIdentity, type WorkerIdentity } from './identity.js';
import type { ExportJob, JobError } from './store.js';
import type { RunOutcome } from './worker.js';

/** Where requested jobs go: the embedded SQLite table (polled by in-process workers) or BullMQ on Redis. */
export interface ExportQueue {
  /** The job row exists (QUEUED); make it run. */
  enqueue(jobId: string): Promise<void>;
  /** The job row was cancelled; drop it from the queue if it is still waiting. */
  cancelled(jobId: string): Promise<void>;
  close(): Promise<void>;
}

/** One id per standalone worker process (BullMQ): a job's owner, checked on every write the worker makes. */
export const workerId = (role: string) => `${role}:${hostname()}:${process.pid}:${randomUUID().slice(0, 8)}`;

/** What the workers need of a job table: exports and erasures (gateway/src/rights) share this machinery. */
export interface ClaimableJobs<J extends { id: string; runs: number }> {
  claimNext(worker: string): Promise<J | null>;
  claim(id: string, worker: string): Promise<J | null>;
  fail(id: string, worker: string | null, error: JobError): Promise<boolean>;
  /** Requeues the jobs an earlier incarnation of the named worker left RUNNING (tables that support it). */
  recoverOwn?(name: string, self: string, maxRuns: number): Promise<{ requeued: string[]; failed: string[] }>;
}

/** Runs one claimed job to its end (or hands it back when the worker stops). */
export interface JobRunner<J> {
  run(job: J, worker: string, signal: AbortSignal): Promise<RunOutcome>;
}

export interface EmbeddedWorkersOptions<J extends { id: string; runs: number } = ExportJob> {
  /**
   * This process's worker name (kept across restarts), known once the gateway listens: with it, the jobs
   * an earlier incarnation left RUNNING are taken back at once. Without it, a per-process id is used.
   */
  workerName?: () => string;
  jobs: ClaimableJobs<J>;
  runner: JobRunner<J>;
  /** What the jobs are, for messages ("export", "erasure"). */
  label?: string;
  concurrency: number;
  maxRuns: number;
  /** How often an idle worker looks for jobs it was not told about (another gateway's, a recovered crash). */
  pollMs: number;
  logger: Logger;
}

/**
 * The embedded default: jobs are rows of the gateway store's job table, and
 * `concurrency` loops in the gateway process claim the oldest QUEUED row
 * (a conditional update, so several gateways may share the table) and run it.
 * On start, the jobs an earlier incarnation of this worker left RUNNING (a
 * crash, a kill) are taken back at once, before anything else is claimed.
 */
export class EmbeddedWorkers<J extends { id: string; runs: number }> implements ExportQueue {
  private id = workerId('gateway');
  private readonly abort = new AbortController();
  private readonly wakers = new Set<() => void>();
  private loops: Promise<void>[] = [];
  private stopping = false;

  constructor(private readonly opts: EmbeddedWorkersOptions<J>) {}

  start(): void {
    const identity = this.opts.workerName ? workerIdentity(this.opts.workerName()) : null;
    if (identity) this.id = identity.id;
    const ready = identity ? this.takeBackOwn(identity) : Promise.resolve();
    for (let i = 0; i < this.opts.concurrency; i++) this.loops.push(ready.then(() => this.loop()));
  }

  private async takeBackOwn(identity: WorkerIdentity): Promise<void> {
    const { jobs, logger, maxRuns } = this.opts;
    const label = this.opts.label ?? 'export';
    if (!jobs.recoverOwn) return;
    try {
      const r = await jobs.recoverOwn(identity.name, identity.id, maxRuns);
      if (r.requeued.length) logger.warn({ worker: identity.name, jobs: r.requeued }, `took back this worker’s own unfinished ${label} jobs at once (it restarted); they resume from their checkpoints`);
      if (r.failed.length) logger.error({ worker: identity.name, jobs: r.failed }, `own unfinished ${label} jobs interrupted too often were failed`);
    } catch (err) {
      logger.error({ err }, `could not take back this worker’s unfinished ${label} jobs; they are recovered after the stale threshold`);
    }
  }

  async enqueue(): Promise<void> {
    this.wake();
  }

  /** The running job notices at its next heartbeat (at most a page later) and deletes its files. */
  async cancelled(): Promise<void> {}

  wake(): void {
    for (const w of [...this.wakers]) w();
  }

  async close(): Promise<void> {
    this.stopping = true;
    this.abort.abort();
    this.wake();
    await Promise.all(this.loops);
  }

  private idle(): Promise<void> {
    return new Promise((resolve) => {
      const done = () => {
        clearTimeout(timer);
        this.wakers.delete(done);
        resolve();
      };
      const timer = setTimeout(done, this.opts.pollMs);
      this.wakers.add(done);
    });
  }

  private async loop(): Promise<void> {
    const { jobs, runner, logger, maxRuns } = this.opts;
    while (!this.stopping) {
      try {
        const job = await jobs.claimNext(this.id);
        if (!job) {
          await this.idle();
          continue;
        }
        if (job.runs > maxRuns) {
          await jobs.fail(job.id, this.id, { code: 'INTERRUPTED', message: `The ${this.opts.label ?? 'export'} was interrupted ${job.runs - 1} times; it was not retried again`, domain: null });
          continue;
        }
        await runner.run(job, this.id, this.abort.signal);
      } catch (err) {
        logger.error({ err }, `${this.opts.label ?? 'export'} worker loop failed; continuing`);
        await this.idle();
      }
    }
  }
}

/** The export jobs' embedded workers. */
export class EmbeddedExportWorkers extends EmbeddedWorkers<ExportJob> {}
