import type { Logger } from '@footprint/kit';
import { PeriodicRun } from '../jobs/periodic.js';
import type { ExportQueue } from '../exports/queue.js';
import type { Acting, RightsDomains } from './domains.js';
import type { DomainProgress, DomainReceipt, ErasureJob, ErasureJobs } from './store.js';

/**
 * The gateway never decides what a domain did from a lost answer: it reads
 * the domain's own receipts for the job (its request id) back. A domain's
 * answer to a cancel says what it erased before it (and refuses the attempts
 * still to arrive), so an erasure ends SUCCEEDED with every receipt or FAILED
 * with the failed domain untouched.
 */

/** What a domain did under a job, as it says itself. */
export type Settled =
  /** Its whole part is done: the receipt is adopted. */
  | { outcome: 'DONE'; receipt: DomainReceipt }
  /** Some of its kinds are erased: the job must go on to finish the rest. */
  | { outcome: 'PARTIAL' }
  /** Nothing erased for the job, and the failed attempts are refused when they arrive. */
  | { outcome: 'UNTOUCHED' }
  /** It did not answer: not known yet (the sweep asks again). */
  | { outcome: 'UNREACHABLE'; why: string };

/** Whether the receipt names every kind the domain erases for this job. */
export function covers(domains: RightsDomains, d: DomainProgress, r: DomainReceipt): boolean {
  const done = new Set(r.kinds.map((k) => k.kind));
  return domains.kindsOf(d.domain, d.kinds).every((k) => done.has(k));
}

/** The domain's receipt for the job if its whole part is done (a resumed or retried job adopts it instead of erasing again). */
export async function readBack(domains: RightsDomains, jobId: string, d: DomainProgress, a: Acting): Promise<DomainReceipt | null> {
  const r = await domains.receipts(d.domain, a, jobId).catch((err: unknown) => {
    a.log.warn({ err, domain: d.domain }, 'receipts could not be read back; the domain is asked to erase (idempotent per job)');
    return null;
  });
  return r && covers(domains, d, r) ? r : null;
}

/** Cancels the job's attempts so far at the domain and takes what it says it erased before. */
export async function settle(domains: RightsDomains, jobId: string, d: DomainProgress, a: Acting): Promise<Settled> {
  let r: DomainReceipt;
  try {
    r = await domains.cancel(d.domain, a, jobId, Math.max(1, d.attempts));
  } catch (err) {
    return { outcome: 'UNREACHABLE', why: err instanceof Error ? err.message : String(err) };
  }
  if (r.kinds.length === 0) return { outcome: 'UNTOUCHED' };
  return covers(domains, d, r) ? { outcome: 'DONE', receipt: r } : { outcome: 'PARTIAL' };
}

export interface SweepDeps {
  jobs: ErasureJobs;
  domains: RightsDomains;
  queue: ExportQueue;
  logger: Logger;
  /** How often the gateway sweeps (its maintenance, like the hourly purge); 0 = only when called. */
  everyMs: number;
}

export interface SweepResult {
  /** Jobs queued again because a domain had erased under them: their next run adopts the receipts and finishes. */
  reopened: string[];
  /** Jobs whose failed domains all confirmed they erased nothing (they stay FAILED, and the domains refuse them). */
  confirmed: string[];
  /** Jobs with a domain that could not be asked yet. */
  pending: string[];
}

/**
 * Reconciles domains' receipts the gateway does not hold: for each FAILED
 * job with a domain whose outcome is not confirmed, the domain is asked (a
 * cancel, which answers its receipts). A domain that erased under the job
 * (a queued call carried out after the gateway gave up, a crash between its
 * answer and the gateway's record) gets the job queued again: the next run
 * adopts the receipt, finishes any domain left and, for a whole account,
 * refuses its tokens. Run by the gateway's maintenance and callable once.
 */
export class ErasureSweep extends PeriodicRun<SweepResult> {
  constructor(private readonly deps: SweepDeps) {
    super({ everyMs: deps.everyMs, logger: deps.logger, what: 'erasure sweep' });
  }

  /** One sweep (a running one is joined, not doubled). It stops between domains: a stopping gateway waits for one call at most. */
  sweep(): Promise<SweepResult> {
    return this.runOnce();
  }

  protected async work(): Promise<SweepResult> {
    const { jobs, domains, logger } = this.deps;
    const out: SweepResult = { reopened: [], confirmed: [], pending: [] };
    for (const job of await jobs.unsettled(200)) {
      if (this.stopped) break;
      const log = logger.child({ erasure: job.id, sweep: true });
      const a: Acting = { actor: job.requestedBy, actorType: job.requesterType, person: job.personId, requestId: job.id, log };
      let erased = false;
      let unknown = false;
      for (const d of job.progress.domains) {
        if (d.status !== 'FAILED' || d.untouched) continue;
        if (this.stopped) return out;
        const s = await settle(domains, job.id, d, a);
        if (s.outcome === 'UNTOUCHED') d.untouched = true;
        else if (s.outcome === 'UNREACHABLE') unknown = true;
        else erased = true;
      }
      if (erased) {
        if (await this.reopen(job, log)) out.reopened.push(job.id);
        else out.pending.push(job.id);
      } else {
        await jobs.saveFailedProgress(job.id, job.progress);
        (unknown ? out.pending : out.confirmed).push(job.id);
      }
    }
    return out;
  }

  private async reopen(job: ErasureJob, log: Logger): Promise<boolean> {
    if (!(await this.deps.jobs.reopen(job.id))) {
      log.warn('a domain erased under this FAILED job, but it cannot be queued again now (another erasure of the person is active); the next sweep tries again');
      return false;
    }
    log.warn('a domain erased under this FAILED job after the gateway gave up on it: the job is queued again to adopt the receipt and finish');
    try {
      await this.deps.queue.enqueue(job.id);
      return true;
    } catch (err) {
      // FAILED again as it was (with its error): the next sweep queues it again.
      log.error({ err }, 'the erasure could not be queued again; the next sweep tries again');
      await this.deps.jobs.fail(job.id, null, job.error ?? { code: 'QUEUE_UNAVAILABLE', message: 'The erasure could not be queued again', domain: null }, job.progress);
      return false;
    }
  }
}
