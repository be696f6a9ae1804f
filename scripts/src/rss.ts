import { readFileSync } from 'node:fs';

/** A process's resident set now (VmRSS) and its peak so far (VmHWM), in MB, from /proc (Linux; NaN elsewhere). */
export function residentMb(pid: number | undefined): { now: number; peak: number } {
  if (!pid) return { now: NaN, peak: NaN };
  try {
    const status = readFileSync(`/proc/${pid}/status`, 'utf8');
    const kb = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)?.[1] ?? NaN) / 1024;
    return { now: kb('VmRSS'), peak: kb('VmHWM') };
  } catch {
    return { now: NaN, peak: NaN };
  }
}

/** Peak resident set (VmHWM) of a process, in MB. */
export const peakRssMb = (pid: number | undefined): number => residentMb(pid).peak;
