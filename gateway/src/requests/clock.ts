/**
 * Time for the legal clock. Every deadline, extension and "overdue" is
 * computed from an injected Clock, so tests can move time without waiting.
 */
export interface Clock {
  now(): Date;
}

export const systemClock: Clock = { now: () => new Date() };

/** The system clock moved so that it read `start` when created, running on from there (FOOTPRINT_NOW, never in production). */
export function startedClock(start: string): Clock {
  const offset = Date.parse(start) - Date.now();
  return { now: () => new Date(Date.now() + offset) };
}

/** A clock tests set and move. */
export class ManualClock implements Clock {
  private t: number;
  constructor(start: Date | string) {
    this.t = new Date(start).getTime();
  }
  now(): Date {
    return new Date(this.t);
  }
  set(at: Date | string): void {
    this.t = new Date(at).getTime();
  }
  advanceDays(days: number): void {
    this.t += days * DAY_MS;
  }
}

export const DAY_MS = 86_400_000;

const daysInMonth = (year: number, month: number) => new Date(Date.UTC(year, month + 1, 0)).getUTCDate();

/**
 * The same day `months` calendar months later (UTC), or the month's last day
 * when it has no such day: 31 January → 28 (29) February, 31 March → 30 April.
 * The time of day is kept.
 */
export function addCalendarMonths(from: Date, months: number): Date {
  const y = from.getUTCFullYear();
  const m = from.getUTCMonth() + months;
  const targetYear = y + Math.floor(m / 12);
  const targetMonth = ((m % 12) + 12) % 12;
  const day = Math.min(from.getUTCDate(), daysInMonth(targetYear, targetMonth));
  return new Date(Date.UTC(targetYear, targetMonth, day, from.getUTCHours(), from.getUTCMinutes(), from.getUTCSeconds(), from.getUTCMilliseconds()));
}

/** Whole days left until `deadline` (negative once it has passed), rounded up: due later today is 1 day. */
export function daysLeft(deadline: Date, now: Date): number {
  const ms = deadline.getTime() - now.getTime();
  return ms >= 0 ? Math.ceil(ms / DAY_MS) : -Math.ceil(-ms / DAY_MS);
}

/**
 * The legal clock's calendar (Art. 12(3) counts in days and months where the
 * controller answers): dates are calendar days in the controller's time zone,
 * read with Intl (Node 20 has no Temporal; the zone's offset is looked up per
 * instant, so daylight-saving zones are right too).
 */
const formatters = new Map<string, Intl.DateTimeFormat>();
function parts(at: Date, zone: string): { y: number; m: number; d: number; h: number; min: number; s: number } {
  let f = formatters.get(zone);
  if (!f) {
    f = new Intl.DateTimeFormat('en-US', { timeZone: zone, hourCycle: 'h23', year: 'numeric', month: '2-digit', day: '2-digit', hour: '2-digit', minute: '2-digit', second: '2-digit' });
    formatters.set(zone, f);
  }
  const p = Object.fromEntries(f.formatToParts(at).map((x) => [x.type, x.value]));
  return { y: Number(p.year), m: Number(p.month), d: Number(p.day), h: Number(p.hour), min: Number(p.minute), s: Number(p.second) };
}

/** Whether the zone is one Intl knows (checked once, at startup). */
export function isTimeZone(zone: string): boolean {
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: zone });
    return true;
  } catch {
    return false;
  }
}

/** The calendar date (YYYY-MM-DD) of an instant in the zone. */
export function localDate(at: Date | string, zone: string): string {
  const p = parts(new Date(at), zone);
  return `${String(p.y).padStart(4, '0')}-${String(p.m).padStart(2, '0')}-${String(p.d).padStart(2, '0')}`;
}

/** The zone's offset from UTC at an instant, in ms. */
function offsetAt(utcMs: number, zone: string): number {
  const p = parts(new Date(utcMs), zone);
  return Date.UTC(p.y, p.m - 1, p.d, p.h, p.min, p.s) - Math.floor(utcMs / 1000) * 1000;
}

/** The instant a calendar date (YYYY-MM-DD) begins in the zone. */
export function startOfLocalDay(date: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const guess = Date.UTC(y, m - 1, d);
  // Two passes: the offset at the guess, then at the corrected instant (a zone that changed its offset that day).
  const first = guess - offsetAt(guess, zone);
  return new Date(guess - offsetAt(first, zone));
}

/** The last millisecond of a calendar date in the zone: the whole day is in time. */
export function endOfLocalDay(date: string, zone: string): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const next = new Date(Date.UTC(y, m - 1, d + 1)).toISOString().slice(0, 10);
  return new Date(startOfLocalDay(next, zone).getTime() - 1);
}

/**
 * The deadline `months` calendar months after the day `from` falls on in the
 * zone (clipped to a shorter month's last day), as the end of that day there.
 */
export function dueAfter(from: Date, months: number, zone: string): Date {
  const day = localDate(from, zone);
  const shifted = addCalendarMonths(new Date(`${day}T00:00:00Z`), months).toISOString().slice(0, 10);
  return endOfLocalDay(shifted, zone);
}
