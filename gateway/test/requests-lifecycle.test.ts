import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, DEV_MAILBOX } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { loadGatewayConfig } from '../src/config.js';
import type { GatewayContext } from '../src/context.js';
import { exportMigrations, ExportJobs } from '../src/exports/store.js';
import { addCalendarMonths, daysLeft, ManualClock } from '../src/requests/clock.js';
import { DomainCircuits } from '../src/circuit.js';
import { createRequestService } from '../src/requests/index.js';
import type { Actor } from '../src/requests/model.js';
import type { PrivacyRequestService } from '../src/requests/service.js';
import { ANY_REQUEST, requestMigrations } from '../src/requests/store.js';
import { codeLimitMigrations } from '../src/codes/limits.js';
import { requires } from '../../test/support/requires.js';

await requires('postgres');

/** SQLite's trigger says append-only; on PostgreSQL the service role has no UPDATE/DELETE on the table (the trigger stops its owner). */
const APPEND_ONLY_REFUSAL = /append-only|permission denied/;

/**
 * The request lifecycle on an injected clock, over a real gateway store (SQLite and PostgreSQL)
 * and the real dev mailbox: deadlines (31 January → 29 February), extensions
 * (once, ≤ 2 months, within the first month), overdue, verification codes,
 * illegal transitions that change nothing, the excessive-repeat flag, and the
 * export driver following real export job rows. The account domain is not
 * running here, so the account's address is given; test/requests.test.ts runs
 * the same through the whole federation.
 */

const PERSON = '10000001';
const EMAIL = 'person@example.com';
const operator: Actor = { id: 'ops-anna', type: 'operator' };
const subject: Actor = { id: PERSON, type: 'subject' };

const MIGRATIONS = { ...exportMigrations, ...requestMigrations, ...codeLimitMigrations };
const PG_ADMIN = process.env.FOOTPRINT_TEST_POSTGRES_URL ?? 'postgres://postgres@127.0.0.1:5432/test';

/** A PostgreSQL database of its own for this run (dropped after), holding the gateway's store. */
async function postgresStore(dataDir: string): Promise<{ store: GatewayStore; drop: () => Promise<void> }> {
  const name = `requests_${randomUUID().slice(0, 8)}`;
  const admin = new pg.Client({ connectionString: PG_ADMIN });
  await admin.connect();
  await admin.query(`create database ${name}`);
  await admin.end();
  const url = new URL(PG_ADMIN);
  url.pathname = `/${name}`;
  const before = process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
  process.env.FOOTPRINT_GATEWAY_DATABASE_URL = url.toString();
  try {
    const store = openGatewayStore(dataDir, MIGRATIONS);
    const drop = async () => {
      const a = new pg.Client({ connectionString: PG_ADMIN });
      await a.connect();
      await a.query(`drop database if exists ${name} with (force)`);
      await a.end();
    };
    return { store, drop };
  } finally {
    if (before === undefined) delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
    else process.env.FOOTPRINT_GATEWAY_DATABASE_URL = before;
  }
}

/** The same lifecycle on both of the gateway's databases: SQLite (default) and a real PostgreSQL. */
describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  let dataDir: string;
  let store: GatewayStore;
  let clock: ManualClock;
  let service: PrivacyRequestService;
  let jobs: ExportJobs;
  let dropDatabase: (() => Promise<void>) | null = null;
  const ctx = { requestId: 'test', principal: { kind: 'operator', sub: operator.id, scopes: ['footprint:requests'], reason: 'test' }, person: null, log: createLogger('test', 'warn'), exchange: {} } as GatewayContext;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-requests-'));
    const config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    if (dialect === 'postgres') ({ store, drop: dropDatabase } = await postgresStore(dataDir));
    else store = openGatewayStore(dataDir, MIGRATIONS);
    await store.migrate();
    clock = new ManualClock('2028-01-31T10:00:00Z');
    const fc = {
      config,
      store,
      logger: createLogger('gateway', 'warn'),
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      subgraphUrls: {},
      circuits: new DomainCircuits({}, config.breaker, createLogger('gateway', 'warn')),
      gatewayUrl: () => 'http://127.0.0.1:1/graphql',
    };
    ({ service } = createRequestService(fc, { clock, contacts: async () => ({ email: EMAIL, phone: '+994501234567' }) }));
    jobs = new ExportJobs(store);
  });

  afterAll(async () => {
    await store?.close();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const mailbox = (): Record<string, string>[] => {
    const file = join(dataDir, DEV_MAILBOX);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>) : [];
  };
  const written = (type: 'ACCESS' | 'ERASURE' | 'RECTIFICATION' | 'PORTABILITY', receivedAt: string | null = null, person = PERSON) =>
    service.createWritten(person, { type, channel: 'POST', receivedAt: receivedAt ? new Date(receivedAt) : null, originalText: `Dear team, I ask for ${type}.`, details: null }, operator);

  async function expectCode(p: Promise<unknown>, code: string, reason?: string) {
    const err = await p.then(
      () => null,
      (e: { extensions?: Record<string, unknown> }) => e,
    );
    expect(err, 'expected an error').not.toBeNull();
    expect(err!.extensions?.code).toBe(code);
    if (reason) expect(err!.extensions?.reason).toBe(reason);
  }

  describe('the legal clock', () => {
    it('one calendar month, clipped to the end of a shorter month', () => {
      expect(addCalendarMonths(new Date('2026-01-31T10:00:00Z'), 1).toISOString()).toBe('2026-02-28T10:00:00.000Z');
      expect(addCalendarMonths(new Date('2028-01-31T10:00:00Z'), 1).toISOString()).toBe('2028-02-29T10:00:00.000Z');
      expect(addCalendarMonths(new Date('2026-03-31T00:00:00Z'), 1).toISOString()).toBe('2026-04-30T00:00:00.000Z');
      expect(addCalendarMonths(new Date('2026-12-15T08:30:00Z'), 1).toISOString()).toBe('2027-01-15T08:30:00.000Z');
      expect(addCalendarMonths(new Date('2026-11-30T00:00:00Z'), 3).toISOString()).toBe('2027-02-28T00:00:00.000Z');
      expect(daysLeft(new Date('2026-02-10T00:00:00Z'), new Date('2026-02-09T12:00:00Z'))).toBe(1);
      expect(daysLeft(new Date('2026-02-10T00:00:00Z'), new Date('2026-02-12T00:00:00Z'))).toBe(-2);
    });

    it('a request received on 31 January 2028 is due at the end of 29 February in Baku; extending by two months moves it to 29 April', async () => {
      clock.set('2028-01-31T10:00:00Z');
      const req = await written('ERASURE');
      expect(req.receivedAt).toBe('2028-01-31T10:00:00.000Z');
      expect(req.dueAt).toBe('2028-02-29T19:59:59.999Z');
      expect(req.deadline).toBe(req.dueAt);
      expect(req.state).toBe('RECEIVED');
      clock.set('2028-02-20T09:00:00Z');
      await expectCode(service.extend(req.id, 3, 'complex', operator), 'BAD_USER_INPUT');
      await expectCode(service.extend(req.id, 2, '  ', operator), 'BAD_USER_INPUT');
      const extended = await service.extend(req.id, 2, 'Numerous systems hold the data', operator);
      expect(extended.extendedTo).toBe('2028-04-29T19:59:59.999Z');
      expect(extended.deadline).toBe('2028-04-29T19:59:59.999Z');
      const before = await service.store.timeline(req.id);
      await expectCode(service.extend(req.id, 1, 'again', operator), 'CONFLICT', 'ALREADY_EXTENDED');
      expect(await service.store.timeline(req.id)).toHaveLength(before.length);
      expect((await service.get(req.id))!.extendedTo).toBe('2028-04-29T19:59:59.999Z');
      // The person is told the new date and why.
      const notice = mailbox().filter((m) => m.requestId === req.id).find((m) => m.subject?.includes('more time'));
      // The due day is the controller's calendar day (Baku), written out in the person's language (English without a preference).
      expect(notice?.text).toContain('April 29, 2028');
      expect(notice?.text).toContain('Numerous systems hold the data');
    });

    it('an extension is refused once the first month has ended, and the request is unchanged', async () => {
      clock.set('2027-03-01T12:00:00Z');
      const req = await written('ERASURE');
      // The first month's last day (1 April) has ended in Baku.
      clock.set('2027-04-02T12:00:00Z');
      await expectCode(service.extend(req.id, 1, 'too late', operator), 'CONFLICT', 'EXTENSION_TOO_LATE');
      const after = (await service.get(req.id))!;
      expect(after.extendedTo).toBeNull();
      expect(after.updatedAt).toBe(req.updatedAt);
    });

    it('the queue shows overdue requests and those due within N days, ordered by deadline', async () => {
      clock.set('2029-06-01T00:00:00Z');
      const late = await written('RECTIFICATION', '2029-04-15T00:00:00Z', '10000077');
      const soon = await written('RECTIFICATION', '2029-05-05T00:00:00Z', '10000077');
      const later = await written('RECTIFICATION', '2029-05-30T00:00:00Z', '10000077');
      const overdue = await service.store.queue({ ...ANY_REQUEST, overdue: true, personId: '10000077' }, 10, null, clock.now());
      expect(overdue.nodes.map((r) => r.id)).toEqual([late.id]);
      const within7 = await service.store.queue({ ...ANY_REQUEST, dueWithinDays: 7, personId: '10000077' }, 10, null, clock.now());
      expect(within7.nodes.map((r) => r.id)).toEqual([late.id, soon.id]);
      const all = await service.store.queue({ ...ANY_REQUEST, personId: '10000077' }, 2, null, clock.now());
      expect(all.nodes.map((r) => r.id)).toEqual([late.id, soon.id]);
      expect(all.hasNextPage).toBe(true);
      expect(all.totalCount).toBe(3);
      const next = await service.store.queue({ ...ANY_REQUEST, personId: '10000077' }, 2, { deadline: soon.deadline, id: soon.id }, clock.now());
      expect(next.nodes.map((r) => r.id)).toEqual([later.id]);
      expect(next.hasNextPage).toBe(false);
      // Time moves on: the soon one becomes overdue too.
      clock.set('2029-06-06T00:00:00Z');
      const overdueLater = await service.store.queue({ ...ANY_REQUEST, overdue: true, personId: '10000077' }, 10, null, clock.now());
      expect(overdueLater.nodes.map((r) => r.id)).toEqual([late.id, soon.id]);
    });
  });

  describe('verification and illegal transitions', () => {
    it('nothing runs before verification; a one-time code to the account e-mail verifies, a wrong one is counted', async () => {
      clock.set('2030-01-10T10:00:00Z');
      const req = await written('ACCESS', null, '10000055');
      await expectCode(service.complete(req.id, { answer: null, correctionIds: [], receipts: [] }, operator, ctx), 'CONFLICT', 'NOT_VERIFIED');
      await expectCode(service.start(req.id, operator, null), 'CONFLICT', 'NOT_VERIFIED');
      await expectCode(service.verify(req.id, { code: '123456' }, operator, null), 'CONFLICT', 'NO_CODE_SENT');
      expect((await service.get(req.id))!.work.exportJobId).toBeUndefined();

      const sent = await service.sendCode(req.id, 'EMAIL', operator);
      expect(sent.state).toBe('VERIFYING');
      const codeMsg = mailbox().find((m) => m.confirmationId === `privacy-request:${req.id}`);
      expect(codeMsg?.to).toBe(EMAIL);
      expect(codeMsg?.code).toMatch(/^\d{6}$/);
      const wrong = codeMsg!.code === '000000' ? '111111' : '000000';
      await expectCode(service.verify(req.id, { code: wrong }, operator, null), 'BAD_USER_INPUT', 'CODE_INVALID');
      expect((await service.get(req.id))!.verifiedAt).toBeNull();

      const verified = await service.verify(req.id, { code: codeMsg!.code }, operator, 'letter checked');
      expect(verified.verificationMethod).toBe('CODE');
      expect(verified.state).toBe('IN_PROGRESS');
      expect(verified.work.exportJobId).toBeTruthy();
      const actions = (await service.store.timeline(req.id)).map((e) => e.action);
      expect(actions).toEqual(['RECEIVED', 'CODE_SENT', 'CODE_REJECTED', 'VERIFIED', 'STARTED']);
    });

    it('an expired code is refused and changes nothing', async () => {
      clock.set('2030-02-01T10:00:00Z');
      const req = await written('ERASURE', null, '10000056');
      await service.sendCode(req.id, 'PHONE', operator);
      const code = mailbox().filter((m) => m.confirmationId === `privacy-request:${req.id}`).at(-1)!;
      expect(code.to).toBe('+994501234567');
      clock.set('2030-02-01T11:00:00Z');
      await expectCode(service.verify(req.id, { code: code.code }, operator, null), 'CONFLICT', 'CODE_EXPIRED');
      expect((await service.get(req.id))!.state).toBe('VERIFYING');
    });

    it('refusing needs a reason and states the complaint right; a closed request takes no further transition', async () => {
      clock.set('2030-03-01T10:00:00Z');
      const req = await written('ERASURE', null, '10000057');
      await expectCode(service.refuse(req.id, 'MANIFESTLY_UNFOUNDED', ' ', operator), 'BAD_USER_INPUT');
      expect((await service.get(req.id))!.state).toBe('RECEIVED');
      const refused = await service.refuse(req.id, 'MANIFESTLY_UNFOUNDED', 'The account holds no data of the kind asked about', operator);
      expect(refused.state).toBe('REFUSED');
      expect(refused.answer).toContain('supervisory authority');
      expect(mailbox().find((m) => m.requestId === req.id && m.subject?.includes('cannot act'))?.text).toContain('supervisory authority');
      await expectCode(service.complete(req.id, { answer: null, correctionIds: [], receipts: [] }, operator, ctx), 'CONFLICT', 'ILLEGAL_TRANSITION');
      await expectCode(service.extend(req.id, 1, 'x', operator), 'CONFLICT', 'ILLEGAL_TRANSITION');
      await expectCode(service.withdraw(req.id, null, subject), 'CONFLICT', 'ILLEGAL_TRANSITION');
      expect((await service.get(req.id))!.state).toBe('REFUSED');
    });

    it('the timeline is append-only in the database itself', async () => {
      await expect(store.db.withTables<{ privacyRequestEvent: { action: string } }>().updateTable('privacyRequestEvent').set({ action: 'X' }).execute()).rejects.toThrow(APPEND_ONLY_REFUSAL);
      await expect(store.db.withTables<{ privacyRequestEvent: { action: string } }>().deleteFrom('privacyRequestEvent').execute()).rejects.toThrow(APPEND_ONLY_REFUSAL);
    });

    it('a rights type without the rights feature in the gateway is never completed', async () => {
      clock.set('2030-04-01T10:00:00Z');
      const req = await written('ERASURE', null, '10000058');
      const started = await service.verify(req.id, { check: 'Signed letter compared with the account holder\'s ID on file' }, operator, null);
      expect(started.state).toBe('IN_PROGRESS');
      await expectCode(service.complete(req.id, { answer: 'done', correctionIds: [], receipts: [] }, operator, ctx), 'CONFLICT', 'WORK_NOT_AVAILABLE');
      await service.sync();
      expect((await service.get(req.id))!.state).toBe('IN_PROGRESS');
    });
  });

  describe('someone acting for the person', () => {
    it('a written request made by a parent records who, the proof of authority checked and by whom; the answers go to the person and the parent', async () => {
      clock.set('2032-02-01T10:00:00Z');
      const onBehalf = { name: 'Leyla Mammadova', relationship: 'PARENT' as const, contact: 'leyla.parent@example.org', authorityChecked: "Birth certificate and the mother's ID card, copies attached to the letter" };
      await expectCode(service.createWritten('10000063', { type: 'ACCESS', channel: 'POST', receivedAt: null, originalText: 'For my son.', details: null, onBehalf: { ...onBehalf, authorityChecked: ' ' } }, operator), 'BAD_USER_INPUT');
      await expectCode(service.createWritten('10000063', { type: 'ACCESS', channel: 'POST', receivedAt: null, originalText: 'For my son.', details: null, onBehalf: { ...onBehalf, contact: 'by pigeon' } }, operator), 'BAD_USER_INPUT');
      const req = await service.createWritten('10000063', { type: 'ACCESS', channel: 'POST', receivedAt: null, originalText: 'I ask for a copy of my son\'s data.', details: null, onBehalf }, operator);
      expect(req.representative).toEqual({ ...onBehalf, checkedBy: operator.id, checkedAt: '2032-02-01T10:00:00.000Z' });
      expect((await service.get(req.id))!.representative?.name).toBe('Leyla Mammadova');
      // The evidence: the RECEIVED entry of the hash-chained timeline names the representative and the proof.
      const received = (await service.store.timeline(req.id))[0]!;
      expect(received.detail).toMatchObject({ onBehalfOf: '10000063', representative: { name: 'Leyla Mammadova', relationship: 'PARENT', authorityChecked: onBehalf.authorityChecked, checkedBy: operator.id } });
      await service.verify(req.id, { check: 'Letter signed by the parent, ID compared' }, operator, null);
      const notices = mailbox().filter((m) => m.requestId === req.id && m.kind === 'privacy-request');
      expect(notices.filter((m) => m.to === EMAIL).map((m) => m.subject)).toEqual(['We received your request (access to your data)', 'We are working on your request']);
      const toParent = notices.filter((m) => m.to === 'leyla.parent@example.org');
      expect(toParent.map((m) => m.subject)).toEqual(['We received your request (access to your data)', 'We are working on your request']);
      expect(toParent[0]!.text).toContain('on behalf of person 10000063');
    });
  });

  describe('the export driver and the repeat flag', () => {
    it('an export that FAILED leaves the request IN_PROGRESS with the failure; a SUCCEEDED one completes it with the archive hash', async () => {
      clock.set(new Date());
      const req = await service.submit('10000060', 'ACCESS', null);
      expect(req.state).toBe('IN_PROGRESS');
      const first = req.work.exportJobId!;
      expect((await jobs.get(first))!.requestedBy).toBe(`privacy-request:${req.id}`);
      await jobs.claim(first, 'w1');
      await jobs.fail(first, 'w1', { code: 'SUBGRAPH_UNAVAILABLE', message: 'The music domain could not be read', domain: 'music' });
      expect(await service.sync()).toBeGreaterThanOrEqual(1);
      const failed = (await service.get(req.id))!;
      expect(failed.state).toBe('IN_PROGRESS');
      expect(failed.failure?.message).toContain('music');
      await expectCode(service.complete(req.id, { answer: null, correctionIds: [], receipts: [] }, operator, ctx), 'CONFLICT', 'WORK_NOT_DONE');
      // A second sync does not record the same failure again.
      await service.sync();
      expect((await service.store.timeline(req.id)).filter((e) => e.action === 'WORK_FAILED')).toHaveLength(1);

      const again = await service.start(req.id, operator, 'music is back');
      const second = again.work.exportJobId!;
      expect(second).not.toBe(first);
      expect(again.work.previousExportJobs).toEqual([first]);
      expect(again.failure).toBeNull();
      const claimed = (await jobs.claim(second, 'w2'))!;
      await jobs.succeed(second, 'w2', { progress: claimed.progress, archiveBytes: 1234, archiveSha256: 'a'.repeat(64), records: 42, expiresAt: new Date(Date.now() + 86_400_000).toISOString(), finishedAt: new Date().toISOString() });
      await service.sync();
      const done = (await service.get(req.id))!;
      expect(done.state).toBe('COMPLETED');
      expect(done.evidence).toMatchObject({ exportJobId: second, archiveSha256: 'a'.repeat(64), records: 42 });
      expect(mailbox().find((m) => m.requestId === req.id && m.subject?.includes('answered'))?.text).toContain('a'.repeat(64));
      const stats = await service.store.stats(clock.now());
      expect(stats.answered).toBeGreaterThanOrEqual(1);
      expect(stats.medianAnswerMs).not.toBeNull();
    });

    it('the same request again within the window is flagged for an operator, not refused or started; outside it, not', async () => {
      clock.set('2031-01-01T10:00:00Z');
      const first = await service.submit('10000061', 'RECTIFICATION', null);
      expect(first.possiblyExcessive).toBe(false);
      clock.set('2031-01-20T10:00:00Z');
      const repeat = await service.submit('10000061', 'RECTIFICATION', 'again');
      expect(repeat.possiblyExcessive).toBe(true);
      expect(repeat.excessiveOf).toBe(first.id);
      expect(repeat.state).toBe('RECEIVED');
      expect(repeat.verificationMethod).toBe('SIGNED_IN');
      await expectCode(service.complete(repeat.id, { answer: null, correctionIds: [], receipts: [] }, operator, ctx), 'CONFLICT', 'EXCESSIVE_UNDECIDED');
      const goes = await service.start(repeat.id, operator, 'A different account setting changed since');
      expect(goes.state).toBe('IN_PROGRESS');
      expect(goes.excessiveDecidedBy).toBe(operator.id);
      clock.set('2031-03-01T10:00:00Z');
      const later = await service.submit('10000061', 'RECTIFICATION', null);
      expect(later.possiblyExcessive).toBe(false);
    });

    it('every transition is told to the person', async () => {
      clock.set('2032-01-01T10:00:00Z');
      const req = await written('ERASURE', null, '10000062');
      await service.verify(req.id, { check: 'ID checked' }, operator, null);
      await service.hold(req.id, 'Which of your two accounts do you mean?', operator);
      await service.resume(req.id, 'Answered', operator);
      await service.withdraw(req.id, 'No longer needed', subject);
      const subjects = mailbox().filter((m) => m.requestId === req.id && m.kind === 'privacy-request').map((m) => m.subject);
      expect(subjects).toEqual(['We received your request (erasure of your data)', 'We are working on your request', 'We need something from you', 'We are working on your request again', 'Your request was withdrawn']);
    });
  });
});
