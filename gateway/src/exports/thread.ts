import { Worker } from 'node:worker_threads';
import type { Logger } from '@footprint/kit';
import type { ExportConfig } from './config.js';
import type { ExportPlan } from './plan.js';
import type { ExportQueue } from './queue.js';

/** The export thread's young generation (MB): enough for a page's objects, small enough to stay out of the gateway's RSS. */
const YOUNG_MB = 16;

export interface ExportThreadOptions {
  config: ExportConfig;
  dataDir: string;
  logLevel: string;
  /** Computed once by the gateway and copied to the thread, which then needs no schema of its own. */
  plan: ExportPlan;
  /** The gateway's own URL, known once it listens. */
  gatewayUrl: () => string;
  /** Subgraph URLs by name, for direct reads (the thread keeps circuit breakers of its own: objects do not cross threads). */
  subgraphUrls: Record<string, string>;
  /** The worker name the thread's workers run as (kept across restarts), known once the gateway listens. */
  workerName: () => string;
  logger: Logger;
}

/**
 * The embedded default's workers, in a worker thread of the gateway process:
 * building an archive (parsing pages, writing JSON and CSV, hashing, zipping)
 * is CPU work that would otherwise stall every request the gateway serves.
 * The thread claims jobs from the store's job table itself; this side only
 * wakes it when a job is queued, restarts it if it dies (the new thread takes
 * the jobs of the one that died back at once: same worker name), and stops it
 * with the gateway.
 */
export class ExportThread implements ExportQueue {
  private worker: Worker | null = null;
  private stopping = false;

  constructor(private readonly opts: ExportThreadOptions) {}

  start(): void {
    const { config, dataDir, logLevel, plan, gatewayUrl, subgraphUrls, workerName, logger } = this.opts;
    const worker = new Worker(new URL('./thread-entry.js', import.meta.url), {
      workerData: { config, dataDir, logLevel, plan, gatewayUrl: gatewayUrl(), subgraphUrls, workerName: workerName() },
      // Building an archive holds a couple of pages, never a person; past this the thread dies alone, is restarted and resumes.
      // A small young generation too: pages are short-lived garbage, and its semi-spaces are resident memory.
      resourceLimits: { maxOldGenerationSizeMb: config.threadHeapMb, maxYoungGenerationSizeMb: YOUNG_MB },
    });
    worker.on('error', (err) => logger.error({ err }, 'export thread failed'));
    worker.on('exit', (code) => {
      if (this.worker === worker) this.worker = null;
      if (this.stopping) return;
      logger.error({ code }, 'export thread stopped unexpectedly; restarting it in 1 s');
      setTimeout(() => !this.stopping && this.start(), 1000).unref();
    });
    this.worker = worker;
  }

  async enqueue(): Promise<void> {
    this.wake();
  }

  /** The running job notices at its next heartbeat (at most a page later) and deletes its files. */
  async cancelled(): Promise<void> {}

  wake(): void {
    this.worker?.postMessage('wake');
  }

  async close(): Promise<void> {
    this.stopping = true;
    const worker = this.worker;
    if (!worker) return;
    await new Promise<void>((resolve) => {
      const timer = setTimeout(() => void worker.terminate().then(() => resolve()), 10_000);
      worker.once('exit', () => {
        clearTimeout(timer);
        resolve();
      });
      worker.on('message', (m: unknown) => {
        if (m === 'stopped') void worker.terminate();
      });
      worker.postMessage('stop');
    });
  }
}
