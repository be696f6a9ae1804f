import { addCalendarMonths } from '../../requests/clock.js';

/**
 * When a schedule's exports are due: at its start, then every `everyMonths`
 * calendar months (the same day, or a shorter month's last day; the time of
 * day kept), while before its end, `months` after the start.
 */
export interface Cadence {
  startsAt: string;
  endsAt: string;
  everyMonths: number;
}

/** At most 12 due dates (a year, monthly): iterating them is bounded. */
export function dueDates(c: Cadence): Date[] {
  const start = new Date(c.startsAt);
  const end = Date.parse(c.endsAt);
  const out: Date[] = [];
  for (let k = 0; ; k++) {
    const at = addCalendarMonths(start, k * c.everyMonths);
    if (at.getTime() >= end) return out;
    out.push(at);
  }
}

/**
 * The first due date after `now`, or null when the schedule has none left.
 * Due dates missed while no gateway ran are skipped: a run that was due and
 * is claimed now stands for them, so they run once, not once each.
 */
export function nextDueAfter(c: Cadence, now: Date): Date | null {
  return dueDates(c).find((d) => d.getTime() > now.getTime()) ?? null;
}

export function endOf(startsAt: Date, months: number): Date {
  return addCalendarMonths(startsAt, months);
}
