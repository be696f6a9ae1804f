import type { Logger } from '@footprint/kit';
import { GraphQLError } from 'graphql';
import { audit, type GatewayStore } from '../auth/audit.js';
import { DomainUnavailable } from '../domains/errors.js';
import { sleep } from '../exports/reader.js';
import type { ExportJobs } from '../exports/store.js';
import type { RunOutcome } from '../exports/worker.js';
import type { RightsConfig } from './config.js';
import { ACCOUNT_DOMAIN, type Acting, type RightsDomains } from './domains.js';
import { readBack, settle } from './reconcile.js';
import type { DomainProgress, DomainReceipt, ErasureJob, ErasureJobs, ErasureProgress } from './store.js';

export interface ErasureRunnerDeps {
  jobs: ErasureJobs;
  exports: ExportJobs;
  store: GatewayStore;
  domains: RightsDomains;
  config: RightsConfig;
  logger: Logger;
  /** After a whole account is erased: what the gateway itself held for the person (export archives) goes too. */
  onAccountErased?(person: string, jobId: string): Promise<void>;
}

class OwnershipLost extends Error {}
class Stopping extends Error {}

/** A domain that could not carry out (or prove) its part after every retry; the job FAILS naming it. */
class DomainFailed extends Error {
  constructor(
    readonly domain: string,
    readonly code: string,
    message: string,
  ) {
    super(message);
  }
}

/**
 * Runs one claimed erasure job: first an export of the person that is queued
 * (cancelled) or running (waited for, then cancelled), then each domain in
 * turn — the account domain last — `_erase` with the job id as the request id,
 * so a resumed or repeated run gets the same receipts back (`replayed`)
 * instead of erasing twice; each call carries its attempt number and a
 * deadline (when the gateway stops waiting), after which the domain starts
 * nothing for it. A lost answer is never taken as an outcome: the domain is
 * asked what it did (reconcile.ts). After each domain the gateway reads its
 * discovery counts and checks them against the receipt (what remains is what
 * was retained; anonymised records are no one's), then keeps the receipt, append-only. A domain
 * that keeps failing is retried with backoff and then FAILS the job, naming
 * it: an erasure never SUCCEEDS with a domain left. Erasing the whole account
 * ends by recording the account as erased, after which its tokens are refused.
 */
export class ErasureRunner {
  constructor(private readonly deps: ErasureRunnerDeps) {}

  async run(job: ErasureJob, worker: string, signal: AbortSignal): Promise<RunOutcome> {
    const { jobs, config } = this.deps;
    const log = this.deps.logger.child({ erasure: job.id, run: job.runs });
    const progress: ErasureProgress = job.progress;
    const save = async () => {
      if (!(await jobs.heartbeat(job.id, worker, progress))) throw new OwnershipLost();
    };
    const beat = setInterval(() => void jobs.heartbeat(job.id, worker).catch((err: unknown) => log.warn({ err }, 'heartbeat failed')), Math.max(100, config.staleMs / 4));
    const acting: Acting = { actor: job.requestedBy, actorType: job.requesterType, person: job.personId, requestId: job.id, log };
    try {
      await save();
      await audit(this.deps.store, {
        actor: `erasure:${job.id}`,
        actorType: 'job',
        person: job.personId,
        operation: `erasure run ${job.runs} of ${job.kinds ? job.kinds.join(', ') : 'the whole account'} (requested by ${job.requesterType} ${job.requestedBy})`,
        reason: job.reason,
        requestId: job.id,
        outcome: 'started',
      });
      if (!progress.exportJob) {
        progress.exportJob = await this.settleExport(job.personId, signal, log);
        await save();
      }
      for (const d of progress.domains) {
        if (d.status === 'DONE') continue;
        if (signal.aborted) throw new Stopping();
        // An export asked for while the other domains were erased is settled too before the account itself goes.
        if (job.kinds === null && d.domain === ACCOUNT_DOMAIN) await this.settleExport(job.personId, signal, log);
        d.status = 'RUNNING';
        d.error = null;
        d.untouched = false;
        await save();
        await this.eraseDomain(job, d, acting, save, signal);
        d.status = 'DONE';
        await save();
      }
      if (job.kinds === null) {
        await this.deps.onAccountErased?.(job.personId, job.id);
        await jobs.markErased(job.personId, job.id);
      }
      if (!(await jobs.succeed(job.id, worker, progress))) throw new OwnershipLost();
      log.info({ person: job.personId, domains: progress.domains.length }, 'erasure finished');
      return 'SUCCEEDED';
    } catch (err) {
      if (err instanceof Stopping) {
        await jobs.release(job.id, worker);
        log.info('erasure released for a later run; it resumes after the last finished domain');
        return 'RELEASED';
      }
      if (err instanceof OwnershipLost) {
        const now = await jobs.get(job.id);
        log.warn({ state: now?.state }, 'erasure no longer owned by this worker; this run stops');
        return now?.state === 'CANCELLED' ? 'CANCELLED' : 'LOST';
      }
      const error =
        err instanceof DomainFailed
          ? { code: err.code, message: err.message, domain: err.domain }
          : { code: 'INTERNAL_SERVER_ERROR', message: 'The erasure failed because of an internal error; it has been logged. Ask again to finish it.', domain: null };
      if (error.code === 'INTERNAL_SERVER_ERROR') log.error({ err }, 'erasure failed');
      else log.warn({ error }, 'erasure failed');
      await jobs.fail(job.id, worker, error, progress);
      return 'FAILED';
    } finally {
      clearInterval(beat);
    }
  }

  /** An export of the person still QUEUED is cancelled; one RUNNING is given time to finish, then cancelled. */
  private async settleExport(person: string, signal: AbortSignal, log: Logger): Promise<ErasureProgress['exportJob']> {
    const { exports, config } = this.deps;
    const [latest] = await exports.listForPerson(person, 1);
    if (!latest || (latest.state !== 'QUEUED' && latest.state !== 'RUNNING')) return null;
    const deadline = Date.now() + config.exportWaitMs;
    for (;;) {
      const now = await exports.get(latest.id);
      if (!now) return null;
      if (now.state === 'QUEUED' || (now.state === 'RUNNING' && Date.now() >= deadline)) {
        if (await exports.cancel(now.id)) {
          log.info({ export: now.id, was: now.state }, 'export of the person cancelled before erasure');
          return { id: now.id, outcome: 'CANCELLED' };
        }
        continue;
      }
      if (now.state !== 'RUNNING') return { id: now.id, outcome: now.state === 'SUCCEEDED' ? 'FINISHED' : 'CANCELLED' };
      if (signal.aborted) throw new Stopping();
      await sleep(500, signal).catch(() => undefined);
    }
  }

  /**
   * One domain's erasure, retried with exponential backoff; then its receipt
   * checked against discovery and kept. A domain this job already called is
   * first asked what it did (its receipts for the job), and that is adopted.
   * After the last attempt the job's calls are cancelled at the domain, which
   * answers what it erased before: adopted when it is the whole part; a part
   * gets one more call; nothing = FAILED with the domain untouched.
   */
  private async eraseDomain(job: ErasureJob, d: DomainProgress, acting: Acting, save: () => Promise<void>, signal: AbortSignal): Promise<void> {
    const { domains, jobs, config } = this.deps;
    let receipt: DomainReceipt | null = d.attempts > 0 ? await readBack(domains, job.id, d, acting) : null;
    if (receipt) acting.log.warn({ domain: d.domain }, 'the domain had erased under this job already (an answer the gateway did not get): its receipt is adopted');
    let partialRetried = false;
    for (let attempt = 1; !receipt; attempt++) {
      d.attempts += 1;
      // Numbered before it is sent: a cancel up to this number refuses it however late it arrives.
      await save();
      try {
        receipt = await domains.erase(d.domain, acting, job.id, d.kinds, job.reason, d.attempts);
        break;
      } catch (err) {
        const why = err instanceof Error ? err.message : String(err);
        if (!(err instanceof DomainUnavailable) || attempt >= config.retries) {
          // A domain refusing (its own code) is final; unavailable is final after the retries. What it did is asked, not assumed.
          const s = await settle(domains, job.id, d, acting);
          if (s.outcome === 'DONE') {
            acting.log.warn({ domain: d.domain, why }, 'the answer was lost, but the domain had erased: its receipt is adopted');
            receipt = s.receipt;
            break;
          }
          if (s.outcome === 'PARTIAL' && !partialRetried) {
            partialRetried = true;
            acting.log.warn({ domain: d.domain, why }, 'the domain erased part of the job before its answer was lost; one more call finishes it');
            continue;
          }
          const code = err instanceof GraphQLError ? String(err.extensions.code ?? 'SUBGRAPH_UNAVAILABLE') : 'SUBGRAPH_UNAVAILABLE';
          d.status = 'FAILED';
          d.untouched = s.outcome === 'UNTOUCHED';
          d.error = d.untouched ? `${why}; the domain confirmed it erased nothing for this job` : why;
          const state = d.untouched
            ? 'It confirmed it erased nothing for this job and refuses the calls that failed'
            : 'What it did could not be confirmed yet; the gateway asks it again and adopts any receipt it holds';
          throw new DomainFailed(d.domain, code, `The ${d.domain} domain could not erase the data (${why}) after ${attempt} attempt(s); the erasure stopped there. ${state}. Domains before it are done (see their receipts); asking again finishes it.`);
        }
        d.error = `${why}; retrying`;
        await save();
        if (signal.aborted) throw new Stopping();
        await sleep(config.retryBaseMs * 2 ** (attempt - 1), signal).catch(() => undefined);
        if (signal.aborted) throw new Stopping();
      }
    }
    // What was deleted must be gone: the discovery counts now equal what the receipt says remains.
    let counts: Map<string, number>;
    try {
      counts = await domains.counts(d.domain, acting);
    } catch (err) {
      d.status = 'FAILED';
      d.error = `could not be verified: ${err instanceof Error ? err.message : String(err)}`;
      throw new DomainFailed(d.domain, 'SUBGRAPH_UNAVAILABLE', `The ${d.domain} domain erased, but its discovery could not be read to verify it; asking again verifies and finishes the erasure.`);
    }
    const verified: Record<string, number> = {};
    const wrong: string[] = [];
    for (const k of receipt.kinds) {
      const remains = counts.get(k.kind) ?? 0;
      verified[k.kind] = remains;
      // Anonymised records carry no person id any more: only the retained ones are still the person's.
      if (remains !== k.retained) wrong.push(`${k.kind}: ${remains} record(s) found, ${k.retained} expected`);
    }
    if (wrong.length) {
      d.status = 'FAILED';
      d.error = `verification failed: ${wrong.join('; ')}`;
      throw new DomainFailed(d.domain, 'VERIFICATION_FAILED', `The ${d.domain} domain's receipt does not match what it still holds (${wrong.join('; ')}).`);
    }
    await jobs.recordReceipt(job.id, receipt, verified);
  }
}
