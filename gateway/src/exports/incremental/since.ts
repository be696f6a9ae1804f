import { z } from 'zod';
import { fail } from '@footprint/schema';
import type { Translator } from '@footprint/i18n';
import type { ExportJobs } from '../store.js';

/** `since` of requestExport: LAST_EXPORT, or an ISO-8601 date-time with its offset. */
export const SinceInput = z.union([z.literal('LAST_EXPORT'), z.iso.datetime({ offset: true })]);

export interface SinceChoice {
  /** What was asked, as stored with the job (a date-time in UTC). */
  sinceRequested: string;
  /** The finished export compared with; null: none yet (a schedule's first run then holds everything). */
  sinceJobId: string | null;
}

/**
 * The baseline of an export of what is new, pinned when it is asked for. A
 * request names one that must exist (`required`: BAD_USER_INPUT, reason
 * NO_BASELINE, otherwise); a schedule's run takes whatever there is.
 */
export async function chooseBaseline(jobs: ExportJobs, person: string, raw: unknown, t: Translator, required: boolean): Promise<SinceChoice> {
  const parsed = SinceInput.safeParse(raw);
  if (!parsed.success) fail('BAD_USER_INPUT', t.t('schedule.error.since'), { field: 'since' });
  const before = parsed.data === 'LAST_EXPORT' ? null : new Date(parsed.data).toISOString();
  const found = await jobs.baselineFor(person, before);
  if (!found && required) {
    const latest = before ? await jobs.baselineFor(person) : null;
    if (latest && before) fail('BAD_USER_INPUT', t.t('schedule.error.noBaselineBefore', { person, since: t.date(before), last: t.date(latest.finishedAt) }), { reason: 'NO_BASELINE', field: 'since' });
    fail('BAD_USER_INPUT', t.t('schedule.error.noBaseline', { person }), { reason: 'NO_BASELINE', field: 'since' });
  }
  return { sinceRequested: before ?? 'LAST_EXPORT', sinceJobId: found?.id ?? null };
}
