import { describe, expect, it } from 'vitest';
import { ServerPushes, pushMigrations } from '../src/transfers/store.js';
import { requires } from '../../test/support/requires.js';
import { gatewayStores } from './stores.js';

await requires('postgres');

/**
 * The server push store on both of the gateway's databases — SQLite and a real
 * PostgreSQL (a database of its own, dropped after): a push is worked on only
 * by its worker, resumed only from FAILED or CANCELLED, a stale one is failed
 * (never requeued: its password went with its process), card checkpoints are
 * replaced in place, and records past their hold are deleted with their cards.
 */

const { sqliteStore, postgresStore } = gatewayStores('pushes', pushMigrations);

const newPush = (personId: string) => ({ personId, kinds: ['cloud.contact'], serverUrl: 'https://dav.example.org/', recipientHost: 'dav.example.org', username: 'me', addressBook: null });

describe.each([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('server pushes on %s', (_name, open) => {
  it('runs, fails, resumes and checkpoints a push for its worker only; stale pushes fail; old records go with their cards', async () => {
    const store = await open();
    await store.migrate();
    const pushes = new ServerPushes(store);

    const p = await pushes.create(newPush('10000001'), 'w1');
    expect(p).toMatchObject({ state: 'RUNNING', worker: 'w1', runs: 1, kinds: ['cloud.contact'], error: null, progress: { cardsTotal: null, cardsSent: 0 } });
    expect((await pushes.active('10000001'))?.id).toBe(p.id);
    expect(await pushes.active('10000002')).toBeNull();
    // One at a time per person, even when two requests race past the resolver's check.
    await expect(pushes.create(newPush('10000001'), 'w9')).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });

    // Another worker cannot touch it; its own can.
    expect(await pushes.heartbeat(p.id, 'w2', { cardsTotal: 3, cardsSent: 1, cardsVerified: 1, cardsSkipped: 0, cardsFailed: 0 })).toBe(false);
    expect(await pushes.heartbeat(p.id, 'w1', { cardsTotal: 3, cardsSent: 1, cardsVerified: 1, cardsSkipped: 0, cardsFailed: 0 })).toBe(true);
    await pushes.checkpoint(p.id, { recordId: 'cloud.contact:1', uid: 'u1', name: 'u1.vcf', sha256: 'a'.repeat(64), etag: '"1"', state: 'SENT', problem: null });
    // A checkpoint is replaced in place, never doubled.
    await pushes.checkpoint(p.id, { recordId: 'cloud.contact:1', uid: 'u1', name: 'u1.vcf', sha256: 'a'.repeat(64), etag: '"2"', state: 'VERIFIED', problem: null });
    await pushes.checkpoint(p.id, { recordId: 'cloud.contact:2', uid: null, name: 'x.vcf', sha256: 'b'.repeat(64), etag: null, state: 'FAILED', problem: 'differs' });
    const cards = await pushes.cards(p.id, ['cloud.contact:1', 'cloud.contact:2', 'cloud.contact:3']);
    expect([...cards.keys()].sort()).toEqual(['cloud.contact:1', 'cloud.contact:2']);
    expect(cards.get('cloud.contact:1')).toMatchObject({ state: 'VERIFIED', etag: '"2"' });
    expect(await pushes.failedCards(p.id)).toEqual([{ recordId: 'cloud.contact:2', uid: null, problem: 'differs' }]);

    // Resumed only once it has stopped.
    expect(await pushes.resume(p.id, 'w2')).toBeNull();
    expect(await pushes.fail(p.id, 'w1', { code: 'REMOTE_UNREACHABLE', message: 'gone' })).toBe(true);
    expect((await pushes.get(p.id))?.progress.cardsSent).toBe(1);
    const resumed = await pushes.resume(p.id, 'w2');
    expect(resumed).toMatchObject({ state: 'RUNNING', worker: 'w2', runs: 2, error: null, finishedAt: null });

    // Its gateway stops heartbeating: FAILED (INTERRUPTED), not queued again.
    const recovered = await pushes.recoverStale(new Date(Date.now() + 1000), 0);
    expect(recovered).toEqual({ requeued: [], failed: [p.id] });
    expect((await pushes.get(p.id))?.error?.code).toBe('INTERRUPTED');

    // Cancel only while active; a cancelled push keeps the progress its worker reached.
    // Resuming an old push while another of the same person runs is refused by the database as well.
    const p2 = await pushes.create(newPush('10000001'), 'w4');
    await expect(pushes.resume(p.id, 'w4')).rejects.toMatchObject({ extensions: { code: 'CONFLICT' } });
    expect(await pushes.cancel(p2.id)).toBe(true);
    const q = await pushes.create(newPush('10000002'), 'w3');
    expect(await pushes.cancel(q.id)).toBe(true);
    expect(await pushes.cancel(q.id)).toBe(false);
    await pushes.settleCancelled(q.id, 'w3', { cardsTotal: 5, cardsSent: 2, cardsVerified: 2, cardsSkipped: 0, cardsFailed: 0 });
    expect((await pushes.get(q.id))?.progress.cardsVerified).toBe(2);

    // The person's records, newest first, paged.
    const page = await pushes.forPerson('10000001', 1, null);
    expect(page).toMatchObject({ totalCount: 2, hasNextPage: true });
    expect(page.nodes.map((n) => n.id)).toEqual([p2.id]);
    const next = await pushes.forPerson('10000001', 1, { createdAt: p2.createdAt, id: p2.id });
    expect(next).toMatchObject({ totalCount: 2, hasNextPage: false });
    expect(next.nodes.map((n) => n.id)).toEqual([p.id]);

    // Past their hold: deleted with their cards; nothing newer goes.
    expect(await pushes.purge(new Date(Date.now() - 60_000).toISOString())).toBe(0);
    expect(await pushes.purge(new Date(Date.now() + 60_000).toISOString())).toBe(3);
    expect(await pushes.get(p.id)).toBeNull();
    expect((await pushes.cards(p.id, ['cloud.contact:1'])).size).toBe(0);
  });
});
