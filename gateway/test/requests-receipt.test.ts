import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '@footprint/kit';
import { startTestSubgraph, type TestSubgraph } from '@footprint/kit/testing';
import { subgraph as accountSubgraph } from '@footprint/subgraph-account';
import { seed as seedAccount } from '@footprint/subgraph-account/seed';
import type { AccountDB } from '@footprint/subgraph-account/store';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { DomainCircuits } from '../src/circuit.js';
import { codeLimitMigrations } from '../src/codes/limits.js';
import { loadGatewayConfig } from '../src/config.js';
import { DomainClient } from '../src/domains/client.js';
import { exportMigrations } from '../src/exports/store.js';
import { rightsFeature } from '../src/rights/index.js';
import { rightsMigrations } from '../src/rights/store.js';
import { ManualClock } from '../src/requests/clock.js';
import { createRequestService } from '../src/requests/index.js';
import type { Actor } from '../src/requests/model.js';
import type { PrivacyRequestService } from '../src/requests/service.js';
import { ANY_REQUEST, requestMigrations } from '../src/requests/store.js';

/**
 * How a request is received: the kinds it names (checked as restrictProcessing
 * and erasure check them, with the gateway's rights feature over the real data
 * map), the account it is for (the real account domain over HTTP), the receipt
 * day and due day in the controller's time zone (Asia/Baku by default), the
 * sane range of receipt dates, and the repeat ("possibly excessive") check by
 * type, scope and receipt date. The music domain is configured but not
 * running, so a restriction of a music kind fails when it starts.
 */

const PERSON = '10000001';
const NOBODY = '10009999';
const operator: Actor = { id: 'ops-anna', type: 'operator' };
const letter = 'Dear team, please act on my request.';

let account: TestSubgraph<AccountDB>;
let dataDir: string;
let store: GatewayStore;
let clock: ManualClock;
let service: PrivacyRequestService;

beforeAll(async () => {
  account = await startTestSubgraph(accountSubgraph.createServer, seedAccount);
  dataDir = mkdtempSync(join(tmpdir(), 'footprint-requests-receipt-'));
  const config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'warn' });
  store = openGatewayStore(dataDir, { ...exportMigrations, ...requestMigrations, ...codeLimitMigrations, ...rightsMigrations });
  await store.migrate();
  const urls = { account: account.url, music: 'http://127.0.0.1:1/graphql' };
  const logger = createLogger('gateway', 'silent');
  const circuits = new DomainCircuits(urls, { failureThreshold: 100, openMs: 1000, maxOpenMs: 1000, probeTimeoutMs: 500 }, logger);
  const fc = {
    config,
    store,
    logger,
    supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
    subgraphUrls: urls,
    circuits,
    domains: new DomainClient({ urls, internalSecret: account.config.internalSecret, timeoutMs: 2000, circuits }),
    gatewayUrl: () => 'http://127.0.0.1:1/graphql',
  };
  // The rights feature as the gateway creates it (its workers are not started): requests use its kind checks and its restriction.
  await rightsFeature.create(fc);
  clock = new ManualClock('2026-12-06T08:00:00Z');
  ({ service } = createRequestService(fc, { clock }));
});

afterAll(async () => {
  await store?.close();
  await account?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

async function refusal(p: Promise<unknown>): Promise<{ message: string; extensions: Record<string, unknown> }> {
  const err = await p.then(
    () => null,
    (e: { message: string; extensions: Record<string, unknown> }) => e,
  );
  expect(err, 'expected the request to be refused').not.toBeNull();
  return err!;
}

const mine = async (person = PERSON) => (await service.store.forPerson(person, 100, null)).nodes;

describe('kinds are checked when a request is received', () => {
  it('a restriction naming an unknown kind, or an erasure of a kind kept by law, is refused at once and nothing is kept', async () => {
    clock.set('2026-12-06T08:00:00Z');
    const before = (await mine()).length;
    const unknown = await refusal(service.submit(PERSON, 'RESTRICTION', null, { kinds: ['music.nonexistent'] }));
    expect(unknown.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'kinds', unknownKinds: ['music.nonexistent'] });
    expect(unknown.message).toContain('music.nonexistent');
    const written = await refusal(service.createWritten(PERSON, { type: 'RESTRICTION', channel: 'POST', receivedAt: null, originalText: letter, details: null, scope: { kinds: ['music.nonexistent'] } }, operator));
    expect(written.extensions).toMatchObject({ code: 'BAD_USER_INPUT', unknownKinds: ['music.nonexistent'] });
    const retained = await refusal(service.submit(PERSON, 'ERASURE', null, { kinds: ['orders.order'] }));
    expect(retained.extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RETAINED', retainedKinds: ['orders.order'] });
    expect(retained.message).toMatch(/kept by law.*orders\.order/);
    expect((await mine()).length).toBe(before);
  });

  it('a restriction whose end is already past on the legal clock is refused, whatever the machine clock says', async () => {
    clock.set('2031-05-01T08:00:00Z');
    const err = await refusal(service.createWritten('10000002', { type: 'RESTRICTION', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null, scope: { kinds: ['music.playback'], until: '2030-01-01T00:00:00.000Z' } }, operator));
    expect(err.extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'until' });
  });
});

describe('the account and the receipt date', () => {
  it('a request for an account that does not exist is refused', async () => {
    clock.set('2026-12-06T08:00:00Z');
    const err = await refusal(service.createWritten(NOBODY, { type: 'ACCESS', channel: 'POST', receivedAt: null, originalText: letter, details: null }, operator));
    expect(err.extensions).toMatchObject({ code: 'NOT_FOUND', field: 'personId' });
    expect(await mine(NOBODY)).toHaveLength(0);
  });

  it('a receipt date in 1970, before the service started, long ago or in the future is refused with the reason', async () => {
    clock.set('2026-12-06T08:00:00Z');
    const at = (receivedAt: string | null, receivedOn: string | null = null) => service.createWritten(PERSON, { type: 'ACCESS', channel: 'POST', receivedAt: receivedAt ? new Date(receivedAt) : null, receivedOn, originalText: letter, details: null }, operator);
    expect((await refusal(at('1970-01-01T00:00:00Z'))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECEIPT_TOO_OLD', field: 'receivedAt' });
    expect((await refusal(at(null, '2026-06-01'))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECEIPT_TOO_OLD', field: 'receivedOn' });
    // Today in Baku is 6 December; 7 December has not begun there.
    expect((await refusal(at(null, '2026-12-07'))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', reason: 'RECEIPT_IN_FUTURE' });
    expect((await refusal(at(null, '2026-02-30'))).extensions).toMatchObject({ code: 'BAD_USER_INPUT', field: 'receivedOn' });
  });
});

describe('the legal clock counts calendar days in the controller\'s time zone', () => {
  it('a request made in Baku at 02:00 on 1 March is received on 1 March and due at the end of 1 April there', async () => {
    clock.set('2027-02-28T22:00:00Z'); // 02:00 on 1 March in Baku (UTC+4)
    const req = await service.createWritten('10000002', { type: 'ACCESS', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null }, operator);
    expect(req.dueAt).toBe('2027-04-01T19:59:59.999Z');
    expect(req.deadline).toBe(req.dueAt);
  });

  it('a letter entered at the desk as received on 30 November is due on 30 December, and the whole due day is in time', async () => {
    clock.set('2026-12-03T09:00:00Z');
    const req = await service.createWritten('10000002', { type: 'RECTIFICATION', channel: 'POST', receivedAt: null, receivedOn: '2026-11-30', originalText: letter, details: null }, operator);
    expect(req.receivedAt).toBe('2026-11-29T20:00:00.000Z'); // the beginning of 30 November in Baku
    expect(req.dueAt).toBe('2026-12-30T19:59:59.999Z');
    const overdue = async (now: string) => {
      clock.set(now);
      return (await service.store.queue({ ...ANY_REQUEST, overdue: true, personId: '10000002' }, 50, null, clock.now())).nodes.map((r) => r.id);
    };
    expect(await overdue('2026-12-30T00:00:00Z')).not.toContain(req.id);
    expect(await overdue('2026-12-30T19:59:00Z')).not.toContain(req.id); // 23:59 on 30 December in Baku
    expect(await overdue('2026-12-30T20:00:01Z')).toContain(req.id); // 31 December has begun in Baku
  });
});

describe('"possibly excessive" compares type, scope and receipt dates', () => {
  it('a back-dated letter received before another is not flagged as repeating it', async () => {
    clock.set('2026-12-06T08:00:00Z');
    const later = await service.createWritten(PERSON, { type: 'ACCESS', channel: 'POST', receivedAt: new Date('2026-12-05T10:00:00Z'), originalText: letter, details: null }, operator);
    expect(later.possiblyExcessive).toBe(false);
    const earlier = await service.createWritten(PERSON, { type: 'ACCESS', channel: 'POST', receivedAt: new Date('2026-11-20T10:00:00Z'), originalText: letter, details: null }, operator);
    expect(earlier.possiblyExcessive).toBe(false);
    // The same request again after both is a repeat of the latest received.
    const again = await service.createWritten(PERSON, { type: 'ACCESS', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null }, operator);
    expect(again.excessiveOf).toBe(later.id);
  });

  it('a consent withdrawal for another purpose, or any consent withdrawal, is never held for an operator', async () => {
    clock.set('2026-12-06T09:00:00Z');
    const first = await service.createWritten(PERSON, { type: 'CONSENT_WITHDRAWAL', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null, scope: { purpose: 'PERSONALISATION' } }, operator);
    const second = await service.createWritten(PERSON, { type: 'CONSENT_WITHDRAWAL', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null, scope: { purpose: 'ANALYTICS' } }, operator);
    const third = await service.createWritten(PERSON, { type: 'CONSENT_WITHDRAWAL', channel: 'EMAIL', receivedAt: null, originalText: letter, details: null, scope: { purpose: 'PERSONALISATION' } }, operator);
    expect([first, second, third].map((r) => r.possiblyExcessive)).toEqual([false, false, false]);
  });

  it('a restriction refused for a mistyped kind, or one whose work failed, does not make the corrected one excessive', async () => {
    clock.set('2026-12-06T10:00:00Z');
    await refusal(service.submit(PERSON, 'RESTRICTION', null, { kinds: ['music.playbak'] }));
    const failed = await service.submit(PERSON, 'RESTRICTION', null, { kinds: ['music.playback'] });
    expect(failed.possiblyExcessive).toBe(false);
    expect(failed.state).toBe('IN_PROGRESS');
    expect(failed.failure?.code).toBe('SUBGRAPH_UNAVAILABLE'); // the music domain is not running
    const retried = await service.submit(PERSON, 'RESTRICTION', null, { kinds: ['music.playback'] });
    expect(retried.possiblyExcessive).toBe(false);
    expect(retried.state).toBe('IN_PROGRESS');
  });
});
