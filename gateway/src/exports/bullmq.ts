import { DelayedError, Queue, Worker, type Job } from 'bullmq';
import { z } from 'zod';
import { footprintError, type Logger } from '@footprint/schema';
import type { ExportConfig } from './config.js';
import { workerId, type ExportQueue } from './queue.js';
import type { ExportJobs } from './store.js';
import type { ExportRunner } from './worker.js';

const JobData = z.object({ jobId: z.uuid() });

const connection = (config: ExportConfig) => ({ url: config.redisUrl! });

/**
 * With REDIS_URL: jobs go on a BullMQ queue, and `npm run worker` processes
 * (as many as wanted) take them. BullMQ only dispatches — its job id is ours,
 * so a job is queued once — and redelivers a job whose worker died (its lock
 * expires). The job's state, progress and checkpoints stay in the gateway
 * store, which the gateway and the workers share, with the export folder.
 */
export class BullExportQueue implements ExportQueue {
  private readonly queue: Queue;

  constructor(config: ExportConfig) {
    this.queue = new Queue(config.queueName, { connection: connection(config), prefix: config.queuePrefix });
  }

  async enqueue(jobId: string): Promise<void> {
    const added = this.queue.add('export', { jobId }, { jobId, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } });
    // A request must not hang on a Redis that is down: the resolver then fails the job and says so.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(footprintError('INTERNAL_SERVER_ERROR', 'The export queue (Redis) did not answer; try again later')), 5000);
    });
    try {
      await Promise.race([added, timeout]);
    } finally {
      clearTimeout(timer);
    }
  }

  async cancelled(jobId: string): Promise<void> {
    const job = await this.queue.getJob(jobId);
    if (job && (await job.isWaiting())) await job.remove().catch(() => undefined);
  }

  async close(): Promise<void> {
    await this.queue.close();
  }
}

export interface BullWorkersOptions {
  jobs: ExportJobs;
  runner: ExportRunner;
  config: ExportConfig;
  logger: Logger;
}

/** Starts a BullMQ worker that runs export jobs; close() hands running jobs back (they resume elsewhere). */
export function startBullWorkers(opts: BullWorkersOptions): { id: string; worker: Worker; close(): Promise<void> } {
  const { jobs, runner, config, logger } = opts;
  const id = workerId('worker');
  const abort = new AbortController();
  const worker = new Worker(
    config.queueName,
    async (job: Job, token?: string) => {
      const data = JobData.parse(job.data);
      const claimed = await jobs.claim(data.jobId, id);
      if (!claimed) return 'NOT_ACTIVE'; // cancelled or already finished
      if (claimed.runs > config.maxRuns) {
        await jobs.fail(claimed.id, id, { code: 'INTERRUPTED', message: `The export was interrupted ${claimed.runs - 1} times; it was not retried again`, domain: null });
        return 'FAILED';
      }
      const outcome = await runner.run(claimed, id, abort.signal);
      if (outcome === 'RELEASED') {
        // This worker is stopping: put the job back for another worker, which resumes from the checkpoints.
        await job.moveToDelayed(Date.now() + 100, token);
        throw new DelayedError();
      }
      return outcome;
    },
    {
      connection: { ...connection(config), maxRetriesPerRequest: null },
      prefix: config.queuePrefix,
      concurrency: Math.max(1, config.concurrency),
      lockDuration: config.lockMs,
      stalledInterval: Math.max(250, Math.floor(config.lockMs / 2)),
      // A crashed worker's job is always redelivered; our own run count (FOOTPRINT_EXPORT_MAX_RUNS) decides when to give up.
      maxStalledCount: 1000,
    },
  );
  worker.on('failed', (job, err) => logger.error({ job: job?.id, err }, 'export job failed in the worker'));
  worker.on('error', (err) => logger.error({ err }, 'export worker error'));
  return {
    id,
    worker,
    async close() {
      abort.abort();
      await worker.close();
    },
  };
}
