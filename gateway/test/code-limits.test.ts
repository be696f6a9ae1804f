import { randomUUID } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger, DEV_MAILBOX } from '@footprint/kit';
import { openGatewayStore, type GatewayStore } from '../src/auth/audit.js';
import { DomainCircuits } from '../src/circuit.js';
import { loadCodeLimitsConfig } from '../src/codes/config.js';
import { CodeLimits, codeLimitMigrations } from '../src/codes/limits.js';
import { loadGatewayConfig, type GatewayConfig } from '../src/config.js';
import { exportMigrations } from '../src/exports/store.js';
import { ManualClock } from '../src/requests/clock.js';
import { createRequestService } from '../src/requests/index.js';
import type { Actor } from '../src/requests/model.js';
import type { PrivacyRequestService } from '../src/requests/service.js';
import { requestMigrations } from '../src/requests/store.js';
import { ErasureCodes } from '../src/rights/code.js';
import { loadRightsConfig } from '../src/rights/config.js';
import { ErasureJobs, rightsMigrations } from '../src/rights/store.js';
import { createTestDatabase } from '../../test/support/engine.js';
import { requires } from '../../test/support/requires.js';

await requires('postgres');

/**
 * One-time codes cannot be enumerated by asking for new ones: checks and
 * sends are bounded per request and per person over time, whichever code is
 * current, on the privacy requests' codes and the erasure codes, counted in
 * the gateway's store (SQLite and a real PostgreSQL), so a second gateway on
 * the same store counts on. The defaults: 5 sends per request and 10 per
 * person an hour; 10 checks per request and 20 per person a day. The account
 * domain is not running here, so the account's address is given.
 */

const EMAIL = 'person@example.com';
const operator: Actor = { id: 'ops-anna', type: 'operator' };
const MIGRATIONS = { ...exportMigrations, ...requestMigrations, ...rightsMigrations, ...codeLimitMigrations };
const HOUR = 3_600_000;
const DAY = 24 * HOUR;

/** Opens the gateway's store: SQLite in dataDir, or a PostgreSQL database of this run's; twice = two gateways on one store. */
async function storeOpener(dialect: 'sqlite' | 'postgres', dataDir: string): Promise<{ open: () => GatewayStore; drop: () => Promise<void> }> {
  if (dialect === 'sqlite') return { open: () => openGatewayStore(dataDir, MIGRATIONS), drop: async () => {} };
  const db = await createTestDatabase('code_limits');
  const open = () => {
    const before = process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
    process.env.FOOTPRINT_GATEWAY_DATABASE_URL = db.url;
    try {
      return openGatewayStore(dataDir, MIGRATIONS);
    } finally {
      if (before === undefined) delete process.env.FOOTPRINT_GATEWAY_DATABASE_URL;
      else process.env.FOOTPRINT_GATEWAY_DATABASE_URL = before;
    }
  };
  return { open, drop: db.drop };
}

/** The error code and reason of a refused call, or "ok". */
async function outcome(p: Promise<unknown>): Promise<string> {
  try {
    await p;
    return 'ok';
  } catch (e) {
    const ext = (e as { extensions?: Record<string, unknown> }).extensions ?? {};
    return `${String(ext.code)}${ext.reason ? `/${String(ext.reason)}` : ''}`;
  }
}
function tally(xs: string[]): Record<string, number> {
  const t: Record<string, number> = {};
  for (const x of xs) t[x] = (t[x] ?? 0) + 1;
  return t;
}

describe.each(['sqlite', 'postgres'] as const)('on %s', (dialect) => {
  let dataDir: string;
  let config: GatewayConfig;
  let opener: Awaited<ReturnType<typeof storeOpener>>;
  const stores: GatewayStore[] = [];
  const clock = new ManualClock('2031-03-01T09:00:00Z');

  /** A gateway's request service over its own connection to the shared store. */
  function gateway(): { store: GatewayStore; service: PrivacyRequestService } {
    const store = opener.open();
    stores.push(store);
    const fc = {
      config,
      store,
      logger: createLogger('gateway', 'silent'),
      supergraphSdl: readFileSync(config.supergraphPath, 'utf8'),
      subgraphUrls: {},
      circuits: new DomainCircuits({}, config.breaker, createLogger('gateway', 'silent')),
      gatewayUrl: () => 'http://127.0.0.1:1/graphql',
    };
    return { store, service: createRequestService(fc, { clock, contacts: async () => ({ email: EMAIL, phone: '+994501234567' }) }).service };
  }

  const mailbox = (): Record<string, string>[] => {
    const file = join(dataDir, DEV_MAILBOX);
    return existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n').map((l) => JSON.parse(l) as Record<string, string>) : [];
  };
  const latestCode = (confirmationId: string) => mailbox().filter((m) => m.confirmationId === confirmationId).at(-1)!.code!;
  const wrong = (code: string) => (code === '000000' ? '111111' : '000000');

  beforeAll(async () => {
    dataDir = mkdtempSync(join(tmpdir(), 'footprint-code-limits-'));
    config = loadGatewayConfig({ ...process.env, NODE_ENV: 'test', FOOTPRINT_DATA_DIR: dataDir, LOG_LEVEL: 'silent' });
    opener = await storeOpener(dialect, dataDir);
    const first = opener.open();
    await first.migrate();
    await first.close();
  });

  afterAll(async () => {
    for (const s of stores) await s.close();
    await opener?.drop();
    rmSync(dataDir, { recursive: true, force: true });
  });

  it('the defaults are the documented ones', () => {
    expect(loadCodeLimitsConfig({})).toEqual({
      guessesPerRequest: { max: 10, windowMs: DAY },
      guessesPerPerson: { max: 20, windowMs: DAY },
      sendsPerRequest: { max: 5, windowMs: HOUR },
      sendsPerPerson: { max: 10, windowMs: HOUR },
    });
    expect(() => loadCodeLimitsConfig({ FOOTPRINT_CODE_GUESSES_PER_PERSON: '0' })).toThrow(/FOOTPRINT_CODE_GUESSES_PER_PERSON/);
  });

  it('checks at the same moment take exactly the bound between them (on PostgreSQL from two gateways)', async () => {
    const now = new Date('2031-05-01T09:00:00Z');
    // Two SQLite connections in one thread would wait on each other's lock; SQLite serialises writers across processes itself.
    const first = gateway().store;
    const [one, two] = [first, dialect === 'postgres' ? gateway().store : first].map((store) => new CodeLimits(store, loadCodeLimitsConfig({})));
    const subject = { request: `request:${randomUUID()}`, person: '10000073' };
    const outcomes = await Promise.all(Array.from({ length: 30 }, (_, i) => (i % 2 ? one! : two!).guess(subject, now)));
    expect(outcomes.filter((o) => o.allowed)).toHaveLength(10);
    // The lockout is reported as the first refusal exactly once.
    expect(outcomes.filter((o) => !o.allowed && o.first)).toHaveLength(1);
  });

  it('privacy requests: 20 resends and 120 guesses get 5 codes and 10 checks; the lockout holds across a new code, on another gateway, and per person; a right code works after the window', async () => {
    clock.set('2031-03-01T09:00:00Z');
    const person = '10000071';
    const a = gateway();
    const req = await a.service.createWritten(person, { type: 'ACCESS', channel: 'POST', receivedAt: null, originalText: 'Please send me my data.', details: null }, operator);
    const confirmation = `privacy-request:${req.id}`;

    // The attack of the issue: a new code, then six guesses at it, twenty times over, in no time.
    const sends: string[] = [];
    const guesses: string[] = [];
    for (let round = 0; round < 20; round++) {
      sends.push(await outcome(a.service.sendCode(req.id, 'EMAIL', operator)));
      const code = latestCode(confirmation);
      for (let g = 0; g < 6; g++) guesses.push(await outcome(a.service.verify(req.id, { code: wrong(code) }, operator, null)));
    }
    expect(tally(sends)).toEqual({ ok: 5, 'TOO_MANY_REQUESTS/CODE_SENDS_EXCEEDED': 15 });
    // Ten checks reached a code (five wrong at the first, its sixth found it spent, four wrong at the second); 110 refused.
    expect(tally(guesses)).toEqual({ 'BAD_USER_INPUT/CODE_INVALID': 9, 'CONFLICT/NO_ATTEMPTS_LEFT': 1, 'TOO_MANY_REQUESTS/CODE_LOCKED': 110 });
    // The timeline: one row per wrong code checked, and the lockout noted once, not per refused try.
    const actions = tally((await a.service.store.timeline(req.id)).map((e) => e.action));
    expect(actions).toMatchObject({ CODE_SENT: 5, CODE_REJECTED: 9, CODE_LOCKED: 1 });

    // The refusal says why and when to try again.
    const refused = await a.service.verify(req.id, { code: '123456' }, operator, null).catch((e: { message: string; extensions: Record<string, unknown> }) => e);
    expect(refused).toMatchObject({ extensions: { code: 'TOO_MANY_REQUESTS', reason: 'CODE_LOCKED', bound: 'request', limit: 10, retryAt: '2031-03-02T09:00:00.000Z', retryAfterSeconds: 86_400 } });
    expect((refused as { message: string }).message).toMatch(/until 2031-03-02T09:00:00\.000Z/);

    // An hour on, a new code can be sent — on a second gateway over the same store — and even the right one is refused.
    clock.set('2031-03-01T10:01:00Z');
    const b = gateway();
    expect(await outcome(b.service.sendCode(req.id, 'EMAIL', operator))).toBe('ok');
    expect(await outcome(b.service.verify(req.id, { code: latestCode(confirmation) }, operator, null))).toBe('TOO_MANY_REQUESTS/CODE_LOCKED');

    // Per person: a second request of theirs has its own ten, but the person's twenty are shared; a third gets none.
    const second = await b.service.createWritten(person, { type: 'ERASURE', channel: 'EMAIL', receivedAt: null, originalText: 'Erase me.', details: null }, operator);
    const third = await b.service.createWritten(person, { type: 'PORTABILITY', channel: 'EMAIL', receivedAt: null, originalText: 'My data, portable.', details: null }, operator);
    await b.service.sendCode(second.id, 'EMAIL', operator);
    await b.service.sendCode(third.id, 'EMAIL', operator);
    const more: string[] = [];
    for (let g = 0; g < 12; g++) {
      if (g === 5) await b.service.sendCode(second.id, 'EMAIL', operator);
      more.push(await outcome(b.service.verify(second.id, { code: wrong(latestCode(`privacy-request:${second.id}`)) }, operator, null)));
    }
    // Ten at the second request (its own bound and the person's twentieth), then refused.
    expect(tally(more)).toEqual({ 'BAD_USER_INPUT/CODE_INVALID': 10, 'TOO_MANY_REQUESTS/CODE_LOCKED': 2 });
    const personLocked = await b.service.verify(third.id, { code: latestCode(`privacy-request:${third.id}`) }, operator, null).catch((e: { extensions: Record<string, unknown> }) => e);
    expect(personLocked).toMatchObject({ extensions: { code: 'TOO_MANY_REQUESTS', reason: 'CODE_LOCKED', bound: 'person', limit: 20 } });

    // After the window: a new code, and the right one verifies.
    clock.set('2031-03-02T09:00:01Z');
    await b.service.sendCode(req.id, 'EMAIL', operator);
    const verified = await b.service.verify(req.id, { code: latestCode(confirmation) }, operator, null);
    expect(verified.verificationMethod).toBe('CODE');
  });

  it('erasure codes: 20 requests and 120 guesses get 5 codes and 10 checks; the lockout holds across a new code and a restart; a right code works after the window', async () => {
    clock.set('2031-04-01T09:00:00Z');
    const person = '10000072';
    const rights = loadRightsConfig(config);
    const codesOf = (store: GatewayStore) => new ErasureCodes(new ErasureJobs(store), { email: async () => EMAIL }, rights, new CodeLimits(store, loadCodeLimitsConfig({})), () => clock.now());
    const acting = { actor: person, actorType: 'subject' as const, person, requestId: 'test', log: createLogger('rights', 'silent') };
    let codes = codesOf(gateway().store);

    const sends: string[] = [];
    const guesses: string[] = [];
    let pending: { confirmationId: string } | null = null;
    for (let round = 0; round < 20; round++) {
      sends.push(
        await outcome(
          codes.issue(acting).then((p) => {
            pending = p;
          }),
        ),
      );
      const code = latestCode(pending!.confirmationId);
      for (let g = 0; g < 6; g++) guesses.push(await outcome(codes.verify(person, pending!.confirmationId, wrong(code))));
    }
    expect(tally(sends)).toEqual({ ok: 5, 'TOO_MANY_REQUESTS/CODE_SENDS_EXCEEDED': 15 });
    // Five wrong at the first code (the fifth spends it: TOO_MANY_REQUESTS without a reason), its sixth refused as spent, four wrong at the second.
    expect(tally(guesses)).toEqual({ BAD_USER_INPUT: 8, TOO_MANY_REQUESTS: 2, 'TOO_MANY_REQUESTS/CODE_LOCKED': 110 });

    // A restart (a new store connection) and an hour later: a new code is sent, and the right one is still refused.
    clock.set('2031-04-01T10:01:00Z');
    codes = codesOf(gateway().store);
    const fresh = await codes.issue(acting);
    const locked = await codes.verify(person, fresh.confirmationId, latestCode(fresh.confirmationId)).catch((e: { extensions: Record<string, unknown> }) => e);
    expect(locked).toMatchObject({ extensions: { code: 'TOO_MANY_REQUESTS', reason: 'CODE_LOCKED', retryAt: '2031-04-02T09:00:00.000Z' } });

    clock.set('2031-04-02T09:00:01Z');
    const after = await codes.issue(acting);
    await expect(codes.verify(person, after.confirmationId, latestCode(after.confirmationId))).resolves.toBeUndefined();
  });
});
