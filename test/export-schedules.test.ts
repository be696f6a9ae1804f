import { createHash } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import Database from 'better-sqlite3';
import { afterAll, afterEach, describe, expect, inject, it } from 'vitest';
import { DEV_MAILBOX } from '@footprint/kit';
import { bearer, gql, operatorToken, subjectToken } from './support/client.js';
import { download, readZip, startGateway, waitForJob, type Proc } from './support/exports.js';

/**
 * Exports on a schedule against gateway processes of their own (their own
 * store, export folder and dev mailbox) in front of the shared subgraphs. The
 * schedule's clock is FOOTPRINT_NOW: restarting a gateway with a later one
 * moves it past a due date, as months passing would.
 */

const subgraphUrls = inject('subgraphUrls');
const PERSON = '10000001';
const dirs: string[] = [];
const procs: Proc[] = [];
const tempDir = (name: string) => {
  const d = mkdtempSync(join(tmpdir(), `footprint-${name}-`));
  dirs.push(d);
  return d;
};
const track = <T extends Proc>(p: T): T => {
  procs.push(p);
  return p;
};
afterEach(async () => {
  await Promise.all(procs.splice(0).map((p) => p.kill()));
});
afterAll(() => {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
});

const T0 = '2027-01-10T08:00:00Z';
const env = (now: string) => ({ FOOTPRINT_NOW: now, FOOTPRINT_EXPORT_SCHEDULE_SCAN_MS: '200', FOOTPRINT_ERASURE_CONCURRENCY: '0' });

const SCHEDULE = `id personId everyMonths months incremental state startsOn endsOn nextRunAt plannedRuns requestedBy cancelledAt
  runs { dueAt startedAt joined noticeSentAt job { id state scheduleId } }`;
interface ScheduleView {
  id: string;
  state: string;
  everyMonths: number;
  months: number;
  startsOn: string;
  endsOn: string;
  nextRunAt: string | null;
  plannedRuns: string[];
  requestedBy: string;
  runs: { dueAt: string; joined: boolean; noticeSentAt: string | null; job: { id: string; state: string; scheduleId: string } | null }[];
}

async function schedulesOf(url: string, headers: Record<string, string>): Promise<ScheduleView[]> {
  const res = await gql<{ me: { exportSchedules: ScheduleView[] } }>(url, `{ me { exportSchedules { ${SCHEDULE} } } }`, {}, headers);
  expect(res.errors).toBeUndefined();
  return res.data!.me.exportSchedules;
}

async function until<T>(what: string, fn: () => Promise<T | null | undefined | false>, ms = 120_000): Promise<T> {
  const deadline = Date.now() + ms;
  for (;;) {
    const v = await fn();
    if (v) return v;
    if (Date.now() > deadline) throw new Error(`${what}: not within ${ms} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const notices = (dir: string) =>
  existsSync(join(dir, DEV_MAILBOX))
    ? readFileSync(join(dir, DEV_MAILBOX), 'utf8')
        .trim()
        .split('\n')
        .map((l) => JSON.parse(l) as { kind: string; jobId: string; to: string; subject: string; text: string; language: string })
        .filter((m) => m.kind === 'export-schedule')
    : [];

/** The run's job ends SUCCEEDED, its archive downloads and verifies, and the person is told once. */
async function runCompletes(url: string, me: Record<string, string>, dir: string, jobId: string): Promise<void> {
  const job = await waitForJob(url, me, jobId);
  expect(job.state, JSON.stringify(job.error)).toBe('SUCCEEDED');
  const file = join(dir, `${jobId}.zip`);
  expect((await download(job.archive!.url, me, file)).status).toBe(200);
  const entries = await readZip(file);
  const manifest = JSON.parse(entries.get('manifest.json')!.toString('utf8')) as { complete: boolean; job: { id: string }; files: { path: string; sha256: string }[] };
  expect(manifest).toMatchObject({ complete: true, job: { id: jobId } });
  for (const f of manifest.files) expect(createHash('sha256').update(entries.get(f.path)!).digest('hex'), f.path).toBe(f.sha256);
  const told = await until(`the notice of job ${jobId}`, async () => notices(dir).filter((n) => n.jobId === jobId).length > 0 && notices(dir).filter((n) => n.jobId === jobId));
  expect(told).toHaveLength(1);
}

describe('exports on a schedule', () => {
  it('every 2 months: the first now, one more each time the clock passes a due date, none after cancel; refused inputs say why', async () => {
    const dir = tempDir('schedule');
    const me = bearer(await subjectToken(PERSON), { 'accept-language': 'az, en;q=0.5' });
    let gw = track(await startGateway(dir, subgraphUrls, env(T0)));

    // Bad input is refused with what to fix, in the language asked for.
    for (const [input, pattern] of [
      [{ everyMonths: 0 }, /everyMonths/],
      [{ everyMonths: 13 }, /everyMonths/],
      [{ everyMonths: 2, months: 13 }, /months/],
      [{ everyMonths: 6, months: 3 }, /cədvələ sığmır/],
      [{ everyMonths: 2, kinds: ['no.such_kind'] }, /no\.such_kind/],
      [{ everyMonths: 2, kinds: [] }, /kinds/],
    ] as const) {
      const res = await gql(gw.url, `mutation($i: ExportScheduleInput!) { scheduleExports(input: $i) { id } }`, { i: input }, me);
      expect(res.errors?.[0]?.extensions?.code, JSON.stringify(input)).toBe('BAD_USER_INPUT');
      expect(res.errors?.[0]?.message).toMatch(pattern);
    }
    // Someone else's person is not theirs to schedule.
    const other = await gql(gw.url, `mutation { scheduleExports(personId: "10000002", input: { everyMonths: 2 }) { id } }`, {}, me);
    expect(other.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');

    const made = await gql<{ scheduleExports: ScheduleView }>(gw.url, `mutation { scheduleExports(input: { everyMonths: 2 }) { ${SCHEDULE} } }`, {}, me);
    expect(made.errors).toBeUndefined();
    const s = made.data!.scheduleExports;
    expect(s).toMatchObject({ everyMonths: 2, months: 12, state: 'ACTIVE', requestedBy: 'SUBJECT' });
    expect(Date.parse(s.startsOn) - Date.parse(T0)).toBeLessThan(3_600_000);
    expect(s.plannedRuns).toHaveLength(6);
    expect(s.nextRunAt).toBe(s.plannedRuns[1]);
    expect(s.endsOn.slice(0, 10)).toBe('2028-01-10');
    // The first run started with the schedule: a normal export job of the person.
    expect(s.runs).toHaveLength(1);
    expect(s.runs[0]!.job).toMatchObject({ scheduleId: s.id });

    // One active schedule per person.
    const second = await gql(gw.url, `mutation { scheduleExports(input: { everyMonths: 3 }) { id } }`, {}, me);
    expect(second.errors?.[0]?.extensions).toMatchObject({ code: 'CONFLICT', scheduleId: s.id });

    await runCompletes(gw.url, me, dir, s.runs[0]!.job!.id);
    expect(notices(dir)[0]).toMatchObject({ language: 'az', subject: 'Planlaşdırılmış ixracınız hazırdır' });

    // Two months and a day later (the gateway restarted on the moved clock): the second run.
    await gw.kill('SIGTERM');
    gw = track(await startGateway(dir, subgraphUrls, env('2027-03-11T08:00:00Z')));
    let runs = await until('the second run', async () => {
      const r = (await schedulesOf(gw.url, me))[0]!.runs;
      return r.length >= 2 && r;
    });
    expect(runs.map((r) => r.dueAt)).toEqual([s.plannedRuns[0], s.plannedRuns[1]]);
    await runCompletes(gw.url, me, dir, runs[1]!.job!.id);

    // And again: the third.
    await gw.kill('SIGTERM');
    gw = track(await startGateway(dir, subgraphUrls, env('2027-05-11T08:00:00Z')));
    runs = await until('the third run', async () => {
      const r = (await schedulesOf(gw.url, me))[0]!.runs;
      return r.length >= 3 && r;
    });
    expect(runs[2]!.dueAt).toBe(s.plannedRuns[2]);
    await runCompletes(gw.url, me, dir, runs[2]!.job!.id);
    expect((await schedulesOf(gw.url, me))[0]!.runs.every((r) => r.noticeSentAt !== null && !r.joined)).toBe(true);

    // Cancelled: no more runs, however far the clock moves; a second cancel is a CONFLICT.
    const cancel = await gql<{ cancelExportSchedule: ScheduleView }>(gw.url, `mutation($id: ID!) { cancelExportSchedule(id: $id) { ${SCHEDULE} } }`, { id: s.id }, me);
    expect(cancel.data?.cancelExportSchedule).toMatchObject({ state: 'CANCELLED', nextRunAt: null });
    const again = await gql(gw.url, `mutation($id: ID!) { cancelExportSchedule(id: $id) { id } }`, { id: s.id }, me);
    expect(again.errors?.[0]?.extensions?.code).toBe('CONFLICT');
    await gw.kill('SIGTERM');
    gw = track(await startGateway(dir, subgraphUrls, env('2027-09-12T08:00:00Z')));
    await new Promise((r) => setTimeout(r, 2000));
    expect((await schedulesOf(gw.url, me))[0]!.runs).toHaveLength(3);
    const jobs = await gql<{ exportJobs: { id: string }[] }>(gw.url, '{ exportJobs(first: 50) { id } }', {}, me);
    expect(jobs.data!.exportJobs).toHaveLength(3);

    // Another person finds nothing of it; an operator needs footprint:export and a reason.
    const stranger = await gql(gw.url, `mutation($id: ID!) { cancelExportSchedule(id: $id) { id } }`, { id: s.id }, bearer(await subjectToken('10000002')));
    expect(stranger.errors?.[0]?.extensions?.code).toBe('NOT_FOUND');
    const reader = bearer(await operatorToken(['footprint:read']), { 'x-footprint-reason': 'ticket 27' });
    const noScope = await gql(gw.url, `query { person(id: "${PERSON}") { exportSchedules { id } } }`, {}, reader);
    expect(noScope.errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const op = bearer(await operatorToken(['footprint:read', 'footprint:export']), { 'x-footprint-reason': 'ticket 27' });
    const seen = await gql<{ person: { exportSchedules: { id: string; state: string }[] } }>(gw.url, `query { person(id: "${PERSON}") { exportSchedules { id state } } }`, {}, op);
    expect(seen.data?.person.exportSchedules).toEqual([{ id: s.id, state: 'CANCELLED' }]);

    // An operator schedules for someone only with footprint:export and a reason, and is audited.
    const forOther = 'mutation { scheduleExports(personId: "10000002", input: { everyMonths: 6 }) { id requestedBy state } }';
    expect((await gql(gw.url, forOther, {}, reader)).errors?.[0]?.extensions?.code).toBe('FORBIDDEN');
    const noReason = bearer(await operatorToken(['footprint:export']));
    expect((await gql(gw.url, forOther, {}, noReason)).errors?.[0]?.message).toMatch(/X-Footprint-Reason/);
    const actor = `ops-sched-${Date.now()}`;
    const opHeaders = bearer(await operatorToken(['footprint:export'], actor), { 'x-footprint-reason': 'written request 27' });
    const byOp = await gql<{ scheduleExports: { id: string; requestedBy: string; state: string } }>(gw.url, forOther, {}, opHeaders);
    expect(byOp.data?.scheduleExports).toMatchObject({ requestedBy: 'OPERATOR', state: 'ACTIVE' });
    const stopped = await gql<{ cancelExportSchedule: { state: string } }>(gw.url, 'mutation($id: ID!) { cancelExportSchedule(id: $id) { state } }', { id: byOp.data!.scheduleExports.id }, opHeaders);
    expect(stopped.data?.cancelExportSchedule.state).toBe('CANCELLED');
    const db = new Database(join(dir, 'gateway.db'), { readonly: true });
    try {
      const ops = (db.prepare('select operation, outcome, person, reason from audit_log where actor = ? order by id').all(actor) as { operation: string; outcome: string; person: string; reason: string }[]).map((r) => `${r.operation} ${r.person} ${r.reason} → ${r.outcome}`);
      expect(ops.some((o) => /scheduleExports/.test(o) && o.includes('10000002 written request 27 → allowed')), ops.join('\n')).toBe(true);
      expect(ops.some((o) => o.startsWith(`mutation cancelExportSchedule ${byOp.data!.scheduleExports.id} 10000002`)), ops.join('\n')).toBe(true);
    } finally {
      db.close();
    }
  }, 600_000);

  it('two gateways on one store start one run per due date', async () => {
    const dir = tempDir('schedule-two');
    const me = bearer(await subjectToken(PERSON));
    let [a, b] = await Promise.all([startGateway(dir, subgraphUrls, env(T0)), startGateway(dir, subgraphUrls, env(T0))]);
    track(a);
    track(b);
    const made = await gql<{ scheduleExports: ScheduleView }>(b.url, `mutation { scheduleExports(input: { everyMonths: 2, months: 6 }) { ${SCHEDULE} } }`, {}, me);
    expect(made.errors).toBeUndefined();
    const s = made.data!.scheduleExports;
    expect(s.plannedRuns).toHaveLength(3);
    await runCompletes(a.url, me, dir, s.runs[0]!.job!.id);

    await Promise.all([a.kill('SIGTERM'), b.kill('SIGTERM')]);
    [a, b] = await Promise.all([startGateway(dir, subgraphUrls, env('2027-03-11T08:00:00Z')), startGateway(dir, subgraphUrls, env('2027-03-11T08:00:00Z'))]);
    track(a);
    track(b);
    const runs = await until('the second run', async () => {
      const r = (await schedulesOf(b.url, me))[0]!.runs;
      return r.length >= 2 && r;
    });
    await runCompletes(b.url, me, dir, runs[1]!.job!.id);
    // Both gateways kept scanning all along: still one run per due date, one job each.
    expect((await schedulesOf(a.url, me))[0]!.runs.map((r) => r.dueAt)).toEqual([s.plannedRuns[0], s.plannedRuns[1]]);
    const jobs = await gql<{ exportJobs: { id: string; state: string }[] }>(a.url, '{ exportJobs(first: 50) { id state } }', {}, me);
    expect(jobs.data!.exportJobs.map((j) => j.state)).toEqual(['SUCCEEDED', 'SUCCEEDED']);
    expect(notices(dir)).toHaveLength(2);
  }, 600_000);
});
