import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { sql } from 'kysely';
import { createLogger, DEV_MAILBOX, PURGE_EVIDENCE, verifyEvidenceChain } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { loadGatewayConfig } from '../src/config.js';
import { DomainCircuits } from '../src/circuit.js';
import { codeLimitMigrations } from '../src/codes/limits.js';
import { exportMigrations } from '../src/exports/store.js';
import { ManualClock } from '../src/requests/clock.js';
import { createRequestService } from '../src/requests/index.js';
import type { Actor } from '../src/requests/model.js';
import type { PrivacyRequestService } from '../src/requests/service.js';
import { ANY_REQUEST, EVENT_EVIDENCE, requestMigrations } from '../src/requests/store.js';
import { createTestDatabase } from '../../test/support/engine.js';
import { requires } from '../../test/support/requires.js';

await requires('postgres');

/**
 * A whole-account erasure and the person's privacy requests (gateway.privacy_request:
 * RETAIN for P3Y from the erasure), on an injected clock over a real gateway
 * store (SQLite and PostgreSQL): the person's other open requests are closed
 * with the reason, leave the queue and are never overdue, no code can be sent
 * for them; every request of theirs is held from the first erasure for three
 * years, and erasing again does not restart the hold. test/rights.test.ts
 * sees the same through the real erasure runner and the API's meta.
 */

const PERSON = '10000031';
const OTHER = '10000032';
const JOB = 'erasure-job-1';
const operator: Actor = { id: 'ops-anna', type: 'operator' };
const MIGRATIONS = { ...exportMigrations, ...requestMigrations, ...codeLimitMigrations };

/** The gateway's store on a PostgreSQL database of its own (dropped after). */
async function postgresStore(dataDir: string): Promise<{ store: GatewayStore; drop: () => Promise<void> }> {
  const db = await createTestDatabase('reqhold');
  const before = process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
  process.env.FOOTPRINT_GATEWAY_DATABASE_URL = db.url;
  try {
    return { store: openGatewayStore(dataDir, MIGRATIONS), drop: db.drop };
  } finally {
    if (before === undefined) delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
    else process.env.FOOTPRINT_GATEWAY_DATABASE_URL = before;
  }
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  let dataDir: string;
  let store: GatewayStore;
  let clock: ManualClock;
  let service: PrivacyRequestService;
  let dropDatabase: (() => Promise<void>) | null = null;

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-reqhold-'));
    const config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
    if (dialect === 'postgres') ({ store, drop: dropDatabase } = await postgresStore(dataDir));
    else store = openGatewayStore(dataDir, MIGRATIONS);
    await store.migrate();
    clock = new ManualClock('2027-03-01T09:00:00Z');
    const fc = {
      config,
      store,
      logger: createLogger('gateway', 'warn'),
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      subgraphUrls: {},
      circuits: new DomainCircuits({}, config.breaker, createLogger('gateway', 'warn')),
      gatewayUrl: () => 'http://127.0.0.1:1/graphql',
    };
    ({ service } = createRequestService(fc, { clock, contacts: async () => ({ email: 'person@example.com', phone: null }) }));
  });

  afterAll(async () => {
    await store?.close();
    await dropDatabase?.();
    rmSync(dataDir, { recursive: true, force: true });
  });

  const mailbox = (): unknown[] => {
    const file = join(dataDir, DEV_MAILBOX);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : [];
  };
  const written = (type: 'ACCESS' | 'ERASURE' | 'RECTIFICATION', person = PERSON) =>
    service.createWritten(person, { type, channel: 'POST', receivedAt: null, originalText: `Dear team, I ask for ${type}.`, details: null }, operator);

  it('closes the other open requests with the reason, out of the queue and never overdue, no code; holds them all from the first erasure for three years', async () => {
    clock.set('2027-03-01T09:00:00Z');
    const overdue = await written('ACCESS');
    const verifying = await service.sendCode((await written('RECTIFICATION')).id, 'EMAIL', operator);
    expect(verifying.state).toBe('VERIFYING');
    const onHold = await service.hold((await written('ACCESS')).id, 'Waiting for a clarification', operator);
    const withdrawn = await service.withdraw((await written('ACCESS')).id, 'Asked by mistake', operator);
    // The erasure's own request (received later, not overdue) follows the erasure job: it completes from the job, not closed here.
    clock.set('2027-05-01T09:00:00Z');
    const erasure = await written('ERASURE');
    await service.store.db.updateTable('privacyRequest').set({ state: 'IN_PROGRESS', work: JSON.stringify({ erasureJobId: JOB, trackedJobId: JOB }) }).where('id', '=', erasure.id).execute();
    const someoneElse = await written('ACCESS', OTHER);

    // Two months on, the first is long overdue.
    clock.set('2027-05-10T12:00:00Z');
    expect((await service.store.queue({ ...ANY_REQUEST, overdue: true, personId: PERSON }, 10, null, clock.now())).nodes.map((r) => r.id)).toContain(overdue.id);
    // All three received on 1 March are overdue (an ON_HOLD request's deadline does not move).
    expect((await service.store.stats(clock.now())).overdue).toBe(3);
    const sent = mailbox().length;

    const out = await service.accountErased(PERSON, JOB);
    expect(out.closed.sort()).toEqual([overdue.id, verifying.id, onHold.id].sort());
    expect(out.heldUntil).toBe('2030-05-10T12:00:00.000Z');
    expect(out.held).toBe(5);

    for (const id of out.closed) {
      const r = (await service.get(id))!;
      expect(r.state).toBe('CLOSED');
      expect(r.closedAt).toBe('2027-05-10T12:00:00.000Z');
      expect(r.answer).toContain('account was erased');
      const last = (await service.store.timeline(id)).at(-1)!;
      expect(last).toMatchObject({ action: 'CLOSED', toState: 'CLOSED', actor: `erasure:${JOB}`, actorType: 'system' });
      expect(last.reason).toContain(JOB);
    }
    // Out of the open queue and of the overdue count; only the erasure's own request is still open.
    expect((await service.store.queue({ ...ANY_REQUEST, personId: PERSON }, 10, null, clock.now())).nodes.map((r) => r.id)).toEqual([erasure.id]);
    expect((await service.store.queue({ ...ANY_REQUEST, overdue: true, personId: PERSON }, 10, null, clock.now())).nodes).toEqual([]);
    expect((await service.store.stats(clock.now())).overdue).toBe(0);
    expect((await service.get(erasure.id))!.state).toBe('IN_PROGRESS');
    expect((await service.get(withdrawn.id))!.state).toBe('WITHDRAWN');

    // No code is sent or attempted for a closed request, and nobody is written to.
    const err = await service.sendCode(verifying.id, 'EMAIL', operator).then(
      () => null,
      (e: { extensions?: Record<string, unknown> }) => e,
    );
    expect(err?.extensions).toMatchObject({ code: 'CONFLICT', reason: 'ILLEGAL_TRANSITION' });
    expect(await service.store.getCode(verifying.id)).toBeNull();
    expect(mailbox().length).toBe(sent);

    // Every request of the person is held from the erasure; another person's are not.
    for (const id of [overdue.id, verifying.id, onHold.id, withdrawn.id, erasure.id]) {
      expect(await service.get(id), id).toMatchObject({ heldSince: '2027-05-10T12:00:00.000Z', heldUntil: '2030-05-10T12:00:00.000Z' });
    }
    expect(await service.get(someoneElse.id)).toMatchObject({ state: 'RECEIVED', heldSince: null, heldUntil: null });

    // Erasing again a year later closes nothing more and keeps the hold's end (it runs from the first erasure).
    clock.set('2028-05-10T12:00:00Z');
    const again = await service.accountErased(PERSON, 'erasure-job-2');
    expect(again.closed).toEqual([erasure.id]);
    expect(again.held).toBe(0);
    expect((await service.get(overdue.id))!.heldUntil).toBe('2030-05-10T12:00:00.000Z');

    // The timelines' hash chain still holds.
    expect((await verifyEvidenceChain(store.db, EVENT_EVIDENCE)).broken).toBeNull();
  });

  it('the maintenance purges the held requests when the hold ends: timelines gone, their links kept and covered by chained purge records, the chain still verifies', async () => {
    const mine = async () => (await service.store.forPerson(PERSON, 50, null)).nodes;
    const held = await mine();
    expect(held.length).toBe(5);
    const events = (await service.store.timelines(held.map((r) => r.id))).values();
    const eventCount = [...events].reduce((n, t) => n + t.length, 0);
    const others = await service.store.forPerson(OTHER, 50, null);

    // The day before the hold ends nothing goes.
    clock.set('2030-05-09T12:00:00Z');
    expect(await service.purgeHeld()).toEqual({ requests: 0, events: 0 });
    expect(await mine()).toHaveLength(5);

    clock.set('2030-05-10T12:00:01Z');
    expect(await service.purgeHeld()).toEqual({ requests: 5, events: eventCount });
    expect(await mine()).toHaveLength(0);
    for (const r of held) expect(await service.store.timeline(r.id)).toEqual([]);
    // Another person's request and timeline are untouched.
    expect((await service.store.forPerson(OTHER, 50, null)).nodes).toEqual(others.nodes);
    expect(await service.store.timeline(others.nodes[0]!.id)).not.toEqual([]);

    // Each purged row is named by a purge record (itself chained), and both chains verify.
    const purge = await sql<{ n: number }>`select count(*) as n from evidence_purge where chain = 'privacy_request_event'`.execute(store.db);
    expect(Number(purge.rows[0]!.n)).toBe(eventCount);
    const report = await verifyEvidenceChain(store.db, EVENT_EVIDENCE);
    expect(report.broken).toBeNull();
    expect(report.count).toBeGreaterThanOrEqual(eventCount);
    expect((await verifyEvidenceChain(store.db, PURGE_EVIDENCE)).broken).toBeNull();

    // A row deleted without a purge record is still refused by the database.
    const other = others.nodes[0]!.id;
    await expect(sql`delete from privacy_request_event where request_id = ${other}`.execute(store.db)).rejects.toThrow(/append-only|permission denied/);
    expect(await service.store.timeline(other)).not.toEqual([]);
  });
});
