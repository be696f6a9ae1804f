import { availableParallelism, cpus, loadavg } from 'node:os';

/**
 * The benchmark's summary: one line per measure of issue 14's table, with its
 * figure, its target and whether it met it. Targets live here, in the printout
 * only — never in tests (a loaded machine would make them flaky).
 */
export interface BenchRow {
  measure: string;
  figure: string;
  target: string;
  /** null: no verdict (the measure did not run, or has nothing to compare). */
  pass: boolean | null;
}

const rows: BenchRow[] = [];

export function record(row: BenchRow): void {
  rows.push(row);
  console.log(`  → ${mark(row.pass)} ${row.measure}: ${row.figure} (target ${row.target})`);
}

const mark = (pass: boolean | null) => (pass === null ? '[ -- ]' : pass ? '[PASS]' : '[FAIL]');

/** The machine, for reading the figures: a busy 2-core box measures the cores, not the code. */
export function machine(): string {
  const [l1, l5, l15] = loadavg().map((n) => n.toFixed(2));
  return `${availableParallelism()} CPUs (${cpus()[0]?.model ?? 'unknown'}), load average ${l1} ${l5} ${l15}`;
}

export function printSummary(): void {
  if (!rows.length) return;
  const w = Math.max(...rows.map((r) => r.measure.length));
  const f = Math.max(...rows.map((r) => r.figure.length));
  console.log('\nsummary (issue 14: targets are printed, not asserted)');
  for (const r of rows) console.log(`  ${mark(r.pass)} ${r.measure.padEnd(w)}  ${r.figure.padEnd(f)}  target ${r.target}`);
}

export const median = (xs: number[]): number => [...xs].sort((a, b) => a - b)[Math.floor(xs.length / 2)] ?? NaN;
