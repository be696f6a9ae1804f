import type { Logger } from '@footprint/kit';

/**
 * A piece of maintenance the gateway runs at start and every `everyMs` (0: only when asked): one run at a time, a
 * run asked for while one is going joins it, and `stop()` waits for the run under way. `work()` checks `stopped`
 * between its steps so that a stopping gateway waits for one step at most.
 */
export abstract class PeriodicRun<T> {
  private timer: NodeJS.Timeout | null = null;
  private running: Promise<T> | null = null;
  protected stopped = false;

  constructor(
    private readonly schedule: { everyMs: number; logger: Logger; what: string },
  ) {}

  protected abstract work(): Promise<T>;

  start(): void {
    if (this.schedule.everyMs <= 0) return;
    const run = () => void this.runOnce().catch((err: unknown) => this.schedule.logger.error({ err }, `${this.schedule.what} failed`));
    this.timer = setInterval(run, this.schedule.everyMs);
    this.timer.unref();
    run();
  }

  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearInterval(this.timer);
    await this.running?.catch(() => undefined);
  }

  /** One run (a running one is joined, not doubled). */
  protected runOnce(): Promise<T> {
    this.running ??= this.work().finally(() => {
      this.running = null;
    });
    return this.running;
  }
}
