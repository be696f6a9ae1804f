import { randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createLogger, DEV_MAILBOX, loadCorrectionDeliveryConfig } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { loadGatewayConfig } from '../src/config.js';
import { Fingerprints, fingerprint } from '../src/exports/incremental/fingerprints.js';
import { exportPlan, initialProgress } from '../src/exports/plan.js';
import { dueDates, nextDueAfter } from '../src/exports/schedule/dates.js';
import { ScheduleNotices } from '../src/exports/schedule/notify.js';
import { ScheduleRunner } from '../src/exports/schedule/runner.js';
import { ScheduleStore, scheduleMigrations } from '../src/exports/schedule/store.js';
import { ExportJobs, exportMigrations } from '../src/exports/store.js';
import { ManualClock } from '../src/requests/clock.js';
import { requires } from '../../test/support/requires.js';

await requires('postgres');

/**
 * Export schedules and fingerprints in the gateway store, on SQLite and on a
 * real PostgreSQL, each through TWO store handles on one database — as two
 * gateways share it: a due run is claimed once, missed runs are one run, a
 * notice goes out once; fingerprints compare page by page and list removed
 * records from the database.
 */

const PG_ADMIN = process.env.FOOTPRINT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';
const MIGRATIONS = { ...exportMigrations, ...scheduleMigrations };
const run = `sched_${randomUUID().slice(0, 8)}`;
const cleanups: (() => Promise<void>)[] = [];
afterAll(async () => {
  for (const c of cleanups.reverse()) await c();
});

const dataDir = mkdtempSync(join(tmpdir(), 'footprint-schedule-store-'));
cleanups.push(async () => rmSync(dataDir, { recursive: true, force: true }));
const config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
const plan = exportPlan(readFileSync(config.supergraphPath, 'utf8'));
const logger = createLogger('gateway', 'warn');

/** Two handles on one new database of the engine. */
async function twoHandles(engine: 'sqlite' | 'postgres'): Promise<[GatewayStore, GatewayStore]> {
  const dir = mkdtempSync(join(tmpdir(), 'footprint-schedule-db-'));
  cleanups.push(async () => rmSync(dir, { recursive: true, force: true }));
  if (engine === 'sqlite') {
    const a = openGatewayStore(dir, MIGRATIONS);
    await a.migrate();
    const b = openGatewayStore(dir, MIGRATIONS);
    cleanups.push(async () => {
      await a.close();
      await b.close();
    });
    return [a, b];
  }
  const db = `${run}_${randomUUID().slice(0, 6)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${db}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${db}`;
  const before = process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
  process.env.FOOTPRINT_GATEWAY_DATABASE_URL = url.toString();
  try {
    const a = openGatewayStore(dir, MIGRATIONS);
    await a.migrate();
    const b = openGatewayStore(dir, MIGRATIONS);
    cleanups.push(async () => {
      await a.close();
      await b.close();
      const c = new pg.Client({ connectionString: PG_ADMIN });
      await c.connect();
      await c.query(`drop database if exists ${db} with (force)`);
      await c.end();
    });
    return [a, b];
  } finally {
    if (before === undefined) delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
    else process.env.FOOTPRINT_GATEWAY_DATABASE_URL = before;
  }
}

function runnerOn(store: GatewayStore, clock: ManualClock, name: string, mailbox: string) {
  const schedules = new ScheduleStore(store);
  const jobs = new ExportJobs(store);
  const notices = new ScheduleNotices({
    schedules,
    jobs,
    contacts: async () => ({ email: 'person@example.az', phone: null }),
    delivery: { ...loadCorrectionDeliveryConfig({ production: false, dataDir: mailbox }), codeSenderUrl: undefined },
    publicUrl: 'http://gateway.test',
    timeZone: 'Asia/Baku',
    logger,
  });
  const runner = new ScheduleRunner({ schedules, jobs, plan, enqueue: null, notices, clock, claimer: () => name, everyMs: 0, logger });
  return { schedules, jobs, runner };
}

const mailboxLines = (dir: string) => {
  try {
    return readFileSync(join(dir, DEV_MAILBOX), 'utf8').trim().split('\n').filter(Boolean).map((l) => JSON.parse(l) as { kind: string; jobId: string; subject: string; text: string; language: string });
  } catch {
    return [];
  }
};

describe('due dates', () => {
  it('every N calendar months from the start, before the end; missed ones collapse to the next after now', () => {
    const c = { startsAt: '2027-01-31T09:00:00.000Z', endsAt: '2028-01-31T09:00:00.000Z', everyMonths: 2 };
    expect(dueDates(c).map((d) => d.toISOString().slice(0, 10))).toEqual(['2027-01-31', '2027-03-31', '2027-05-31', '2027-07-31', '2027-09-30', '2027-11-30']);
    expect(nextDueAfter(c, new Date('2027-01-31T09:00:00Z'))?.toISOString()).toBe('2027-03-31T09:00:00.000Z');
    // Down from February to June: the run claimed now stands for March and May; the next is July.
    expect(nextDueAfter(c, new Date('2027-06-15T00:00:00Z'))?.toISOString()).toBe('2027-07-31T09:00:00.000Z');
    expect(nextDueAfter(c, new Date('2027-12-01T00:00:00Z'))).toBeNull();
    expect(dueDates({ ...c, everyMonths: 12 })).toHaveLength(1);
  });
});

describe.each(['sqlite', 'postgres'] as const)('on %s, through two handles on one database', (engine) => {
  it('claims each due run once, collapses missed runs, finishes after the last, and sends one notice per ended run', async () => {
    const [a, b] = await twoHandles(engine);
    const mailbox = mkdtempSync(join(tmpdir(), 'footprint-schedule-mail-'));
    cleanups.push(async () => rmSync(mailbox, { recursive: true, force: true }));
    const clock = new ManualClock('2027-01-10T08:00:00Z');
    const one = runnerOn(a, clock, 'gw-1', mailbox);
    const two = runnerOn(b, clock, 'gw-2', mailbox);
    // On PostgreSQL both pass at once. Two SQLite handles in ONE process cannot: better-sqlite3 waits for the write lock
    // synchronously, blocking the event loop the other handle's transaction needs (two gateway processes do not share one:
    // test/export-schedules.test.ts runs two on one store). One after the other, the second finds the run claimed.
    const bothPass = (x: typeof one, y: typeof two) => (engine === 'postgres' ? Promise.all([x.runner.runNow(), y.runner.runNow()]) : x.runner.runNow().then(() => y.runner.runNow()));
    const created = await one.schedules.create({
      personId: '10000001',
      everyMonths: 4,
      months: 12,
      incremental: false,
      allowPartial: false,
      startsAt: clock.now().toISOString(),
      endsAt: '2028-01-10T08:00:00.000Z',
      createdAt: clock.now().toISOString(),
      requestedBy: '10000001',
      requesterType: 'subject',
      reason: null,
      language: 'az',
      kinds: null,
    });
    expect(created).not.toBeNull();
    // A second active schedule of the person is refused by the database itself.
    expect(await two.schedules.create({ ...created!, startsAt: created!.startsAt })).toBeNull();

    // Both gateways pass: one run, one job.
    await bothPass(one, two);
    let runs = await one.schedules.runs(created!.id);
    expect(runs).toHaveLength(1);
    expect(runs[0]!.dueAt).toBe('2027-01-10T08:00:00.000Z');
    const first = await one.jobs.get(runs[0]!.jobId);
    expect(first).toMatchObject({ state: 'QUEUED', scheduleId: created!.id, personId: '10000001' });
    expect((await one.schedules.get(created!.id))!.nextRunAt).toBe('2027-05-10T08:00:00.000Z');

    // The job ends; the notice goes out once although both gateways look.
    const claimed = await one.jobs.claimNext('worker');
    await one.jobs.succeed(claimed!.id, 'worker', { progress: claimed!.progress, archiveBytes: 10, archiveSha256: 'a'.repeat(64), records: 42, expiresAt: '2027-01-17T08:00:00.000Z', finishedAt: new Date().toISOString() });
    await bothPass(one, two);
    let mail = mailboxLines(mailbox).filter((m) => m.kind === 'export-schedule');
    expect(mail).toHaveLength(1);
    expect(mail[0]).toMatchObject({ jobId: claimed!.id, language: 'az', subject: 'Planlaşdırılmış ixracınız hazırdır' });
    expect(mail[0]!.text).toContain('42 qeyd');

    // Down from February to October: May and September were missed; they are one run now.
    clock.set('2027-10-01T00:00:00Z');
    await bothPass(one, two);
    runs = await one.schedules.runs(created!.id);
    expect(runs.map((r) => r.dueAt)).toEqual(['2027-01-10T08:00:00.000Z', '2027-05-10T08:00:00.000Z']);
    // The last due date (September) has passed too: the schedule has no run left.
    expect(await one.schedules.get(created!.id)).toMatchObject({ state: 'FINISHED', nextRunAt: null });
    clock.set('2027-12-01T00:00:00Z');
    await bothPass(one, two);
    expect(await one.schedules.runs(created!.id)).toHaveLength(2);

    // The second run's job fails: the notice says so, once.
    const second = await one.jobs.get(runs[1]!.jobId);
    await one.jobs.fail(second!.id, null, { code: 'SUBGRAPH_UNAVAILABLE', message: 'The cloud domain could not be read.', domain: 'cloud' });
    await bothPass(one, two);
    mail = mailboxLines(mailbox).filter((m) => m.kind === 'export-schedule');
    expect(mail).toHaveLength(2);
    expect(mail[1]).toMatchObject({ jobId: second!.id, subject: 'Planlaşdırılmış ixracınızı hazırlamaq mümkün olmadı' });
    expect(mail[1]!.text).toContain('The cloud domain could not be read.');
    expect(mail[1]!.text).toContain('son ixracı');

    // Finished: the person may make a new schedule; their account erased, it stops.
    const next = await two.schedules.create({ ...created!, startsAt: clock.now().toISOString() });
    expect(next).toMatchObject({ state: 'ACTIVE' });
    expect(await one.schedules.cancelAllFor('10000001', clock.now())).toBe(1);
    expect(await one.schedules.get(next!.id)).toMatchObject({ state: 'CANCELLED', nextRunAt: null });
    expect(await one.schedules.cancelAllFor('10000001', clock.now())).toBe(0);
  });

  it('joins an export of the person already running instead of making a second one', async () => {
    const [a] = await twoHandles(engine);
    const mailbox = mkdtempSync(join(tmpdir(), 'footprint-schedule-mail-'));
    cleanups.push(async () => rmSync(mailbox, { recursive: true, force: true }));
    const clock = new ManualClock('2027-01-10T08:00:00Z');
    const one = runnerOn(a, clock, 'gw-1', mailbox);
    const own = await one.jobs.create({ personId: '10000002', requestedBy: '10000002', requesterType: 'subject', reason: null, allowPartial: false, progress: initialProgress(plan) }, null);
    const s = await one.schedules.create({ personId: '10000002', everyMonths: 6, months: 12, incremental: true, allowPartial: false, startsAt: clock.now().toISOString(), endsAt: '2028-01-10T08:00:00.000Z', createdAt: clock.now().toISOString(), requestedBy: 'ops', requesterType: 'operator', reason: 'ticket 1', language: 'en', kinds: null });
    const claimed = await one.runner.runDue(s!, clock.now());
    expect(claimed).toMatchObject({ jobId: own.id, joined: true });
    expect(await one.jobs.listForPerson('10000002', 10)).toHaveLength(1);
  });

  it('fingerprints: new and changed per page, removed from the database in id order, a new baseline drops the older ones', async () => {
    const [a, b] = await twoHandles(engine);
    const jobs = new ExportJobs(a);
    const fp = new Fingerprints(a);
    const other = new Fingerprints(b);
    const base = { personId: '10000001', requestedBy: '10000001', requesterType: 'subject' as const, reason: null, allowPartial: false, progress: initialProgress(plan) };
    const j1 = await jobs.create(base, null);
    const records = Array.from({ length: 1200 }, (_, i) => ({ id: `cloud.note:${String(i).padStart(5, '0')}`, title: `note ${i}` }));
    // Two pages, as an export streams them.
    expect(await fp.page(j1, 'cloud.note', null, records.slice(0, 700))).toHaveLength(700);
    await fp.page(j1, 'cloud.note', null, records.slice(700));
    await jobs.claim(j1.id, 'w');
    await jobs.succeed(j1.id, 'w', { progress: j1.progress, archiveBytes: 1, archiveSha256: 'b'.repeat(64), records: 1200, expiresAt: '2099-01-01T00:00:00.000Z', finishedAt: new Date().toISOString(), baseline: true });
    await fp.keepOnly('10000001', j1.id);
    expect((await jobs.baselineFor('10000001'))?.id).toBe(j1.id);

    const j2 = await jobs.create({ ...base, sinceJobId: j1.id, sinceRequested: 'LAST_EXPORT' }, null);
    const now = records.filter((_, i) => i !== 3 && i !== 1100).map((r, i) => (i === 10 ? { ...r, title: 'changed' } : r));
    now.push({ id: 'cloud.note:99999', title: 'new' });
    const diff = [...(await other.page(j2, 'cloud.note', j1.id, now.slice(0, 600))), ...(await other.page(j2, 'cloud.note', j1.id, now.slice(600)))];
    expect(diff.map((d) => [d.record.id, d.change])).toEqual([
      ['cloud.note:00011', 'CHANGED'],
      ['cloud.note:99999', 'NEW'],
    ]);
    const removed: string[] = [];
    for await (const ids of other.removed(j2.id, 'cloud.note', j1.id, 1)) removed.push(...ids);
    expect(removed).toEqual(['cloud.note:00003', 'cloud.note:01100']);
    expect(fingerprint({ id: 'x', a: 1 })).toMatch(/^[0-9a-f]{16}$/);

    // j2 finishes complete: it is the baseline now, and j1's fingerprints are gone.
    await jobs.claim(j2.id, 'w');
    await jobs.succeed(j2.id, 'w', { progress: j2.progress, archiveBytes: 1, archiveSha256: 'c'.repeat(64), records: 2, expiresAt: '2099-01-01T00:00:00.000Z', finishedAt: new Date(Date.now() + 1000).toISOString(), baseline: true });
    await other.keepOnly('10000001', j2.id);
    expect((await jobs.baselineFor('10000001'))?.id).toBe(j2.id);
    expect((await jobs.get(j1.id))?.baseline).toBe(false);
    const left: string[] = [];
    for await (const ids of fp.removed('nothing', 'cloud.note', j1.id)) left.push(...ids);
    expect(left).toEqual([]);
    // A failed export is never a baseline: dropping its fingerprints leaves the person's baseline as it was.
    const j3 = await jobs.create(base, null);
    await fp.page(j3, 'cloud.note', j2.id, now);
    await jobs.fail(j3.id, null, { code: 'X', message: 'failed', domain: null });
    await fp.dropJob(j3.id);
    expect((await jobs.baselineFor('10000001'))?.id).toBe(j2.id);
    // The account erased: no baseline and no fingerprint of the person is left.
    await other.dropPerson('10000001');
    expect(await jobs.baselineFor('10000001')).toBeNull();
    const none: string[] = [];
    for await (const ids of fp.removed('nothing', 'cloud.note', j2.id)) none.push(...ids);
    expect(none).toEqual([]);
  });
});
