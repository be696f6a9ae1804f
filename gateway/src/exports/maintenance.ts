import { readdir, rm } from 'node:fs/promises';
import { join } from 'node:path';
import type { Logger } from '@footprint/kit';
import type { ExportConfig } from './config.js';
import type { ExportJobs } from './store.js';
import { jobPaths } from './worker.js';

export interface MaintenanceOptions {
  jobs: ExportJobs;
  config: ExportConfig;
  logger: Logger;
  /** Embedded mode: re-queue RUNNING jobs whose heartbeat stopped (BullMQ redelivers those itself). */
  recoverStale: boolean;
  /** Told when jobs went back to the queue (to wake the embedded workers). */
  onRequeued?: () => void;
}

const FILE = /^([0-9a-f-]{36})\.(parts|zip\.partial|zip)$/;

/**
 * Housekeeping: crashed jobs back to the queue (or FAILED after their runs),
 * archives past their retention deleted (state EXPIRED), and files of finished
 * jobs that a crash left behind removed. Every step is a conditional update, so
 * the gateway and standalone workers may all run it.
 */
export class ExportMaintenance {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<void> | null = null;
  private lastSweep = 0;

  constructor(private readonly opts: MaintenanceOptions) {}

  start(): void {
    const every = this.opts.recoverStale ? Math.max(100, Math.floor(this.opts.config.staleMs / 2)) : 60_000;
    this.timer = setInterval(() => void this.tick(), every);
    this.timer.unref();
    void this.tick();
  }

  async stop(): Promise<void> {
    if (this.timer) clearInterval(this.timer);
    await this.running;
  }

  tick(): Promise<void> {
    this.running ??= this.work().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  private async work(): Promise<void> {
    const { jobs, config, logger } = this.opts;
    try {
      if (this.opts.recoverStale) {
        const r = await jobs.recoverStale(new Date(Date.now() - config.staleMs), config.maxRuns);
        if (r.requeued.length) {
          logger.warn({ jobs: r.requeued }, 'exports whose worker stopped were queued again; they resume from their checkpoints');
          this.opts.onRequeued?.();
        }
        if (r.failed.length) logger.error({ jobs: r.failed }, 'exports interrupted too often were failed');
      }
      for (const id of await jobs.dueForExpiry(new Date())) await this.expire(id);
      if (Date.now() - this.lastSweep > 10 * 60_000) {
        this.lastSweep = Date.now();
        await this.sweepFiles();
      }
    } catch (err) {
      logger.error({ err }, 'export maintenance failed');
    }
  }

  /** Deletes an archive past its retention and marks the job EXPIRED. */
  async expire(id: string): Promise<void> {
    if (await this.opts.jobs.markExpired(id)) {
      await rm(jobPaths(this.opts.config.dir, id).archive, { force: true });
      this.opts.logger.info({ job: id }, 'export archive expired and was deleted');
    }
  }

  /** Files of jobs that are over (or unknown): a crash between steps may have left them. Active jobs' files are never touched. */
  private async sweepFiles(): Promise<void> {
    const { jobs, config } = this.opts;
    let names: string[];
    try {
      names = await readdir(config.dir);
    } catch {
      return;
    }
    const found = names.map((n) => FILE.exec(n)).filter((m): m is RegExpExecArray => m !== null);
    if (found.length === 0) return;
    // Active first: a job that finishes between the two reads is then in both sets and keeps its ZIP.
    const active = await jobs.idsIn(['QUEUED', 'RUNNING']);
    const succeeded = await jobs.idsIn(['SUCCEEDED']);
    for (const [name, id, ext] of found) {
      if (active.has(id!) || (ext === 'zip' && succeeded.has(id!))) continue;
      await rm(join(config.dir, name!), { recursive: true, force: true });
    }
  }
}
