import { randomUUID } from 'node:crypto';
import { describe, expect, it } from 'vitest';
import { exportMigrations, ExportJobs } from '../src/exports/store.js';
import { destroyGrant, StoreAdapter, sweepExpired } from '../src/portability/adapter.js';
import { PortabilityGrants } from '../src/portability/grants.js';
import { portabilityDb, portabilityMigrations } from '../src/portability/store.js';
import { requires } from '../../test/support/requires.js';
import { gatewayStores } from './stores.js';

await requires('postgres');

/**
 * The authorisation server's storage on both of the gateway's databases (SQLite and a real PostgreSQL, a database
 * of its own for this run): what oidc-provider's adapter writes is found by another adapter over the same store
 * (a restarted or second gateway), expired rows are never returned, a consumed code says so, and revoking a grant
 * removes every token issued under it in one step. A receiving service's export job runs beside the person's own.
 */

const migrations = { ...exportMigrations, ...portabilityMigrations };
const { sqliteStore, postgresStore } = gatewayStores('portability', migrations);

describe.each([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('portability storage on %s', (_name, open) => {
  it('keeps the authorisation server\'s objects for every gateway, expires them and revokes a grant at once', async () => {
    const store = await open();
    await store.migrate();
    const db = portabilityDb(store);
    const codes = new StoreAdapter('AuthorizationCode', db);
    const tokens = new StoreAdapter('AccessToken', db);
    const sessions = new StoreAdapter('Session', db);
    await codes.upsert('c1', { grantId: 'g1', accountId: '10000001', kind: 'AuthorizationCode' }, 60);
    await tokens.upsert('t1', { grantId: 'g1', accountId: '10000001', kind: 'AccessToken' }, 3600);
    await tokens.upsert('t2', { grantId: 'g2', accountId: '10000001', kind: 'AccessToken' }, 3600);
    await tokens.upsert('old', { grantId: 'g2', kind: 'AccessToken' }, -1);
    await sessions.upsert('s1', { uid: 'u1', accountId: '10000001', kind: 'Session' }, 600);

    // Another gateway's adapter over the same store finds the same objects.
    const again = new StoreAdapter('AccessToken', db);
    expect(await again.find('t1')).toMatchObject({ grantId: 'g1', accountId: '10000001' });
    expect(await new StoreAdapter('Session', db).findByUid('u1')).toMatchObject({ accountId: '10000001' });
    // Models are apart: an access token's id finds no code.
    expect(await codes.find('t1')).toBeUndefined();
    // Expired: never returned, and swept.
    await tokens.upsert('old', { grantId: 'g2', kind: 'AccessToken' }, 1);
    await db.updateTable('oauthModel').set({ expiresAt: Math.floor(Date.now() / 1000) - 5 }).where('id', '=', 'old').execute();
    expect(await tokens.find('old')).toBeUndefined();
    expect(await sweepExpired(db)).toBeGreaterThanOrEqual(1);
    // A consumed code says when (a replay is then refused by the provider).
    await codes.consume('c1');
    expect((await codes.find('c1'))?.consumed).toBeTypeOf('number');
    // Revoking g1 removes its code and token, not g2's.
    await new StoreAdapter('Grant', db).upsert('g1', { accountId: '10000001', clientId: 'svc_a', kind: 'Grant' }, 3600);
    await destroyGrant(db, 'g1');
    expect(await codes.find('c1')).toBeUndefined();
    expect(await tokens.find('t1')).toBeUndefined();
    expect(await new StoreAdapter('Grant', db).find('g1')).toBeUndefined();
    expect(await tokens.find('t2')).toMatchObject({ grantId: 'g2' });
    await tokens.revokeByGrantId('g2');
    expect(await tokens.find('t2')).toBeUndefined();
  });

  it('runs a service\'s export job beside the person\'s own, one per grant, not counted against the person', async () => {
    const store = await open();
    await store.migrate();
    const db = portabilityDb(store);
    const jobs = new ExportJobs(store);
    const grants = new PortabilityGrants(db);
    const now = new Date();
    await grants.create({ id: 'g1', personId: '10000001', clientId: 'svc_a', clientName: 'A', scopes: ['portability.orders'], kinds: ['orders.order'], period: 'ONE_TIME', windowStart: null, windowEnd: null, grantedAt: now.toISOString(), expiresAt: new Date(now.getTime() + 3600_000).toISOString() });
    const row = (id: string, grant: string | null) => ({
      id, personId: '10000001', requestedBy: 'client:svc_a', requesterType: 'subject', reason: null, allowPartial: 0, state: 'QUEUED' as const, createdAt: now.toISOString(), startedAt: null, finishedAt: null, heartbeatAt: null, worker: null, runs: 0,
      progress: JSON.stringify({ schemaHash: 'x', kinds: [] }), error: null, archiveBytes: null, archiveSha256: null, records: null, expiresAt: null,
      portabilityGrant: grant, onlyKinds: JSON.stringify(['orders.order']), windowStart: '2025-01-01T00:00:00.000Z', windowEnd: null,
    });
    await db.insertInto('exportJob').values(row(randomUUID(), 'g1')).execute();
    // A second running job of the same grant is refused by the database itself.
    await expect(db.insertInto('exportJob').values(row(randomUUID(), 'g1')).execute()).rejects.toThrow(/unique|duplicate/i);
    // The person's own export is not blocked by it, nor does it count towards their requests.
    const own = await jobs.create({ personId: '10000001', requestedBy: '10000001', requesterType: 'subject', reason: null, allowPartial: false, progress: { schemaHash: 'x', kinds: [] } }, { windowMs: 86_400_000, maxPerWindow: 1 });
    expect(own.portabilityGrant).toBeNull();
    expect((await jobs.listForPerson('10000001', 10)).map((j) => j.id)).toEqual([own.id]);
    const service = (await db.selectFrom('exportJob').select('id').where('portabilityGrant', '=', 'g1').executeTakeFirstOrThrow()).id;
    const parsed = await jobs.get(service);
    expect(parsed).toMatchObject({ portabilityGrant: 'g1', onlyKinds: ['orders.order'], windowStart: '2025-01-01T00:00:00.000Z', windowEnd: null });
    // A one-time grant's job is started once.
    expect(await grants.markUsed('g1')).toBe(true);
    expect(await grants.markUsed('g1')).toBe(false);
    expect(await grants.revoke('g1', 'PERSON')).toBe(true);
    expect(await grants.revoke('g1', 'SERVICE')).toBe(false);
    expect((await grants.get('g1'))?.revokedBy).toBe('PERSON');
  });
});
