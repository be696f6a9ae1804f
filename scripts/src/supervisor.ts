import type { ServiceProcess } from './federation.js';

export interface RestartPolicy {
  /** Restarts in a row (each crash within `stableMs` of the last start counts) before giving up. */
  maxRestarts: number;
  /** The first delay; it doubles with each restart in a row, up to `maxDelayMs`. */
  baseDelayMs: number;
  maxDelayMs: number;
  /** A service that stayed up this long has recovered: its next crash starts the count again. */
  stableMs: number;
}

export interface SupervisorOptions {
  services: ServiceProcess[];
  policy: RestartPolicy;
  /** Starts the service again on its port and resolves once it is healthy. */
  restart(name: string): Promise<ServiceProcess>;
  log(line: string): void;
  /** Called once, when a service cannot be kept running; the caller stops the rest and exits non-zero. */
  giveUp(name: string, why: string): void;
}

/**
 * Keeps the services of `npm start` running, as systemd's Restart=on-failure
 * would: a service that exits unexpectedly is logged and started again after a
 * backoff (doubling, capped), while the others go on serving — the gateway
 * already answers without a domain that is down. A service that keeps crashing
 * (more than `maxRestarts` restarts without staying up `stableMs`) is given up on.
 */
export class Supervisor {
  private stopping = false;
  private readonly streak = new Map<string, number>();
  private readonly startedAt = new Map<string, number>();
  private readonly watched = new WeakSet<object>();

  constructor(private readonly opts: SupervisorOptions) {}

  start(): void {
    for (const p of this.opts.services) this.watch(p);
  }

  /** Stops supervising (shutting down): exits from now on are expected. */
  stop(): void {
    this.stopping = true;
  }

  private watch(p: ServiceProcess): void {
    if (this.watched.has(p.child)) return;
    this.watched.add(p.child);
    this.startedAt.set(p.name, Date.now());
    const exited = (code: number | null, signal: NodeJS.Signals | null) => {
      if (!this.stopping) void this.recover(p, signal ? `signal ${signal}` : `code ${code}`);
    };
    // It may have died between becoming healthy and being watched.
    if (p.child.exitCode !== null || p.child.signalCode !== null) exited(p.child.exitCode, p.child.signalCode);
    else p.child.once('exit', exited);
  }

  private async recover(p: ServiceProcess, how: string): Promise<void> {
    const { policy, log } = this.opts;
    const upFor = Date.now() - (this.startedAt.get(p.name) ?? 0);
    let streak = upFor >= policy.stableMs ? 0 : (this.streak.get(p.name) ?? 0);
    let why = `exited (${how}) after ${formatMs(upFor)}`;
    for (;;) {
      if (this.stopping) return;
      if (streak >= policy.maxRestarts) {
        this.opts.giveUp(p.name, `${why}; it was restarted ${streak} time(s) in a row without staying up ${formatMs(policy.stableMs)}`);
        return;
      }
      streak += 1;
      this.streak.set(p.name, streak);
      const delay = Math.min(policy.maxDelayMs, policy.baseDelayMs * 2 ** (streak - 1));
      log(`${p.name} ${why}; restarting it in ${formatMs(delay)} (restart ${streak} of at most ${policy.maxRestarts} in a row)`);
      await new Promise((r) => setTimeout(r, delay));
      if (this.stopping) return;
      try {
        await this.opts.restart(p.name);
        if (this.stopping) return;
        log(`${p.name} is back (pid ${p.child.pid}) on port ${p.port}`);
        this.watch(p);
        return;
      } catch (err) {
        why = `did not start again (${err instanceof Error ? err.message : String(err)})`;
      }
    }
  }
}

function formatMs(ms: number): string {
  return ms < 1000 ? `${ms} ms` : `${Math.round(ms / 100) / 10} s`;
}
