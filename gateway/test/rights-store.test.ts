import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { ErasureJobs, rightsMigrations, type ErasureProgress } from '../src/rights/store.js';
import { requires } from '../../test/support/requires.js';
import { gatewayStores } from './stores.js';

await requires('postgres');

/** SQLite's trigger says append-only; on PostgreSQL the service role has no UPDATE/DELETE on the table (the trigger stops its owner). */
const APPEND_ONLY_REFUSAL = /append-only|permission denied/;

/**
 * The erasure job store on both of the gateway's databases — SQLite and a
 * real PostgreSQL (127.0.0.1:5432, a database of its own for this run, dropped
 * after): one active erasure per person even when two requests race, work
 * only by the job's owner, a crashed job taken back, cancel only before it
 * starts, and receipts and erased accounts append-only in the database itself.
 */

const { sqliteStore, postgresStore } = gatewayStores('rights', rightsMigrations);

const progress: ErasureProgress = { exportJob: null, domains: [{ domain: 'themes', kinds: null, status: 'PENDING', attempts: 0, error: null, untouched: false }] };
const newJob = (personId: string) => ({ personId, requestedBy: personId, requesterType: 'subject' as const, reason: null, kinds: null, progress });

describe.each([
  ['SQLite', sqliteStore],
  ['PostgreSQL', postgresStore],
])('erasure jobs on %s', (_name, open) => {
  it('keeps one active erasure per person, work only by its owner, and the proof append-only', async () => {
    const store = await open();
    await store.migrate();
    const jobs = new ErasureJobs(store);

    // Two requests racing for one person: one job, one CONFLICT.
    const raced = await Promise.allSettled([jobs.create(newJob('10000001')), jobs.create(newJob('10000001'))]);
    expect(raced.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const refused = raced.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((refused.reason as { extensions?: { code?: string } }).extensions?.code).toBe('CONFLICT');
    const job = (raced.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<Awaited<ReturnType<ErasureJobs['create']>>>).value;

    // Claimed by one worker; another cannot write to it.
    const claimed = await jobs.claimNext('w1');
    expect(claimed).toMatchObject({ id: job.id, state: 'RUNNING', runs: 1, worker: 'w1' });
    expect(await jobs.heartbeat(job.id, 'w2')).toBe(false);
    expect(await jobs.heartbeat(job.id, 'w1', progress)).toBe(true);
    expect(await jobs.cancel(job.id)).toBe(false);

    // A worker that stopped: its job goes back to the queue and is claimed again (a second run).
    expect((await jobs.recoverStale(new Date(Date.now() + 60_000), 3)).requeued).toEqual([job.id]);
    expect(await jobs.heartbeat(job.id, 'w1')).toBe(false);
    expect(await jobs.claimNext('w3')).toMatchObject({ id: job.id, runs: 2, worker: 'w3' });

    // Receipts: the first one a domain gave is kept; a replay adds nothing; the table refuses changes.
    const receipt = { domain: 'themes', requestId: job.id, erasedAt: new Date().toISOString(), replayed: false, kinds: [{ kind: 'themes.download', action: 'DELETE' as const, deleted: 3, anonymized: 0, retained: 0, fields: [], ground: null, retainedUntil: null, noticesRecorded: 0, filesDeleted: 0 }] };
    await jobs.recordReceipt(job.id, receipt, { 'themes.download': 0 });
    await jobs.recordReceipt(job.id, { ...receipt, replayed: true, kinds: [{ ...receipt.kinds[0]!, deleted: 0 }] }, { 'themes.download': 0 });
    const kept = await jobs.receipts(job.id);
    expect(kept).toHaveLength(1);
    expect(kept[0]!.kinds[0]!.deleted).toBe(3);
    await expect(sql`update erasure_receipt set kinds = '[]'`.execute(store.db)).rejects.toThrow(APPEND_ONLY_REFUSAL);
    await expect(sql`delete from erasure_receipt`.execute(store.db)).rejects.toThrow(APPEND_ONLY_REFUSAL);

    expect(await jobs.succeed(job.id, 'w1', progress)).toBe(false);
    expect(await jobs.succeed(job.id, 'w3', progress)).toBe(true);
    await jobs.markErased('10000001', job.id);
    expect(await jobs.erased('10000001')).toMatchObject({ jobId: job.id });
    await expect(sql`delete from erased_account`.execute(store.db)).rejects.toThrow(APPEND_ONLY_REFUSAL);

    // A new erasure can be asked once the first is over; cancel works only while QUEUED.
    const next = await jobs.create(newJob('10000001'));
    expect(await jobs.cancel(next.id)).toBe(true);
    expect((await jobs.get(next.id))?.state).toBe('CANCELLED');
    expect(await jobs.cancel(next.id)).toBe(false);
  });
  it('a FAILED erasure is asked again under its own id, and the sweep finds those whose domains are not settled', async () => {
    const store = await open();
    await store.migrate();
    const jobs = new ErasureJobs(store);
    const job = await jobs.create(newJob('10000003'));
    expect(await jobs.reopen(job.id)).toBe(false); // only a FAILED job
    await jobs.claimNext('w1');
    const failed: ErasureProgress = { exportJob: null, domains: [{ domain: 'themes', kinds: null, status: 'FAILED', attempts: 3, error: 'did not answer', untouched: false }] };
    expect(await jobs.fail(job.id, 'w1', { code: 'SUBGRAPH_UNAVAILABLE', message: 'x', domain: 'themes' }, failed)).toBe(true);
    expect((await jobs.unsettled(10)).map((j) => j.id)).toContain(job.id);

    // The domain confirmed it erased nothing: no longer for the sweep, still FAILED.
    expect(await jobs.saveFailedProgress(job.id, { ...failed, domains: [{ ...failed.domains[0]!, untouched: true }] })).toBe(true);
    expect((await jobs.unsettled(10)).map((j) => j.id)).not.toContain(job.id);
    expect((await jobs.get(job.id))?.state).toBe('FAILED');

    // Not while another erasure of the person is active (one active per person); then back to QUEUED, runs counted anew.
    const other = await jobs.create(newJob('10000003')).catch(() => null);
    expect(other).not.toBeNull();
    expect(await jobs.reopen(job.id)).toBe(false);
    expect(await jobs.cancel(other!.id)).toBe(true);
    expect(await jobs.reopen(job.id)).toBe(true);
    expect(await jobs.get(job.id)).toMatchObject({ state: 'QUEUED', runs: 0, error: null, finishedAt: null });
    expect(await jobs.saveFailedProgress(job.id, failed)).toBe(false);
    expect(await jobs.claimNext('w2')).toMatchObject({ id: job.id, runs: 1 });
  });
});
