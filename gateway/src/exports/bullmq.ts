import { createRequire } from 'node:module';
import type * as BullMQ from 'bullmq';
import type { Job, Queue, Worker } from 'bullmq';
import { z } from 'zod';
import { footprintError } from '@footprint/schema';
import type { Logger } from '@footprint/kit';
import type { ExportConfig } from './config.js';
import { workerId, type ClaimableJobs, type ExportQueue, type JobRunner } from './queue.js';
import type { ExportJob } from './store.js';

const JobData = z.object({ jobId: z.uuid() });

const connection = (config: ExportConfig) => ({ url: config.redisUrl! });

/**
 * BullMQ is loaded when a queue or worker is first made, not when this module
 * is imported: a gateway without REDIS_URL (the embedded default) never uses
 * it, and it is about 4 MB of heap. Its package has no ESM entry for Node
 * (`main` is CommonJS), so `require` loads the same module `import` would.
 */
const requireCjs = createRequire(import.meta.url);
let loaded: typeof BullMQ | undefined;
const bullmq = (): typeof BullMQ => (loaded ??= requireCjs('bullmq') as typeof BullMQ);

/**
 * With REDIS_URL: jobs go on a BullMQ queue, and `npm run worker` processes
 * (as many as wanted) take them. BullMQ only dispatches — its job id is ours,
 * so a job is queued once — and redelivers a job whose worker died (its lock
 * expires). The job's state, progress and checkpoints stay in the gateway
 * store, which the gateway and the workers share, with the export folder.
 */
export class BullExportQueue implements ExportQueue {
  private readonly queue: Queue;

  /** `queueName`: another queue on the same Redis for another kind of job (erasures); default the export queue. */
  constructor(
    config: ExportConfig,
    queueName = config.queueName,
    private readonly label = 'export',
  ) {
    this.queue = new (bullmq().Queue)(queueName, { connection: connection(config), prefix: config.queuePrefix });
  }

  async enqueue(jobId: string): Promise<void> {
    const added = this.queue.add(this.label, { jobId }, { jobId, removeOnComplete: true, removeOnFail: { age: 7 * 24 * 3600 } });
    // A request must not hang on a Redis that is down: the resolver then fails the job and says so.
    let timer: NodeJS.Timeout | undefined;
    const timeout = new Promise<never>((_, reject) => {
      timer = setTimeout(() => reject(footprintError('INTERNAL_SERVER_ERROR', `The ${this.label} queue (Redis) did not answer; try again later`)), 5000);
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

export interface BullWorkersOptions<J extends { id: string; runs: number } = ExportJob> {
  jobs: ClaimableJobs<J>;
  runner: JobRunner<J>;
  config: ExportConfig;
  logger: Logger;
  /** Default the export queue; erasures use their own queue on the same Redis. */
  queueName?: string;
  label?: string;
}

/** Starts a BullMQ worker that runs export jobs; close() hands running jobs back (they resume elsewhere). */
export function startBullWorkers<J extends { id: string; runs: number } = ExportJob>(opts: BullWorkersOptions<J>): { id: string; worker: Worker; close(): Promise<void> } {
  const { jobs, runner, config, logger } = opts;
  const label = opts.label ?? 'export';
  const id = workerId('worker');
  const abort = new AbortController();
  const worker = new (bullmq().Worker)(
    opts.queueName ?? config.queueName,
    async (job: Job, token?: string) => {
      const data = JobData.parse(job.data);
      const claimed = await jobs.claim(data.jobId, id);
      if (!claimed) return 'NOT_ACTIVE'; // cancelled or already finished
      if (claimed.runs > config.maxRuns) {
        await jobs.fail(claimed.id, id, { code: 'INTERRUPTED', message: `The ${label} was interrupted ${claimed.runs - 1} times; it was not retried again`, domain: null });
        return 'FAILED';
      }
      const outcome = await runner.run(claimed, id, abort.signal);
      if (outcome === 'RELEASED') {
        // This worker is stopping: put the job back for another worker, which resumes from the checkpoints.
        await job.moveToDelayed(Date.now() + 100, token);
        throw new (bullmq().DelayedError)();
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
  worker.on('failed', (job, err) => logger.error({ job: job?.id, err }, `${label} job failed in the worker`));
  worker.on('error', (err) => logger.error({ err }, `${label} worker error`));
  return {
    id,
    worker,
    async close() {
      abort.abort();
      await worker.close();
    },
  };
}
