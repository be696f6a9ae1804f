import type { GraphQLError } from 'graphql';
import { createTranslator } from '@footprint/i18n';
import type { Logger } from '@footprint/kit';
import { PeriodicRun } from '../../jobs/periodic.js';
import type { Clock } from '../../requests/clock.js';
import { chooseBaseline } from '../incremental/since.js';
import { initialProgress, type ExportPlan } from '../plan.js';
import type { ExportJobs } from '../store.js';
import { nextDueAfter } from './dates.js';
import type { ScheduleNotices } from './notify.js';
import type { ExportSchedule, ScheduleStore } from './store.js';

export interface ScheduleRunnerDeps {
  schedules: ScheduleStore;
  jobs: ExportJobs;
  plan: ExportPlan;
  /** With Redis the job goes on the BullMQ queue; embedded, the export workers find the row themselves. */
  enqueue: ((jobId: string) => Promise<void>) | null;
  notices: ScheduleNotices;
  /** The schedule's clock (FOOTPRINT_NOW moves it outside production, as the requests desk's). */
  clock: Clock;
  /** Who claims, for the run row (this gateway's worker name). */
  claimer: () => string;
  everyMs: number;
  logger: Logger;
}

export interface ClaimedRun {
  dueAt: string;
  jobId: string;
  joined: boolean;
}

/**
 * The periodic run of export schedules (like the erasure sweep and the
 * consent sync): every schedule with a run due by the clock gets one export
 * job — the same job, archive, download and cancel as requestExport — and
 * the runs whose job has ended get their notice. Runs missed while no gateway
 * ran are one run when it is back (the next due date is the first after now).
 */
export class ScheduleRunner extends PeriodicRun<{ started: number; notified: number }> {
  constructor(private readonly deps: ScheduleRunnerDeps) {
    super({ everyMs: deps.everyMs, logger: deps.logger, what: 'export schedule run' });
  }

  /** One pass now (the first run of a new schedule is due at once); joins a pass under way. */
  runNow(): Promise<{ started: number; notified: number }> {
    return this.runOnce();
  }

  protected async work(): Promise<{ started: number; notified: number }> {
    const now = this.deps.clock.now();
    let started = 0;
    for (const s of await this.deps.schedules.due(now)) {
      if (this.stopped) break;
      try {
        if (await this.runDue(s, now)) started += 1;
      } catch (err) {
        // The schedule was not moved on (its transaction rolled back): the next pass tries again.
        this.deps.logger.error({ err, schedule: s.id }, 'scheduled export could not be started; tried again at the next run');
      }
    }
    const notified = this.stopped ? 0 : await this.deps.notices.sendPending(now);
    return { started, notified };
  }

  /**
   * Claims the schedule's due run and starts its job in one transaction: the
   * conditional update on (id, ACTIVE, next_run_at) lets one gateway of
   * several claim it, and the run row's key (schedule, due date) holds it too.
   * A scheduled run is not refused by the person's request window (§10): they
   * asked once for the whole schedule, and one active schedule is the limit.
   * If an export of the person is already queued or running, the run is that
   * job (joined) rather than a second archive.
   */
  async runDue(s: ExportSchedule, now: Date): Promise<ClaimedRun | null> {
    const { schedules, jobs, plan } = this.deps;
    const due = s.nextRunAt;
    if (!due) return null;
    const next = nextDueAfter(s, now);
    // Pinned before the transaction (a read): the last finished complete export, or none yet (this run then holds everything).
    const since = s.incremental ? await chooseBaseline(jobs, s.personId, 'LAST_EXPORT', createTranslator(s.language), false) : null;
    const claimed = await jobs.transaction(async (trx): Promise<ClaimedRun | null> => {
      if (!(await schedules.claim(trx, s.id, due, next?.toISOString() ?? null))) return null;
      let jobId: string;
      let joined = false;
      try {
        jobId = await jobs.createIn(
          trx,
          {
            personId: s.personId,
            requestedBy: `export-schedule:${s.id}`,
            requesterType: s.requesterType,
            reason: s.reason,
            allowPartial: s.allowPartial,
            progress: initialProgress(plan, s.kinds),
            kinds: s.kinds,
            scheduleId: s.id,
            ...since,
          },
          null,
        );
      } catch (err) {
        const active = (err as GraphQLError).extensions?.jobId;
        if ((err as GraphQLError).extensions?.code !== 'CONFLICT' || typeof active !== 'string') throw err;
        jobId = active;
        joined = true;
      }
      await schedules.recordRun(trx, { scheduleId: s.id, dueAt: due, jobId, joined, claimedAt: new Date().toISOString(), claimedBy: this.deps.claimer() });
      return { dueAt: due, jobId, joined };
    });
    if (!claimed) return null;
    if (!claimed.joined && this.deps.enqueue) {
      try {
        await this.deps.enqueue(claimed.jobId);
      } catch (err) {
        // As requestExport: a job that cannot be queued fails (the person is told), it does not wait forever.
        this.deps.logger.error({ err, job: claimed.jobId }, 'scheduled export could not be queued');
        await jobs.fail(claimed.jobId, null, { code: 'QUEUE_UNAVAILABLE', message: 'The export could not be queued; please ask again later', domain: null });
      }
    }
    this.deps.logger.info({ schedule: s.id, person: s.personId, due, job: claimed.jobId, joined: claimed.joined, next: next?.toISOString() ?? null }, 'scheduled export started');
    return claimed;
  }
}
