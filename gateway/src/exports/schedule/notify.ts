import { appendFileSync, mkdirSync } from 'node:fs';
import { join } from 'node:path';
import { createTranslator } from '@footprint/i18n';
import { DEV_MAILBOX, type CorrectionDeliveryConfig, type Logger } from '@footprint/kit';
import type { ContactLookup } from '../../requests/contact.js';
import type { ExportJob, ExportJobs } from '../store.js';
import type { ExportSchedule, ScheduleRun, ScheduleStore } from './store.js';

export interface ScheduleNoticeDeps {
  schedules: ScheduleStore;
  jobs: ExportJobs;
  contacts: ContactLookup;
  delivery: CorrectionDeliveryConfig;
  /** The gateway's public address: the notice points to the privacy centre there. */
  publicUrl: string;
  /** Dates in a notice are calendar dates where the controller answers (FOOTPRINT_REQUEST_TIME_ZONE). */
  timeZone: string;
  logger: Logger;
}

/**
 * Tells the person about each scheduled run once its export job has ended:
 * ready (with what it holds and until when it can be downloaded) or failed
 * (and that nothing of it was kept). A cancelled job gets no notice: the
 * person (or an operator) cancelled it. Sent once across gateways (the run's
 * notice is claimed with a conditional update); one that cannot be sent is
 * tried again at the next periodic run.
 */
export class ScheduleNotices {
  constructor(private readonly deps: ScheduleNoticeDeps) {}

  async sendPending(now: Date): Promise<number> {
    let sent = 0;
    for (const run of await this.deps.schedules.awaitingNotice()) {
      const [job, schedule] = await Promise.all([this.deps.jobs.get(run.jobId), this.deps.schedules.get(run.scheduleId)]);
      if (!job || !schedule) continue;
      const notice = job.state === 'SUCCEEDED' ? 'READY' : job.state === 'FAILED' ? 'FAILED' : 'NONE';
      if (!(await this.deps.schedules.claimNotice(run, notice, now))) continue;
      if (notice === 'NONE') continue;
      try {
        if (await this.send(schedule, run, job, notice)) sent += 1;
      } catch (err) {
        this.deps.logger.warn({ err, schedule: schedule.id, job: job.id }, 'export schedule notice not sent; tried again at the next run');
        await this.deps.schedules.releaseNotice(run);
      }
    }
    return sent;
  }

  private async send(schedule: ExportSchedule, run: ScheduleRun, job: ExportJob, notice: 'READY' | 'FAILED'): Promise<boolean> {
    const contact = await this.deps.contacts(schedule.personId);
    const to = contact.email ?? contact.phone;
    if (!to) {
      this.deps.logger.warn({ schedule: schedule.id, person: schedule.personId }, 'no address to tell the person about their scheduled export');
      return false;
    }
    // The person's language preference, once the gateway keeps one, replaces what they asked in here.
    const language = schedule.language;
    const t = createTranslator(language, this.deps.timeZone);
    const url = `${this.deps.publicUrl.replace(/\/$/, '')}/privacy/`;
    const hasNext = schedule.state === 'ACTIVE' && schedule.nextRunAt !== null;
    const next = hasNext ? t.date(schedule.nextRunAt!, 'date') : '';
    let subject: string;
    let text: string;
    if (notice === 'READY') {
      const since = job.sinceJobId ? await this.deps.jobs.get(job.sinceJobId) : null;
      const sum = (f: 'added' | 'changed' | 'removed') => job.progress.kinds.reduce((n, k) => n + (k.changes?.[f] ?? 0), 0);
      subject = t.t('schedule.notice.ready.subject');
      text = t.t('schedule.notice.ready.text', {
        every: schedule.everyMonths,
        records: job.records ?? 0,
        incremental: since ? 'true' : 'false',
        since: since?.finishedAt ? t.date(since.finishedAt, 'date') : '',
        added: sum('added'),
        changed: sum('changed'),
        removed: sum('removed'),
        url,
        expires: job.expiresAt ? t.date(job.expiresAt) : '',
        hasNext: hasNext ? 'true' : 'false',
        next,
      });
    } else {
      subject = t.t('schedule.notice.failed.subject');
      text = t.t('schedule.notice.failed.text', { due: t.date(run.dueAt, 'date'), reason: job.error?.message ?? job.state, hasNext: hasNext ? 'true' : 'false', next, url });
    }
    await this.deliver({ scheduleId: schedule.id, jobId: job.id, dueAt: run.dueAt, notice, language: t.language, channel: contact.email ? 'EMAIL' : 'PHONE', to, subject, text });
    return true;
  }

  /** The configured e-mail/SMS gateway, or outside production the log and the local dev mailbox, as the other notices. */
  private async deliver(m: Record<string, string>): Promise<void> {
    const { delivery: cfg, logger } = this.deps;
    const body = { domain: 'gateway', kind: 'export-schedule', ...m };
    if (cfg.codeSenderUrl) {
      const res = await fetch(cfg.codeSenderUrl, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body), signal: AbortSignal.timeout(cfg.noticeTimeoutMs) });
      if (!res.ok) throw new Error(`the code sender answered HTTP ${res.status}`);
      return;
    }
    if (cfg.production) throw new Error('no code sender is configured (FOOTPRINT_CODE_SENDER_URL)');
    logger.info({ schedule: m.scheduleId, job: m.jobId, to: m.to, subject: m.subject }, 'export schedule notice (local use only: nothing is sent)');
    mkdirSync(cfg.dataDir, { recursive: true });
    appendFileSync(join(cfg.dataDir, DEV_MAILBOX), `${JSON.stringify({ ...body, at: new Date().toISOString() })}\n`);
  }
}
